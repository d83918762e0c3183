"""Who an ad is served to: the viewer's targeting facts, read from the request.

(The first version: the signed-in user's id or an anonymous id; targeting facts and the
device are filled in by the serving work.)
"""

import hashlib
from dataclasses import dataclass

from accounts.models import User
from core.access import is_signed_in

ANONYMOUS_ID_HEADER = "HTTP_X_AD_VIEWER_ID"


@dataclass(frozen=True)
class Viewer:
    user: User | None
    viewer_key: str  # str(user.pk), or "anon:<digest>" for an anonymous viewer
    country: str = ""  # ISO 3166-1 alpha-2, upper case; "" unknown
    language: str = ""  # lower case primary tag; "" unknown
    age: int | None = None
    interests: tuple[str, ...] = ()
    device: str = ""  # Campaign.Device; "" unknown


def ad_viewer_from_request(request) -> Viewer:
    """The viewer of `request`: a signed-in user, or an anonymous viewer keyed by the
    id its player keeps (`X-Ad-Viewer-Id`), else by its address and user agent."""
    if is_signed_in(request.user):
        return Viewer(user=request.user, viewer_key=str(request.user.pk))
    anonymous_id = request.META.get(ANONYMOUS_ID_HEADER, "")[:100]
    if not anonymous_id:
        anonymous_id = (
            f"{request.META.get('REMOTE_ADDR', '')}|{request.META.get('HTTP_USER_AGENT', '')}"
        )
    digest = hashlib.sha256(anonymous_id.encode()).hexdigest()[:40]
    return Viewer(user=None, viewer_key=f"anon:{digest}")
