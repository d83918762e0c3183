from django.apps import AppConfig


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = "Livestream"
    default_auto_field = "django.db.models.BigAutoField"
