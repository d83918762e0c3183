"""Settle the ad spend impressions and clicks reserved: per campaign, its whole coins go
from the advertiser's ledger account to platform revenue in one balanced transaction
(the fraction of a coin waits for the next run). Shows what it settled per campaign and
the totals; safe to run twice. With `--check`, then verifies for every advertiser that
its ledger balance equals its spendable coins plus its campaigns' unsettled spend, and
exits non-zero on any mismatch."""

from django.core.management.base import BaseCommand, CommandError

from ads.models import MICROS_PER_COIN
from ads.services.settlement import ads_balance_check, ads_settle


def _coins(micro: int) -> str:
    whole, fraction = divmod(micro, MICROS_PER_COIN)
    return f"{whole}.{fraction:06d}".rstrip("0").rstrip(".")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="After settling, verify every advertiser's balance against its spend.",
        )

    def handle(self, *args, **options) -> None:
        verbose = options["verbosity"] > 0
        summary = ads_settle()
        for settlement in summary.campaigns:
            if settlement.failed:
                self.stderr.write(
                    f"Campaign {settlement.campaign_id} ({settlement.campaign_name}): "
                    "its advertiser's ledger account cannot cover its spend; not settled."
                )
            elif verbose:
                self.stdout.write(
                    f"Campaign {settlement.campaign_id} ({settlement.campaign_name}): "
                    f"{settlement.coins} coin(s) settled, "
                    f"{_coins(settlement.carried_micro)} carried to the next run."
                )
        if verbose:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Settled {summary.coins} coin(s) from {len(summary.campaigns)} campaign(s)."
                )
            )
        problems = ads_balance_check() if options["check"] else []
        for problem in problems:
            self.stderr.write(
                f"Advertiser {problem.advertiser_id}: ledger {_coins(problem.ledger_micro)} "
                f"coins, spendable plus unsettled spend {_coins(problem.expected_micro)}."
            )
        if summary.failed or problems:
            raise CommandError(
                f"{len(summary.failed)} campaign(s) could not be settled; "
                f"{len(problems)} advertiser(s) out of balance."
            )
        if options["check"] and verbose:
            self.stdout.write(self.style.SUCCESS("Every advertiser's balance matches its spend."))
