"""The outcome of a finding no longer closes the plan.

Until now, recording an outcome closed the plan and stopped every reminder, the later yearly
panels included. Plans closed that way are reopened: the outcome stays recorded (it still
settles the findings up to its date), the reminders of the schedule come back, and the plan's
history says why. Closing is now a separate, explicit decision with its own reason.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def reopen_plans_closed_by_an_outcome(apps, schema_editor):
    Plan = apps.get_model("screening", "ScreeningPlan")
    Event = apps.get_model("screening", "ScreeningPlanEvent")
    for plan in Plan.objects.filter(state="closed").exclude(outcome=""):
        plan.state = "active"
        plan.outcome_note, plan.closed_reason = plan.closed_reason, ""
        plan.save(update_fields=["state", "outcome_note", "closed_reason"])
        Event.objects.create(plan=plan, ruleset=plan.ruleset, text=(
            "Reopened by an update of the product: recording an outcome no longer ends "
            "screening, so the schedule's reminders apply again. To end screening, close the "
            "plan with a reason."))


class Migration(migrations.Migration):

    dependencies = [
        ('screening', '0004_record_status_reason'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalscreeningplan',
            name='closed_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalscreeningplan',
            name='closed_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalscreeningplan',
            name='outcome_note',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='screeningplan',
            name='closed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='screeningplan',
            name='closed_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='screeningplan',
            name='outcome_note',
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(reopen_plans_closed_by_an_outcome, migrations.RunPython.noop),
    ]
