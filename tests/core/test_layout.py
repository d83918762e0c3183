"""Every domain app is installed and has the rooms DESIGN.md lists."""

import importlib

import pytest
from django.apps import apps

DOMAIN_APPS = ["accounts", "videos", "social", "notifications", "payments", "ads", "livestream"]
ROOMS = [
    "models",
    "services",
    "selectors",
    "serializers",
    "views",
    "urls",
    "permissions",
    "admin",
    "tasks",
    "management.commands",
    "migrations",
]


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_the_app_is_installed(app):
    assert apps.get_app_config(app).name == app


@pytest.mark.parametrize("room", ROOMS)
@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_the_app_has_the_room(app, room):
    module = importlib.import_module(f"{app}.{room}")
    assert module.__name__ == f"{app}.{room}"
