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
        self._connect_signals()
        # Job kinds register on import; every process (web, worker, beat) needs them.
        from .services import cohort, preview, rulesets  # noqa: F401

        self._register_panels()

    def _connect_signals(self) -> None:
        # At start-up, not when the middleware loads: a login can come first (a command,
        # the test client's force_login).
        from django.contrib.auth.signals import user_logged_in

        from .middleware_sessions import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="cadm.middleware_sessions.stamp_login")

    def _register_panels(self) -> None:
        # cadm's own patient-page panels go through the same registry as screening's and
        # monitoring's. Order 30: after the lung (10) and screening (20) panels, which ask for
        # action; this one is the record of how the classification evolved.
        from .panels import PatientPanel, register_panel
        from .views.classification_rows import classification_history_panel

        register_panel(PatientPanel(
            "classification-history", "Classification over time", 30,
            "cadm/_classification_history_panel.html", classification_history_panel,
        ))
