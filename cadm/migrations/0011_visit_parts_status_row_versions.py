"""Visits record which parts of the examination were done, and can be marked entered in
error; patients, visits and rule-set versions count their saves (optimistic concurrency);
MRNs are unique per site whatever their case; one-time form tokens.

Existing visits: a visit recorded by a dermatologist (the skin form) examined the skin only;
any other visit was the full form, so skin, strength and symptoms were examined, and the
weight when one was written. The rebuild of cadm_rulesetversion on SQLite drops the
immutability trigger of 0009: it is created again at the end.
"""

from importlib import import_module

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


immutable = import_module("cadm.migrations.0009_ruleset_immutable")


def visits_assessed(apps, schema_editor):
    Visit = apps.get_model("cadm", "Visit")
    for visit in Visit.objects.select_related("clinician").iterator():
        roles = set(visit.clinician.groups.values_list("name", flat=True))
        if "dermatologist" in roles and "rheumatologist" not in roles:
            parts = ["skin"]
        else:
            parts = ["skin", "strength", "symptoms"]
        if visit.weight_kg is not None:
            parts.append("weight")
        Visit.objects.filter(pk=visit.pk).update(assessed=parts)


class Migration(migrations.Migration):

    dependencies = [
        ('cadm', '0010_record_status_reason'),
    ]

    operations = [
        migrations.CreateModel(
            name='FormSubmission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.UUIDField()),
                ('scope', models.CharField(max_length=60)),
                ('target', models.CharField(blank=True, max_length=100)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='patient',
            name='patient_mrn_unique_per_site',
        ),
        migrations.AddField(
            model_name='historicalpatient',
            name='row_version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='historicalrulesetversion',
            name='row_version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='historicalvisit',
            name='assessed',
            field=models.JSONField(blank=True, default=list, help_text='Parts of the examination done at this visit.'),
        ),
        migrations.AddField(
            model_name='historicalvisit',
            name='row_version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='historicalvisit',
            name='status',
            field=models.CharField(choices=[('final', 'Final'), ('entered_in_error', 'Entered in error')], default='final', max_length=20),
        ),
        migrations.AddField(
            model_name='historicalvisit',
            name='status_reason',
            field=models.CharField(blank=True, help_text='Why the visit was marked entered in error.', max_length=300),
        ),
        migrations.AddField(
            model_name='patient',
            name='row_version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='rulesetversion',
            name='row_version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='visit',
            name='assessed',
            field=models.JSONField(blank=True, default=list, help_text='Parts of the examination done at this visit.'),
        ),
        migrations.AddField(
            model_name='visit',
            name='row_version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='visit',
            name='status',
            field=models.CharField(choices=[('final', 'Final'), ('entered_in_error', 'Entered in error')], default='final', max_length=20),
        ),
        migrations.AddField(
            model_name='visit',
            name='status_reason',
            field=models.CharField(blank=True, help_text='Why the visit was marked entered in error.', max_length=300),
        ),
        migrations.AddConstraint(
            model_name='patient',
            constraint=models.UniqueConstraint(models.F('site'), django.db.models.functions.text.Lower('mrn'), name='patient_mrn_unique_per_site_ci'),
        ),
        migrations.AddField(
            model_name='formsubmission',
            name='actor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='formsubmission',
            constraint=models.UniqueConstraint(fields=('actor', 'token'), name='form_submission_once'),
        ),
        migrations.RunPython(visits_assessed, migrations.RunPython.noop),
        migrations.RunPython(immutable.create_triggers, immutable.drop_triggers),
    ]
