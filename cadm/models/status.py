from django.db import models


class RecordStatus(models.TextChoices):
    FINAL = "final", "Final"
    # Corrections never overwrite: the wrong row is marked and a new one added.
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
