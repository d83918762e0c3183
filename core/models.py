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
