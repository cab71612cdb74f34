"""Cohort jobs run as chunks that any number of workers take in parallel (cadm/job_chunks.py):
one row per range of patient ids, with its claim, heartbeat, attempts and result. The job's
cursor now says how far every chunk is done."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cadm", "0017_override_reason_hl7_codes")]

    operations = [
        migrations.AlterField(
            model_name="jobrun",
            name="cursor",
            field=models.BigIntegerField(default=0, help_text="Every patient up to this id is "
                                                              "done (the chunks up to it "
                                                              "committed)"),
        ),
        migrations.CreateModel(
            name="JobChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("sequence", models.PositiveIntegerField(
                    help_text="Place in the job, from 0, in patient id order")),
                ("first_id", models.BigIntegerField(help_text="First patient id of the range")),
                ("last_id", models.BigIntegerField(
                    help_text="Last patient id of the range (included)")),
                ("state", models.CharField(choices=[("queued", "Queued"),
                                                    ("running", "Running"),
                                                    ("done", "Done"), ("failed", "Failed")],
                                           default="queued", max_length=10)),
                ("claim", models.CharField(blank=True, max_length=64)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("dispatched_at", models.DateTimeField(blank=True, null=True)),
                ("patients", models.PositiveIntegerField(default=0,
                                                         help_text="Patients the chunk ran")),
                ("result", models.JSONField(blank=True, default=dict)),
                ("error", models.TextField(blank=True)),
                ("job", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                          related_name="chunks", to="cadm.jobrun")),
            ],
            options={
                "ordering": ["job", "sequence"],
                "indexes": [
                    models.Index(fields=["state", "heartbeat_at"], name="job_chunk_stale_idx"),
                    models.Index(fields=["state", "dispatched_at"], name="job_chunk_sent_idx"),
                ],
                "constraints": [models.UniqueConstraint(fields=("job", "sequence"),
                                                        name="job_chunk_sequence_unique")],
            },
        ),
    ]
