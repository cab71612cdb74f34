"""API tokens (stored as a digest, never the secret) and the record of idempotent writes."""

import uuid

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A token a user created for scripts (knox's model, swapped in by KNOX_TOKEN_MODEL).

    `digest` (the primary key) is the SHA-512 of the secret; `token_key` its first characters,
    shown so a user can tell tokens apart. The secret itself is shown once and never stored.
    `public_id` names the token in URLs: neither the digest nor a database id leaves."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class IdempotentRequest(models.Model):
    """A write sent with an `Idempotency-Key`: claimed in the same transaction as the write,
    with the response it gave, so a retry returns that response and saves nothing again.
    The key is the user's: two users may use the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotent_request_once")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
