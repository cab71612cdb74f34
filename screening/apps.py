from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Cancer screening"

    def ready(self) -> None:
        # Screening records appear on cadm's pages through the section registry.
        from . import sections  # noqa: F401
