"""Live streaming app: who is watching, for the default configuration.

With Redis as the cache, presence lives in Redis (`livestream.presence`); with the
default configuration (Django's database cache, which cannot count its keys by prefix
without a scan) it lives here, the way that cache keeps its keys: one row per viewer,
overwritten by each heartbeat with a later expiry, never one row per heartbeat, and
deleted once expired.
"""

from django.db import models

GROUP_MAX_LENGTH = 40
MEMBER_MAX_LENGTH = 40


class ViewerPresence(models.Model):
    """`member` is present in `group` until `expires_at`."""

    id = models.BigAutoField(primary_key=True)
    group = models.CharField(max_length=GROUP_MAX_LENGTH)
    member = models.CharField(max_length=MEMBER_MAX_LENGTH)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="livestream_presence_unique"),
        ]
        indexes = [
            models.Index(fields=["group", "expires_at"], name="livestream_presence_count"),
            models.Index(fields=["expires_at"], name="livestream_presence_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.group}"
