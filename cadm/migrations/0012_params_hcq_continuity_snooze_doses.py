"""New parameters, added with their defaults to every stored version (as 0006 did): the pause
that ends continuous hydroxychloroquine use, the longest snooze per severity, and the highest
daily dose accepted at entry per drug. The contract's semantics are unchanged.

The values are copied here, not imported from cadm.rules.params, so that this migration
means the same thing whatever the code becomes later.
"""

from django.db import migrations

ADDED = {
    "hcq.continuity_gap_days": 90,
    "snooze.max_days.critical": 7,
    "snooze.max_days.warning": 30,
    "snooze.max_days.info": 90,
    **{f"entry.max_dose_mg_per_day.{drug}": dose for drug, dose in (
        ("hydroxychloroquine", 1200), ("chloroquine", 1000), ("prednisolone", 250),
        ("methylprednisolone", 1000), ("methotrexate", 50), ("mycophenolate", 4000),
        ("azathioprine", 400), ("tacrolimus", 40), ("ciclosporin", 1000),
        ("cyclophosphamide", 3000), ("rituximab", 2000), ("ivig", 200_000),
        ("tofacitinib", 40), ("other", 200_000))},
}


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
    dependencies = [("cadm", "0011_visit_parts_status_row_versions")]
    operations = [migrations.RunPython(add_params, remove_params)]
