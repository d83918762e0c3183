"""The ads app's errors, each with a stable code a client can switch on.

Each area keeps its refusals together under a comment naming it.
"""

from core.exceptions import FieldRejection

# VAST (views/vast.py): what the pre-roll endpoint refuses.

VAST_PLACEMENT_UNSUPPORTED = FieldRejection(
    "placement",
    "vast_placement_unsupported",
    "VAST answers the preroll placement only (or no placement at all).",
)
