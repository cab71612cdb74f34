from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Cancer screening"

    def ready(self) -> None:
        # Screening joins cadm's pages and evaluation through its registries (cadm never
        # imports this app): records as a result section, the plan as a patient-page panel,
        # the plan's sync after each evaluation, and the plan's outcome as a fact.
        from cadm.panels import register_after_evaluation, register_fact_provider

        from . import cohort_sync, panels, sections, services  # noqa: F401

        register_after_evaluation("screening-plan", services.screening_plan_sync,
                                  batch=cohort_sync.screening_plans_sync)
        register_fact_provider("screening-plan", services.screening_facts,
                               batch=cohort_sync.screening_facts_of)
