"""The coin packages a new platform sells; staff edit them in the admin."""

from django.db import migrations

# (name, coins, price in US cents)
PACKAGES = [
    ("Starter", 100, 99),
    ("Popular", 550, 499),
    ("Big", 1200, 999),
    ("Huge", 2500, 1999),
]


def seed(apps, schema_editor):
    CoinPackage = apps.get_model("payments", "CoinPackage")
    for position, (name, coins, price) in enumerate(PACKAGES):
        CoinPackage.objects.get_or_create(
            name=name,
            defaults={"coins": coins, "price": price, "currency": "USD", "position": position},
        )


def unseed(apps, schema_editor):
    CoinPackage = apps.get_model("payments", "CoinPackage")
    CoinPackage.objects.filter(name__in=[name for name, *_ in PACKAGES], top_ups=None).delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
