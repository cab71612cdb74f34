"""Jobs that survive faults (claim, heartbeat, cursor, dispatch), the version a job belongs
to, the version an activation replaced, and RuleFiring: what each version fired, when.

Backfills: a job's version from its params; `replaces` from the activation audit rows; firings
from the flag actions that recorded a version (opened, reopened, updated) and from the live
flags. SQLite rebuilds the rule-set table for the new column, losing its trigger: recreated
at the end (see 0009).
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

immutable = import_module("cadm.migrations.0009_ruleset_immutable")


def backfill(apps, schema_editor):
    RuleSetVersion = apps.get_model("cadm", "RuleSetVersion")
    JobRun = apps.get_model("cadm", "JobRun")
    AuditEvent = apps.get_model("cadm", "AuditEvent")
    FlagAction = apps.get_model("cadm", "FlagAction")
    Flag = apps.get_model("cadm", "Flag")
    RuleFiring = apps.get_model("cadm", "RuleFiring")
    by_number = {v.number: v for v in RuleSetVersion.objects.all()}
    for job in JobRun.objects.filter(kind__startswith="ruleset-"):
        version = by_number.get((job.params or {}).get("ruleset"))
        if version:
            JobRun.objects.filter(pk=job.pk).update(ruleset=version)
    for event in AuditEvent.objects.filter(action="ruleset.activate").order_by("at", "pk"):
        version = by_number.get((event.detail or {}).get("number"))
        replaced = by_number.get((event.detail or {}).get("retired"))
        if version and replaced:
            RuleSetVersion.objects.filter(pk=version.pk).update(replaces=replaced)
    spans: dict[tuple, list] = {}

    def seen(ruleset_id, code, patient_id, at):
        span = spans.setdefault((ruleset_id, code, patient_id), [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)

    for ruleset_id, code, patient_id, at in FlagAction.objects.filter(
            kind__in=("opened", "reopened", "updated"), ruleset__isnull=False).values_list(
            "ruleset_id", "flag__code", "flag__patient_id", "at"):
        seen(ruleset_id, code, patient_id, at)
    for ruleset_id, code, patient_id, at in Flag.objects.exclude(state="resolved").values_list(
            "ruleset_id", "code", "patient_id", "updated_at"):
        seen(ruleset_id, code, patient_id, at)
    RuleFiring.objects.bulk_create([
        RuleFiring(ruleset_id=r, code=c, patient_id=p, first_at=first, last_at=last,
                   first_as_of=first.date(), last_as_of=last.date())
        for (r, c, p), (first, last) in spans.items()], batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cadm', '0012_params_hcq_continuity_snooze_doses'),
    ]

    operations = [
        migrations.CreateModel(
            name='RuleFiring',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40)),
                ('first_at', models.DateTimeField()),
                ('last_at', models.DateTimeField()),
                ('first_as_of', models.DateField()),
                ('last_as_of', models.DateField()),
            ],
        ),
        migrations.AlterModelOptions(
            name='jobrun',
            options={'ordering': ['-created_at', '-pk']},
        ),
        migrations.AddField(
            model_name='historicalrulesetversion',
            name='replaces',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The version that was active when this one was activated', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cadm.rulesetversion'),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='claim',
            field=models.CharField(blank=True, help_text='Token of the run that owns the job while it runs', max_length=64),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='cursor',
            field=models.BigIntegerField(default=0, help_text='Last patient id whose chunk committed'),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='dispatch_error',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='dispatched_at',
            field=models.DateTimeField(blank=True, help_text='When the message was last handed to the broker', null=True),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='jobrun',
            name='ruleset',
            field=models.ForeignKey(blank=True, help_text='The rule-set version the job belongs to, if any', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='cadm.rulesetversion'),
        ),
        migrations.AddField(
            model_name='rulesetversion',
            name='replaces',
            field=models.ForeignKey(blank=True, help_text='The version that was active when this one was activated', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cadm.rulesetversion'),
        ),
        migrations.AlterField(
            model_name='jobrun',
            name='state',
            field=models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=10),
        ),
        migrations.AddIndex(
            model_name='jobrun',
            index=models.Index(fields=['state', 'heartbeat_at'], name='cadm_jobrun_state_fbd052_idx'),
        ),
        migrations.AddField(
            model_name='rulefiring',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cadm.patient'),
        ),
        migrations.AddField(
            model_name='rulefiring',
            name='ruleset',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cadm.rulesetversion'),
        ),
        migrations.AddIndex(
            model_name='rulefiring',
            index=models.Index(fields=['ruleset', 'code'], name='cadm_rulefi_ruleset_6b7809_idx'),
        ),
        migrations.AddConstraint(
            model_name='rulefiring',
            constraint=models.UniqueConstraint(fields=('ruleset', 'code', 'patient'), name='one_firing_per_version_code_patient'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(immutable.create_triggers, immutable.drop_triggers),
    ]
