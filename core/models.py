"""Abstract base models every app builds on."""

import uuid

from django.db import models


class BaseModel(models.Model):
    """A UUID primary key and creation/update timestamps (timezone-aware UTC)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        get_latest_by = "created_at"


class MetadataMixin(models.Model):
    """Free-form structured data about a row, as a JSON object."""

    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class RateCounter(models.Model):
    """How often one client did one thing lately (`core.rates`): the hits of the
    current window and of the one before it, for the rate limits of the embedded
    default, where the shared cache is the database. One row per client and scope,
    rewritten in place; `expires_at` (unix seconds) says when it stops mattering."""

    key = models.CharField(primary_key=True, max_length=250)
    window_start = models.BigIntegerField()  # unix seconds
    hits = models.PositiveIntegerField()
    previous_hits = models.PositiveIntegerField()
    expires_at = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return self.key
