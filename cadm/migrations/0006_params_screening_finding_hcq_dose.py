"""New rules bring new parameters: add them, with their defaults, to every stored version.

The contract's semantics are unchanged; versions only gain the severities of two rules of
the product's own (CANCER_SCREENING_FINDING, HCQ_DOSE_MISSING).
"""

from django.db import migrations

ADDED = {"severity.CANCER_SCREENING_FINDING": "critical", "severity.HCQ_DOSE_MISSING": "info"}


def add_params(apps, schema_editor):
    for version in apps.get_model("cadm", "RuleSetVersion").objects.all():
        missing = {k: v for k, v in ADDED.items() if k not in version.params}
        if missing:
            version.params = {**version.params, **missing}
            version.save(update_fields=["params"])


def remove_params(apps, schema_editor):
    for version in apps.get_model("cadm", "RuleSetVersion").objects.all():
        version.params = {k: v for k, v in version.params.items() if k not in ADDED}
        version.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [("cadm", "0005_jobrun_params")]
    operations = [migrations.RunPython(add_params, remove_params)]
