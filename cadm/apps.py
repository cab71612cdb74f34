from django.apps import AppConfig


class CadmConfig(AppConfig):
    name = "cadm"
    verbose_name = "CADM clinic"

    def ready(self) -> None:
        # Imported here rather than in cadm/__init__.py so that cadm.rules stays importable
        # without Django; this binds @shared_task to the configured app in every process.
        from . import (
            celery,  # noqa: F401
            sections,
        )

        sections._register_core()
        # Job kinds register on import; every process (web, worker, beat) needs them.
        from .services import cohort, preview, rulesets  # noqa: F401
