"""Tags: how they are written, read from descriptions and cleaned up."""

import re

from videos.models import TAG_MAX_LENGTH, TAGS_MAX_COUNT

# A tag is letters, digits, underscores and hyphens, in any script.
TAG_PATTERN = re.compile(r"^[^\W][\w-]*$")
HASHTAG_PATTERN = re.compile(r"(?<![\w#])#([^\W][\w-]*)")


class InvalidTag(ValueError):
    pass


def tag_normalize(raw: str) -> str:
    """`#Cats ` -> `cats`; raises `InvalidTag` for what cannot be a tag."""
    tag = raw.strip().lstrip("#").strip().lower()
    if not tag or len(tag) > TAG_MAX_LENGTH or not TAG_PATTERN.match(tag):
        raise InvalidTag(raw)
    return tag


def tags_normalize(raw_tags: list[str]) -> list[str]:
    """Each tag normalised, duplicates dropped, first seen first."""
    return list(dict.fromkeys(tag_normalize(raw) for raw in raw_tags))


def hashtags_extract(text: str) -> list[str]:
    """The valid `#hashtags` of a text, normalised, first seen first."""
    found = []
    for match in HASHTAG_PATTERN.finditer(text):
        try:
            found.append(tag_normalize(match.group(1)))
        except InvalidTag:
            continue
    return list(dict.fromkeys(found))


def tags_with_hashtags(tags: list[str], description: str) -> list[str]:
    """The given tags, then the description's hashtags, up to `TAGS_MAX_COUNT`."""
    return list(dict.fromkeys([*tags, *hashtags_extract(description)]))[:TAGS_MAX_COUNT]
