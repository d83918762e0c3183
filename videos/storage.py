"""A video's files in the storage: everything lives under its media folder."""

import logging

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def storage_tree_names(prefix: str) -> list[str]:
    """Every file name under `prefix` (a folder name without the trailing slash)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    names = [f"{prefix}/{name}" for name in files]
    for folder in folders:
        names.extend(storage_tree_names(f"{prefix}/{folder}"))
    return names


def storage_tree_delete(prefix: str, *, keep: tuple[str, ...] = ()) -> int:
    """Delete every file under `prefix` but those named in `keep`; returns how many.

    A file that cannot be deleted is logged and left, never raised: callers run this
    after their transaction committed.
    """
    deleted = 0
    for name in storage_tree_names(prefix):
        if name in keep:
            continue
        try:
            default_storage.delete(name)
            deleted += 1
        except OSError:
            logger.exception("Could not delete %s from the storage.", name)
    return deleted
