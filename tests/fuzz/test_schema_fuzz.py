"""Fuzz every operation of the API with schemathesis, against the project's own schema.

Each example is a request a client could send: schemathesis builds it from
`/api/schema/` (valid and invalid data), sends it through the WSGI app as a signed-in
user, and checks that the answer is no 500 and is what the schema declares: its status
code, content type, headers and body. `FUZZ_EXAMPLES` sets the examples per operation
(few and derandomized in `make test`; `make fuzz` runs many with a random seed).
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase, override_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.fuzz.checks import (
    schema_valid_requests_are_well_formed,
    validation_errors_are_documented,
)
from tests.fuzz.conftest import FuzzWorld
from tests.fuzz.hooks import world_body, world_path_parameters, world_query
from tests.fuzz.world import fuzz_world_bodies, fuzz_world_ids, fuzz_world_queries

# `make fuzz` sets FUZZ_EXAMPLES: many random examples plus schemathesis' coverage phase
# (boundary values of every field, about 25 requests per operation). The normal run
# keeps to a few derandomized examples per operation, to stay fast and deterministic.
THOROUGH = "FUZZ_EXAMPLES" in os.environ
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # This API's own (tests/fuzz/checks.py): each validation code is its operation's,
    # and a schema-valid request is never refused for its shape.
    validation_errors_are_documented,
    schema_valid_requests_are_well_formed,
]

# The schema is read once, when the module is collected; pytest-django has set Django
# up by then, but only tests get its test hosts.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.phases.coverage.enabled = THOROUGH

# Real ids for the path parameters and body fields, set by `world_ids` for the test
# that runs.
_world_ids: dict[str, list[str]] = {}
_world_bodies: dict[str, dict[str, str]] = {}


@pytest.fixture
def world_ids(fuzz_world: FuzzWorld) -> FuzzWorld:
    _world_ids.clear()
    _world_ids.update(fuzz_world_ids(fuzz_world))
    _world_bodies.clear()
    _world_bodies.update(fuzz_world_bodies(fuzz_world))
    return fuzz_world


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Most of the time, point the path at an object of the fuzz world, so examples
    reach the code behind the lookup as well as its 404."""
    return world_path_parameters(context, path_parameters, ids=_world_ids)


@schema.hook
def flatmap_body(context, body):
    """Half the time, a body's ids are the world's (a gift that exists, a real token)."""
    return world_body(context, body, bodies=_world_bodies)


@schema.hook
def flatmap_query(context, query):
    """Half the time, a hook's query carries the world's hook secret."""
    return world_query(context, query, values=fuzz_world_queries())


@schema.parametrize()
@hypothesis.settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=not THOROUGH,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_operation_answers_as_its_schema_says(case, world_ids: FuzzWorld):
    # Each example starts afresh: throttle counts and its own writes are undone, so
    # logging out or deleting the account does not end the next example's session.
    cache.clear()
    with transaction.atomic():
        # Work the services defer to commit (tasks, emails) runs too, as in production.
        with TestCase.captureOnCommitCallbacks(execute=True):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {world_ids.access_token}"}, checks=CHECKS
            )
        transaction.set_rollback(True)
