"""Remind followers of the streams scheduled within `LIVE_REMINDER_MINUTES`
(`stream_reminder`). Safe to run twice or alongside the periodic task: each schedule is
announced once; a stream moved to another time is announced again for it."""

from django.core.management.base import BaseCommand

from livestream.services.notices import stream_reminders_send


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        sent = stream_reminders_send()
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"Stream reminders: {sent} stream(s) due."))
