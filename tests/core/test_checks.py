"""System checks that stop an unsafe or broken deployment: the payments sandbox without
DEBUG (core.E001, at every start) and static files not collected (core.E002, with
`check --deploy`)."""

import pytest

from tests.core.subprocess_django import collected_static_root, run_django
from tests.core.test_settings import PRODUCTION

SANDBOX = {**PRODUCTION, "PAYMENTS_PROVIDER": "sandbox"}
E001 = "(core.E001) PAYMENTS_PROVIDER is 'sandbox' without DEBUG"


@pytest.mark.parametrize(
    "command",
    [["manage.py", "check"], ["manage.py", "migrate", "--check"], ["-c", "import config.wsgi"]],
    ids=["check", "migrate", "gunicorn-app"],
)
def test_without_debug_the_sandbox_provider_refuses_to_start(tmp_path, command):
    env = {**SANDBOX, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = run_django(command, env=env)
    assert result.returncode != 0
    assert E001 in result.stderr
    assert "PAYMENTS_SANDBOX_ALLOWED=1 on a test deployment" in result.stderr


def test_the_sandbox_provider_is_the_default():
    env = {key: value for key, value in SANDBOX.items() if key != "PAYMENTS_PROVIDER"}
    result = run_django(["manage.py", "check"], env=env)
    assert result.returncode != 0
    assert E001 in result.stderr


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"PAYMENTS_SANDBOX_ALLOWED": "1"}, id="declared-test-deployment"),
        pytest.param({"DEBUG": "1"}, id="debug"),
        pytest.param(
            {
                "PAYMENTS_PROVIDER": "stripe",
                "STRIPE_SECRET_KEY": "sk_test_x",
                "STRIPE_WEBHOOK_SECRET": "whsec_x",
            },
            id="stripe",
        ),
    ],
)
def test_the_sandbox_check_passes_where_coins_are_not_real_or_stripe_sells_them(variables):
    result = run_django(["manage.py", "check"], env={**SANDBOX, **variables})
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_gunicorn_app_loads_on_a_declared_test_deployment(tmp_path):
    env = {**SANDBOX, "PAYMENTS_SANDBOX_ALLOWED": "1"}
    result = run_django(["-c", "import config.wsgi; print('loaded')"], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["loaded"]


def test_the_deployment_checklist_reports_static_files_not_collected(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "empty")}
    result = run_django(["manage.py", "check", "--deploy"], env=env)
    assert result.returncode != 0
    assert "(core.E002) The static files are not collected" in result.stderr
    assert "collectstatic --noinput" in result.stderr


def test_static_files_are_not_a_start_up_error(tmp_path):
    """`migrate` runs before `collectstatic` in a release: only --deploy asks for them."""
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "empty")}
    result = run_django(["manage.py", "check"], env=env)
    assert result.returncode == 0, result.stderr


def test_collected_static_files_pass_the_deployment_checklist(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(collected_static_root(tmp_path))}
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
