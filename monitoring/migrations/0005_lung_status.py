"""The lung cohort's lists from stored values (issue 13): LungStatus, written by each
evaluation, and the indexes the page's SQL reads them by.

A migration cannot evaluate (the rules are not part of the migration state), so every
existing patient gets an empty row here, "not evaluated" (as_of empty): the page counts
those, and the next evaluation (the daily sweep, or any change to the record) fills them."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def rows_not_evaluated(apps, schema_editor):
    Patient = apps.get_model("cadm", "Patient")
    LungStatus = apps.get_model("monitoring", "LungStatus")
    ids = Patient.objects.order_by("pk").values_list("pk", flat=True)
    LungStatus.objects.bulk_create((LungStatus(patient_id=pk) for pk in ids.iterator()),
                                   batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cadm', '0019_list_indexes'),
        ('monitoring', '0004_pft_observed_on_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='LungStatus',
            fields=[
                ('patient', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='lung_status', serialize=False, to='cadm.patient')),
                ('as_of', models.DateField(help_text='Day of the evaluation that last changed these values; empty: not evaluated since the row was added (migration 0005).', null=True)),
                ('mda5_positive', models.BooleanField(default=False)),
                ('mda5_first_positive', models.DateField(null=True)),
                ('pft_schedule', models.BooleanField(default=False, help_text='The lung schedule applies.')),
                ('last_pft', models.DateField(null=True)),
                ('next_pft_due', models.DateField(null=True)),
                ('early_until', models.DateField(null=True)),
                ('next_pft_due_after_early', models.DateField(null=True)),
                ('ppf_decline_on', models.DateField(null=True)),
                ('radiological_on', models.DateField(null=True)),
                ('progression_on', models.DateField(null=True)),
            ],
            options={
                'verbose_name': 'lung status',
                'verbose_name_plural': 'lung statuses',
            },
        ),
        migrations.AddIndex(
            model_name='lungstatus',
            index=models.Index(condition=models.Q(('mda5_positive', True)), fields=['patient'], name='lung_status_mda5'),
        ),
        migrations.AddIndex(
            model_name='lungstatus',
            index=models.Index(condition=models.Q(('progression_on__isnull', False)), fields=['-mda5_positive', '-progression_on'], name='lung_status_progression'),
        ),
        migrations.AddIndex(
            model_name='lungstatus',
            index=models.Index(condition=models.Q(('as_of__isnull', True)), fields=['patient'], name='lung_status_unevaluated'),
        ),
        migrations.RunPython(rows_not_evaluated, migrations.RunPython.noop),
    ]
