from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "ads"
    verbose_name = "Ads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: an app's modules may import models only once apps are ready.
        from ads.feed_promotions import AdsFeedPromotions
        from core.ads import feed_promotions_register

        feed_promotions_register(AdsFeedPromotions())
        from ads.models import Advertiser
        from payments.models import ledger_reference_type_register

        # Funding and withdrawing show `{"type": "advertiser", "id": ...}` on statements.
        ledger_reference_type_register(Advertiser, "advertiser")
