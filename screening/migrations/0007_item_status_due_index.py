"""The cohort page's item lists by status and due date (issue 13): an index scan that stops
after one page, where the whole site's items were read and sorted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("screening", "0006_item_public_id")]

    operations = [
        migrations.AddIndex(
            model_name="screeningitem",
            index=models.Index(fields=["status", "due_on", "id"],
                               name="screening_item_status_due"),
        ),
    ]
