"""The absolute URLs a served ad hands out: its impression pixel, click redirect and
player tracking pixels (VAST documents and feed items carry them).

They are built here, not reversed, so that serving does not depend on the tracking
views' route names: the paths are the ones the design fixes under `/api/v1/ads/`
(`ads/urls.py` is mounted at `/api/v1/`, see `config/urls.py`). Every URL carries the
served ad's signed token, which is URL-safe (`django.core.signing`: base64url and `:`).
"""

from urllib.parse import quote

from django.conf import settings

ADS_API_PATH = "/api/v1/ads/"
# The macro a VAST player replaces with its error code, `[ERRORCODE]`, percent-encoded:
# square brackets are not allowed in a URI's query (RFC 3986), and the VAST 4.2 XSD types
# `Error` as `xs:anyURI`, which lxml (libxml2) checks strictly.
ERROR_CODE_MACRO = "%5BERRORCODE%5D"


def ads_public_base_url(request) -> str:
    """`ADS_PUBLIC_BASE_URL` (without a trailing slash), else the request's own scheme
    and host: where players on other sites reach the tracking URLs."""
    if settings.ADS_PUBLIC_BASE_URL:
        return settings.ADS_PUBLIC_BASE_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def _url(base: str, *parts: str) -> str:
    return base + ADS_API_PATH + "".join(f"{quote(part, safe=':')}/" for part in parts)


def ad_impression_pixel_url(*, base: str, token: str) -> str:
    """The VAST impression pixel: `GET ads/i/<token>/`."""
    return _url(base, "i", token)


def ad_click_url(*, base: str, token: str) -> str:
    """The click redirect to the creative's stored URL: `GET ads/click/<token>/`."""
    return _url(base, "click", token)


def ad_tracking_url(*, base: str, token: str, event: str) -> str:
    """A player tracking pixel: `GET ads/t/<token>/<event>/` (event: a
    `TrackingEvent.Event` value)."""
    return _url(base, "t", token, event)


def ad_error_url(*, base: str, token: str) -> str:
    """The VAST error pixel, with the player's `[ERRORCODE]` macro (percent-encoded) in
    its query."""
    return f"{ad_tracking_url(base=base, token=token, event='error')}?code={ERROR_CODE_MACRO}"
