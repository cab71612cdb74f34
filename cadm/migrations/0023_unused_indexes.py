"""Indexes that only cost: a patient's site and an audit row's patient are served by the first
column of another index, and the rule-set versions' links index a table of a few rows.

The indexes are dropped by name, not by altering the fields: SQLite alters a field by copying
its table, and the copy loses the triggers that keep audit rows and rule-set versions
unchangeable (migrations 0011 and 0014)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

UNINDEXED = [("auditevent", "patient"), ("patient", "site"), ("rulesetversion", "approver"),
             ("rulesetversion", "author"), ("rulesetversion", "based_on"),
             ("rulesetversion", "rejected_by"), ("rulesetversion", "replaces")]


def _indexes(apps, schema_editor):
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("cadm", model_name)
        table, column = model._meta.db_table, model._meta.get_field(field_name).column
        yield schema_editor._create_index_name(table, [column]), table, column


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, _, _ in _indexes(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, table, column in _indexes(apps, schema_editor):
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")


def _link(to, **kwargs):
    return models.ForeignKey(blank=True, null=True, db_index=False,
                             on_delete=django.db.models.deletion.PROTECT, related_name="+",
                             to=to, **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ("cadm", "0022_flag_site"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent", name="patient",
                    field=_link("cadm.patient")),
                migrations.AlterField(
                    model_name="patient", name="site",
                    field=models.ForeignKey(db_index=False,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            related_name="patients", to="cadm.site")),
                migrations.AlterField(
                    model_name="rulesetversion", name="approver",
                    field=_link(settings.AUTH_USER_MODEL)),
                migrations.AlterField(
                    model_name="rulesetversion", name="author",
                    field=_link(settings.AUTH_USER_MODEL)),
                migrations.AlterField(
                    model_name="rulesetversion", name="based_on",
                    field=_link("cadm.rulesetversion")),
                migrations.AlterField(
                    model_name="rulesetversion", name="rejected_by",
                    field=_link(settings.AUTH_USER_MODEL)),
                migrations.AlterField(
                    model_name="rulesetversion", name="replaces",
                    field=_link("cadm.rulesetversion",
                                help_text="The version that was active when this one was "
                                          "activated")),
            ],
        ),
    ]
