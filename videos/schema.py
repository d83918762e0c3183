"""How the videos app appears in the OpenAPI schema, where the defaults fall short
(a postprocessing hook named in `SPECTACULAR_SETTINGS`)."""

from videos.serializers import LANGUAGE_PATTERN


def postprocess_request_patterns(result, generator, request, public):
    """Patterns serializers check in a validator function, which drf-spectacular cannot
    read: a video's `language` is empty or a BCP 47 tag (`videos.serializers`)."""
    tag = LANGUAGE_PATTERN.pattern.removeprefix("^").removesuffix(r"\Z")
    patterns = {"language": f"^({tag})?$"}
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field, pattern in patterns.items():
            if schema.get("properties", {}).get(field, {}).get("type") == "string":
                schema["properties"][field]["pattern"] = pattern
    return result
