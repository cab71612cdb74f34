"""Two dismissal reasons take HL7's spelling (CodeSystem non-adherence-reason-codes, which CDS
Hooks cards offer): `patient-refused` -> `patient-refuses`, `alternative-treatment` ->
`prefers-alternative`. Same meaning, same labels: the stored actions are renamed so every
reason we hold is an HL7 code as it is."""

from django.db import migrations, models

RENAMED = {"patient-refused": "patient-refuses", "alternative-treatment": "prefers-alternative"}


def rename(apps, old_to_new):
    FlagAction = apps.get_model("cadm", "FlagAction")
    for old, new in old_to_new.items():
        FlagAction.objects.filter(reason=old).update(reason=new)


def forward(apps, schema_editor):
    rename(apps, RENAMED)


def backward(apps, schema_editor):
    rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('cadm', '0016_patient_identifier_record_source'),
    ]

    operations = [
        migrations.AlterField(
            model_name='flagaction',
            name='reason',
            field=models.CharField(blank=True, choices=[('action-completed', 'Action already completed'), ('patient-ineligible', 'Patient ineligible'), ('need-more-info', 'Need more information'), ('recipient-disagrees-evidence', 'Disagree with the evidence'), ('patient-refuses', 'Patient refused'), ('prefers-alternative', 'Alternative treatment chosen')], max_length=40),
        ),
        migrations.RunPython(forward, backward),
    ]
