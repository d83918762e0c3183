"""Live streaming app: the reminders sent to followers before a scheduled stream."""

from django.db import models

from core.models import BaseModel
from livestream.models.streams import Stream


class StreamReminder(BaseModel):
    """Followers were reminded of `stream` going live at `scheduled_for`: once per
    schedule (unique), so a rerun reminds nobody twice, and a stream moved to another
    time is due again. Its `stream_reminder` notifications point at this row."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="reminders")
    scheduled_for = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "scheduled_for"], name="livestream_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream_id} at {self.scheduled_for:%Y-%m-%d %H:%M}"
