"""The live run's schemathesis hooks (`SCHEMATHESIS_HOOKS=tests.fuzz.live_hooks`): this
API's checks, and the fuzz world's ids in paths and bodies, which `tests/fuzz/live.py`
passes in `FUZZ_WORLD` (JSON: `ids`, `bodies` and `queries`, as `fuzz_world_ids`,
`fuzz_world_bodies` and `fuzz_world_queries` give them)."""

import json
import os

import schemathesis

import tests.fuzz.checks  # noqa: F401 (registers the checks)
from tests.fuzz.hooks import world_body, world_path_parameters, world_query

WORLD = json.loads(os.environ.get("FUZZ_WORLD", "{}"))


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return world_path_parameters(context, path_parameters, ids=WORLD.get("ids", {}))


@schemathesis.hook
def flatmap_body(context, body):
    return world_body(context, body, bodies=WORLD.get("bodies", {}))


@schemathesis.hook
def flatmap_query(context, query):
    return world_query(context, query, values=WORLD.get("queries", {}))
