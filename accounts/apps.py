from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.urls import register_converter


def cache_tables_create(sender: AppConfig, using: str, **kwargs) -> None:
    """After every `migrate`, create the table of each database cache configured (the
    embedded default cache is one), so that no step beyond `migrate` is needed.
    Django's `createcachetable` leaves tables that exist alone."""
    call_command("createcachetable", database=using, verbosity=0)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI extensions (authentication scheme, private fields).
        from accounts import schema  # noqa: F401
        from accounts.converters import UsernameConverter

        # Before any URLconf is read: every app's `users/<username:username>/` routes.
        register_converter(UsernameConverter, "username")
        post_migrate.connect(cache_tables_create, sender=self)
