from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Lung monitoring"

    def ready(self) -> None:
        # Lung results appear on cadm's visit page and timeline through the section registry,
        # the lung summary on the patient page through the panel registry, and the lung
        # cohort's stored keys follow each evaluation through its hooks, so cadm never
        # imports this app.
        from cadm.panels import register_after_evaluation

        from . import lung_status, panels, sections  # noqa: F401

        register_after_evaluation("lung-status", lung_status.lung_status_sync,
                                  batch=lung_status.lung_statuses_sync)
