"""WSGI entry point, for gunicorn in production (`gunicorn -c config/gunicorn.py config.wsgi`).

Gunicorn runs no system checks: the start-up ones (`core.checks`, such as the payments
sandbox refused without DEBUG) run here, and an error stops the server from starting.
"""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from core.checks import STARTUP_TAG  # noqa: E402 - needs the apps loaded above

_errors = [message for message in checks.run_checks(tags=[STARTUP_TAG]) if message.is_serious()]
if _errors:
    raise ImproperlyConfigured("\n".join(str(message) for message in _errors))
