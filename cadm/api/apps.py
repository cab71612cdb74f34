from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cadm.api"
    label = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI extension of the token auth)
