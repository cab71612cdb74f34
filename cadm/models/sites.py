from django.contrib.auth.models import AbstractUser
from django.db import models


class Site(models.Model):
    """A clinic. Every patient belongs to one; a user sees only the patients of their sites."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. The role is a group (see cadm.permissions)."""

    sites = models.ManyToManyField(Site, blank=True, related_name="users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
