"""Screening items get a public UUID: the API names them by it, never by their database id.
Existing items get one each (a unique column with a default cannot be added in one step), and
their history rows carry their item's, so the history reads under the same id."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    Item = apps.get_model("screening", "ScreeningItem")
    History = apps.get_model("screening", "HistoricalScreeningItem")
    for item in Item.objects.filter(public_id__isnull=True).only("pk"):
        public_id = uuid.uuid4()
        Item.objects.filter(pk=item.pk).update(public_id=public_id)
        History.objects.filter(id=item.pk).update(public_id=public_id)
    # History of an item no longer there (none expected: items are protected) still needs one.
    for row in History.objects.filter(public_id__isnull=True).only("pk"):
        History.objects.filter(pk=row.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("screening", "0005_plan_outcome_apart_from_closing")]

    operations = [
        migrations.AddField(model_name="screeningitem", name="public_id",
                            field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(model_name="historicalscreeningitem", name="public_id",
                            field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="screeningitem", name="public_id",
                              field=models.UUIDField(default=uuid.uuid4, editable=False,
                                                     unique=True)),
        migrations.AlterField(model_name="historicalscreeningitem", name="public_id",
                              field=models.UUIDField(db_index=True, default=uuid.uuid4,
                                                     editable=False)),
    ]
