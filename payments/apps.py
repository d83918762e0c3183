from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.subscriptions import subscriptions_register
        from payments.selectors import PaymentsSubscriptions

        subscriptions_register(PaymentsSubscriptions())
