"""Who an ad is served to: the viewer's targeting facts, read from the request.

The signed-in user's targeting profile comes first; what it leaves out is read from the
request where a request can tell: the country from the header a trusted proxy sets
(`ADS_COUNTRY_HEADER`), the language from `Accept-Language`. The age comes only from a
birth date the user gave, interests only from the profile; the device always from the
User-Agent (`ads.devices`).
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from ads.devices import device_type_from_user_agent
from core.access import is_signed_in

ANONYMOUS_ID_HEADER = "HTTP_X_AD_VIEWER_ID"
_COUNTRY = re.compile(r"^[A-Za-z]{2}\Z")
# Not countries: Cloudflare's "unknown" and "Tor", and the reserved user-assigned codes
# other CDNs use the same way.
_NOT_COUNTRIES = frozenset({"XX", "T1", "ZZ"})
_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\Z")


@dataclass(frozen=True)
class Viewer:
    user: User | None
    viewer_key: str  # str(user.pk), or "anon:<digest>" for an anonymous viewer
    country: str = ""  # ISO 3166-1 alpha-2, upper case; "" unknown
    language: str = ""  # lower case primary tag; "" unknown
    age: int | None = None
    interests: tuple[str, ...] = ()
    device: str = ""  # Campaign.Device; "" unknown


def age_on(birth_date: date, today: date) -> int:
    """Whole years from `birth_date` to `today`."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def country_from_request(request) -> str:
    """The country the `ADS_COUNTRY_HEADER` header names (upper case), or ""."""
    header = settings.ADS_COUNTRY_HEADER
    if not header:
        return ""
    value = request.META.get(f"HTTP_{header.upper().replace('-', '_')}", "").strip().upper()
    if not _COUNTRY.match(value) or value in _NOT_COUNTRIES:
        return ""
    return value


def language_from_request(request) -> str:
    """The primary tag (lower case) of the first language of `Accept-Language`, or ""."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:200]
    for item in header.split(","):
        match = _LANGUAGE.match(item.split(";", 1)[0].strip())
        if match:
            return match.group(1).lower()
    return ""


def ad_viewer_from_request(request) -> Viewer:
    """The viewer of `request`: a signed-in user, or an anonymous viewer keyed by the
    id its player keeps (`X-Ad-Viewer-Id`), else by its address and user agent, with
    the targeting facts known about them."""
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    device = device_type_from_user_agent(user_agent)
    if is_signed_in(request.user):
        user = request.user
        return Viewer(
            user=user,
            viewer_key=str(user.pk),
            country=user.country or country_from_request(request),
            language=user.language or language_from_request(request),
            age=age_on(user.birth_date, timezone.now().date()) if user.birth_date else None,
            interests=tuple(user.interests),
            device=device,
        )
    anonymous_id = request.META.get(ANONYMOUS_ID_HEADER, "")[:100]
    if not anonymous_id:
        anonymous_id = f"{request.META.get('REMOTE_ADDR', '')}|{user_agent}"
    digest = hashlib.sha256(anonymous_id.encode()).hexdigest()[:40]
    return Viewer(
        user=None,
        viewer_key=f"anon:{digest}",
        country=country_from_request(request),
        language=language_from_request(request),
        device=device,
    )
