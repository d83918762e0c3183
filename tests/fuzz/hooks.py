"""schemathesis hooks that point generated requests at the fuzz world's objects, for
the suite's fuzz test and the live run (`tests/fuzz/live.py`, through
`tests/fuzz/live_hooks.py`). Free of Django: schemathesis' command line loads them."""

from hypothesis import strategies as st

# The media server's hooks are called with it (the fuzz world's fixture and the live
# run set `LIVE_HOOK_SECRET` to it).
HOOK_SECRET = "fuzz-hook-secret"

# Where a path names a user, the one the operation acts on in the world.
USERNAME_BY_PATH = {"/chat/bans/{username}/": "troll", "/moderators/{username}/": "creator"}


def world_path_parameters(context, path_parameters: dict, *, ids: dict[str, list[str]]):
    """schemathesis' `flatmap_path_parameters`: the generated parameters, or the same
    pointing at each object of the world the path may name."""
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path if context.operation is not None else ""
    candidates = {name: ids[name] for name in path_parameters if name in ids}
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


def world_body(context, body, *, bodies: dict[str, dict[str, str]]):
    """schemathesis' `flatmap_body`: the generated body, or the same with the world's
    values in the fields it has (a JSON object's only)."""
    operation = context.operation
    real = bodies.get(operation.definition.raw.get("operationId", "")) if operation else None
    if not real or not isinstance(body, dict):
        return st.just(body)
    return st.sampled_from([body, {**body, **{k: v for k, v in real.items() if k in body}}])


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
