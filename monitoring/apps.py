from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Lung monitoring"

    def ready(self) -> None:
        # Lung results appear on cadm's visit page and timeline through the section registry,
        # and the lung summary on the patient page through the panel registry, so cadm never
        # imports this app.
        from . import panels, sections  # noqa: F401
