"""Test-only models for the kernel's pagination, base models and portable fields."""

from django.db import models

from core.fields import PortableArrayField
from core.indexes import PostgresGinIndex
from core.models import BaseModel, MetadataMixin


class Entry(BaseModel, MetadataMixin):
    """A row with an ordering column, for the cursor pagination tests."""

    title = models.CharField(max_length=100)
    rank = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["-rank", "-id"], name="testapp_entry_rank_id")]


class TaggedItem(BaseModel):
    """A row with portable arrays of text, integers and UUIDs, for the array field tests."""

    name = models.CharField(max_length=50, unique=True)
    tags = PortableArrayField(models.CharField(max_length=50), null=True, blank=True)
    numbers = PortableArrayField(models.IntegerField(), size=5, default=list, blank=True)
    uuids = PortableArrayField(models.UUIDField(), default=list, blank=True)

    class Meta:
        indexes = [PostgresGinIndex(fields=["tags"], name="testapp_taggeditem_tags_gin")]
