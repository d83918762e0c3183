from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: an app's modules may import models only once apps are ready.
        from core.events import user_blocked
        from core.subscriptions import subscriptions_register
        from payments.selectors import PaymentsSubscriptions
        from payments.services.subscriptions import subscriptions_end_for_block

        subscriptions_register(PaymentsSubscriptions())
        user_blocked.connect(subscriptions_end_for_block)
