"""The device type a request comes from (`Campaign.Device`), read from its User-Agent
with ua-parser (the maintained uap-core rules), for targeting and the reports.

ua-parser names the browser, the operating system and the device model, not its kind;
the kind follows from those: smart TVs, streaming sticks and consoles are `tv`;
iPads, Kindles and Android devices without "Mobile" (Google's own convention) are
`tablet`; other phone systems are `mobile`; desktop systems are `desktop`. Crawlers,
scripts and anything unrecognised are "" (unknown), which no device targeting matches.
"""

import re
from functools import lru_cache

import ua_parser

from ads.models import Campaign

UNKNOWN = ""
MOBILE = Campaign.Device.MOBILE.value
TABLET = Campaign.Device.TABLET.value
DESKTOP = Campaign.Device.DESKTOP.value
TV = Campaign.Device.TV.value
# Longer headers are cut before parsing: no real browser sends more, and a parse (and
# a cache entry) must stay cheap whatever a client sends.
USER_AGENT_MAX_LENGTH = 512
USER_AGENT_CACHE_SIZE = 4096

_TV = re.compile(
    r"smart-?tv|hbbtv|netcast|\bviera\b|bravia|apple ?tv|\btvos\b|roku|crkey|chromecast"
    r"|android ?tv|google ?tv|\baft[a-z]{1,4}\b|playstation|xbox|web0s|\bdtv\b|\bnettv\b",
    re.IGNORECASE,
)
_TABLET_FAMILIES = re.compile(r"^(ipad|kindle)|tablet|\btab\b", re.IGNORECASE)
_MOBILE_SYSTEMS = frozenset(
    {
        "iOS",
        "Android",
        "Windows Phone",
        "BlackBerry OS",
        "BlackBerry Tablet OS",
        "KaiOS",
        "Firefox OS",
        "Symbian OS",
        "Tizen",
        "HarmonyOS",
        "Sailfish",
    }
)
_DESKTOP_SYSTEMS = frozenset(
    {
        "Windows",
        "Mac OS X",
        "macOS",
        "Linux",
        "Ubuntu",
        "Debian",
        "Fedora",
        "Red Hat",
        "SUSE",
        "Chrome OS",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
    }
)


@lru_cache(maxsize=USER_AGENT_CACHE_SIZE)
def device_type_from_user_agent(user_agent: str) -> str:
    """`mobile`, `tablet`, `desktop`, `tv`, or "" for a crawler or an unknown client
    (a pure function of the header, cached per string)."""
    user_agent = user_agent[:USER_AGENT_MAX_LENGTH]
    if not user_agent.strip():
        return UNKNOWN
    parsed = ua_parser.parse(user_agent)
    device = parsed.device
    system = parsed.os.family if parsed.os is not None else ""
    if device is not None and device.family == "Spider":
        return UNKNOWN
    device_names = f"{device.family} {device.brand or ''} {device.model or ''}" if device else ""
    if _TV.search(user_agent) or _TV.search(device_names) or "TV" in device_names.split():
        return TV
    if device is not None and (
        _TABLET_FAMILIES.search(device.family)
        or (device.brand or "").endswith("_Tablet")
        or (device.model or "").startswith("Kindle")
    ):
        return TABLET
    if system == "Android" and "Mobile" not in user_agent:
        return TABLET
    if system in _MOBILE_SYSTEMS or (device is not None and device.family in {"iPhone", "iPod"}):
        return MOBILE
    if system in _DESKTOP_SYSTEMS and parsed.user_agent is not None:
        return DESKTOP
    return UNKNOWN
