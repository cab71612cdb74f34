from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """A one-time token of a form that writes clinical data, claimed in the same transaction
    as the write: Back and Save, or a double click, sends the token again and saves nothing
    twice. `target` names what the first save wrote (e.g. "visit <public id>"), so the repeat
    can say where it went."""

    token = models.UUIDField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    scope = models.CharField(max_length=60)
    target = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "token"],
                                               name="form_submission_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.token}"
