"""Verify the ledger: every cached balance equals the sum of its entries, and every
transaction's entries sum to zero. Exits non-zero on any mismatch (for cron and CI)."""

from django.core.management.base import BaseCommand, CommandError

from payments.services.ledger import ledger_verify


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        problems = ledger_verify()
        for problem in problems:
            self.stderr.write(
                f"{problem.what} {problem.id}: expected {problem.expected}, found {problem.found}"
            )
        if problems:
            raise CommandError(f"The ledger has {len(problems)} problem(s).")
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS("The ledger is balanced."))
