"""Renew the creator subscriptions that are due: charge the next month, mark unpaid
ones past due, expire those past their grace period, end those canceled at period end.
Safe to run twice or alongside the periodic task: each month is charged once."""

from django.core.management.base import BaseCommand

from payments.services.subscriptions import subscriptions_renew


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        summary = subscriptions_renew()
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"Subscriptions: {summary}."))
