"""Jobs get a public UUID: the API names them by it, never by their database id. Existing
rows get one each (a unique column with a default cannot be added in one step)."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    JobRun = apps.get_model("cadm", "JobRun")
    for job in JobRun.objects.filter(public_id__isnull=True).only("pk"):
        JobRun.objects.filter(pk=job.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("cadm", "0014_ruleset_integrity")]

    operations = [
        migrations.AddField(model_name="jobrun", name="public_id",
                            field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="jobrun", name="public_id",
                              field=models.UUIDField(default=uuid.uuid4, editable=False,
                                                     unique=True)),
    ]
