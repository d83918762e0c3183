from django.apps import AppConfig


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = "Livestream"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from livestream.models import GiftSent
        from payments.models import ledger_reference_type_register

        # A gift's ledger entries show `{"type": "gift", "id": <the gift sent>}`.
        ledger_reference_type_register(GiftSent, "gift")
