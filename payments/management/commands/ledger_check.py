"""Verify the ledger: every cached balance equals the sum of its entries, and every
transaction's entries sum to zero. Says how much it checked and the platform's revenue
(the sum of its shards, each shard checked as an account); exits non-zero on any
mismatch (for cron and CI)."""

from django.core.management.base import BaseCommand, CommandError

from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.selectors.ledger import platform_revenue_totals
from payments.services.ledger import ledger_verify


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        problems = ledger_verify()
        checked = (
            f"Checked {LedgerAccount.objects.count()} accounts, "
            f"{LedgerTransaction.objects.count()} transactions and "
            f"{LedgerEntry.objects.count()} entries"
        )
        for problem in problems:
            self.stderr.write(
                f"{problem.what} {problem.id}: expected {problem.expected}, found {problem.found}"
            )
        if problems:
            raise CommandError(f"{checked}: the ledger has {len(problems)} problem(s).")
        if options["verbosity"] > 0:
            revenue, shards = platform_revenue_totals()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{checked}: the ledger is balanced. Platform revenue: {revenue} coins "
                    f"in {shards} account(s)."
                )
            )
