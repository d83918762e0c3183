"""Test-only models for the kernel's pagination, base models and portable fields."""

from django.db import models

from core.models import BaseModel, MetadataMixin


class Entry(BaseModel, MetadataMixin):
    """A row with an ordering column, for the cursor pagination tests."""

    title = models.CharField(max_length=100)
    rank = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["-rank", "-id"], name="testapp_entry_rank_id")]
