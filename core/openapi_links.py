"""OpenAPI links from each operation that creates an object to the operations that take
its id in their path (`POST videos/` -> `videos/{video_id}/like/`), so clients and the
schema fuzzer's stateful phase can follow them (`$response.body#/id`).

A path parameter `<name>_id` is filled by the `id` of what a `201 Created` answer holds
when that answer's component is named after it (`video_id` <- `Video`, `tier_id` <-
`OwnTier`); `username` by the `username` of a created `User` (registration)."""

import re

_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def _component_name(response: dict) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "")
    return reference.rsplit("/", 1)[-1] or None


def _source(parameter: str) -> tuple[str, str]:
    """The component name a parameter's value comes from, and the property holding it."""
    if parameter == "username":
        return "User", "username"
    resource = parameter.removesuffix("_id")
    return "".join(part.capitalize() for part in resource.split("_")), "id"


def postprocess_links(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})
    consumers = [
        (operation["operationId"], parameter)
        for path, operations in result.get("paths", {}).items()
        for parameter in _PATH_PARAMETER.findall(path)
        for operation in operations.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    for operations in result.get("paths", {}).values():
        created = (operations.get("post") or {}).get("responses", {}).get("201")
        name = _component_name(created) if created else None
        if name is None:
            continue
        properties = components.get(name, {}).get("properties", {})
        links = {
            consumer: {
                "operationId": consumer,
                "parameters": {parameter: f"$response.body#/{field}"},
            }
            for consumer, parameter in consumers
            for resource, field in [_source(parameter)]
            if name.endswith(resource) and field in properties
        }
        if links:
            created["links"] = dict(sorted(links.items()))
    return result
