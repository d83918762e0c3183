"""Filters moved across a relation."""

from django.db.models import Q


def q_through(q: Q, relation: str) -> Q:
    """`q`, a filter on one model, as the same filter on rows that reach that model
    through `relation`: `q_through(Q(status="ready"), "video")` is
    `Q(video__status="ready")`. Plain lookups only: an expression inside `q` has no
    path to move, and is refused (TypeError)."""
    moved = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        if isinstance(child, Q):
            moved.children.append(q_through(child, relation))
        elif isinstance(child, tuple):
            lookup, value = child
            moved.children.append((f"{relation}__{lookup}", value))
        else:
            raise TypeError(f"Cannot move {child!r} through {relation!r}.")
    return moved
