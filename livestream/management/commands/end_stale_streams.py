"""End the live streams whose media server has said nothing for `LIVE_STALE_SECONDS`
(default 120): their broadcast ends with `stale`. Safe to run twice or alongside the
periodic task: a stream that is no longer live, or that a callback just reached, is
left alone."""

from django.core.management.base import BaseCommand

from livestream.services.streams import streams_end_stale


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        result = streams_end_stale()
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Stale live streams: {result.stale} found, {result.ended} ended."
                )
            )
