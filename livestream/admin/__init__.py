"""Live streaming app: Django admin registrations, one module per area.

Staff change a stream's live state only through the actions here, which call the
services (ending a broadcast), never by editing its status.
"""

from livestream.admin import chat, gifts, replays, streams  # noqa: F401
