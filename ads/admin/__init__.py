"""Ads app: Django admin registrations, one module per area.

Staff change advertisers and creatives only through the actions here, which call the
services (suspend, reinstate, approve, reject: each with its side effects), never by
editing rows by hand.
"""

from ads.admin import advertisers, campaigns, creatives, tracking  # noqa: F401
