"""Statements read one index range: each entry carries its account's owner and book
(`LedgerEntry.owner`, `LedgerEntry.book`), filled in here for the entries already there.
Before, a statement filtered through the joined account, which neither database could
read in index order (a sort of the user's whole history on SQLite, a walk of the whole
ledger on PostgreSQL: bench/RESULTS.md, "Ledger")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BOOK_OF_ROLE = {
    "wallet": "wallet",
    "debt": "wallet",
    "earnings": "earnings",
    "platform_revenue": "system",
    "payouts_in_transit": "system",
    "external": "system",
}


def backfill(apps, schema_editor):
    LedgerAccount = apps.get_model("payments", "LedgerAccount")
    LedgerEntry = apps.get_model("payments", "LedgerEntry")
    for account in LedgerAccount.objects.only("pk", "owner_id", "role").iterator():
        LedgerEntry.objects.filter(account_id=account.pk).update(
            owner_id=account.owner_id, book=BOOK_OF_ROLE[account.role]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_seed_coin_packages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="book",
            field=models.CharField(
                choices=[("wallet", "Wallet"), ("earnings", "Earnings"), ("system", "System")],
                default="system",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_entry_account_recent"),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["owner", "book", "-id"], name="ledger_entry_statement"),
        ),
    ]
