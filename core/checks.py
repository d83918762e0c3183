"""System checks for what would make a deployment unsafe or broken.

`core.E001` runs with every command that checks (`runserver`, `migrate`, `check`) and
when the WSGI application loads (config/wsgi.py), so a server refuses to start with it;
`core.E002` is a deployment check (`check --deploy`), since static files are collected
after the code is installed.
"""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks

STARTUP_TAG = "startup"


@checks.register(STARTUP_TAG)
def payments_sandbox_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The sandbox provider credits coins for nothing: only for development or tests."""
    if settings.DEBUG or settings.PAYMENTS_PROVIDER != "sandbox":
        return []
    if settings.PAYMENTS_SANDBOX_ALLOWED:
        return []
    return [
        checks.Error(
            "PAYMENTS_PROVIDER is 'sandbox' without DEBUG: its checkout page credits coins "
            "for nothing, and coins can be tipped and paid out.",
            hint="Set PAYMENTS_PROVIDER=stripe with STRIPE_SECRET_KEY and "
            "STRIPE_WEBHOOK_SECRET, or PAYMENTS_SANDBOX_ALLOWED=1 on a test deployment.",
            id="core.E001",
        )
    ]


def static_files_collected() -> bool:
    """Whether the static files the pages need are there: always with the finders'
    storage (development), with the manifest storage once `collectstatic` wrote it."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return True
    try:
        paths, _ = staticfiles_storage.load_manifest()
    except (OSError, ValueError):  # unreadable or not a manifest
        return False
    return bool(paths)


@checks.register(checks.Tags.staticfiles, deploy=True)
def static_files_collected_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if static_files_collected():
        return []
    return [
        checks.Error(
            "The static files are not collected: the API docs and the admin answer 500 "
            "(missing staticfiles manifest).",
            hint="Run `manage.py collectstatic --noinput` (once per release).",
            id="core.E002",
        )
    ]
