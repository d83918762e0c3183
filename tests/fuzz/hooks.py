"""schemathesis hooks that point generated requests at the fuzz world's objects, for
the suite's fuzz test and the live run (`tests/fuzz/live.py`, through
`tests/fuzz/live_hooks.py`). Free of Django: schemathesis' command line loads them."""

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER

# The media server's hooks are called with it (the fuzz world's fixture and the live
# run set `LIVE_HOOK_SECRET` to it).
HOOK_SECRET = "fuzz-hook-secret"

# Where a path names a user, the one the operation acts on in the world.
USERNAME_BY_PATH = {"/chat/bans/{username}/": "troll", "/moderators/{username}/": "creator"}


def world_path_parameters(context, path_parameters: dict, *, ids: dict[str, list[str]]):
    """schemathesis' `flatmap_path_parameters`: the generated parameters, or the same
    pointing at each object of the world the path may name (but not in place of a
    value that breaks its schema: see `world_body`)."""
    if not path_parameters:
        return st.just(path_parameters)
    operation = context.operation
    path = operation.path if operation is not None else ""
    schemas = {
        parameter.get("name"): parameter.get("schema", {})
        for parameter in (operation.definition.raw.get("parameters", []) if operation else [])
        if parameter.get("in") == "path"
    }
    candidates = {
        name: ids[name]
        for name, value in path_parameters.items()
        if name in ids and _is_valid(value, schemas.get(name, {}))
    }
    if "username" in candidates:
        for fragment, username in USERNAME_BY_PATH.items():
            if path.endswith(fragment):
                candidates["username"] = [username]
    widest = max((len(values) for values in candidates.values()), default=0)
    variants = [
        {
            **path_parameters,
            **{name: values[min(number, len(values) - 1)] for name, values in candidates.items()},
        }
        for number in range(widest)
    ]
    return st.sampled_from(
        [path_parameters, *[variant for variant in variants if variant != path_parameters]]
    )


def _body_field_schema(operation, name: str) -> dict:
    """The JSON request body's schema of field `name` (empty if none)."""
    body = operation.definition.raw.get("requestBody", {}).get("content", {})
    schema = body.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = operation.schema.raw_schema["components"]["schemas"][
            schema["$ref"].rsplit("/")[-1]
        ]
    return schema.get("properties", {}).get(name, {})


def _is_valid(value, schema: dict) -> bool:
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER).is_valid(value)


def world_body(context, body, *, bodies: dict[str, dict[str, str]]):
    """schemathesis' `flatmap_body`: the generated body, or the same with the world's
    values in the fields it has (a JSON object's only). A field whose generated value
    breaks its schema keeps it: it may be the violation a negative case is about, and
    a real value would turn the case valid behind schemathesis' back."""
    operation = context.operation
    real = bodies.get(operation.definition.raw.get("operationId", "")) if operation else None
    if not real or not isinstance(body, dict):
        return st.just(body)
    replaced = {
        name: value
        for name, value in real.items()
        if name in body and _is_valid(body[name], _body_field_schema(operation, name))
    }
    return st.sampled_from([body, {**body, **replaced}])


def world_query(context, query, *, values: dict[str, str]):
    """schemathesis' `flatmap_query`: the generated query, or the same with the
    world's values of the query parameters the operation declares (a hook's secret)."""
    operation = context.operation
    declared = {
        parameter.get("name")
        for parameter in (operation.definition.raw.get("parameters", []) if operation else [])
        if parameter.get("in") == "query"
    }
    real = {name: value for name, value in values.items() if name in declared}
    if not real or not isinstance(query, dict):
        return st.just(query)
    return st.sampled_from([query, {**query, **real}])
