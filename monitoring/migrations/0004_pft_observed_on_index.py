"""The lung cohort's windows (issue 13): PFTs of the last year or two across the site by an
index range, where every PFT was read."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_record_status_reason")]

    operations = [
        migrations.AddIndex(
            model_name="pulmonaryfunctiontest",
            index=models.Index(fields=["observed_on"], name="pft_observed_on"),
        ),
    ]
