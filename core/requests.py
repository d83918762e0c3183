"""Facts about the client behind a request, read the same way everywhere."""

import ipaddress
from collections.abc import Iterable

from django.http import HttpRequest
from rest_framework.settings import api_settings

USER_AGENT_MAX_LENGTH = 300


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the API (answered in JSON), not a page."""
    return request.path.startswith("/api/")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address `NUM_PROXIES` trusted proxies
    put in X-Forwarded-For (the same rule DRF's throttles use)."""
    remote_addr = request.META.get("REMOTE_ADDR") or None
    num_proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(num_proxies, len(addresses))] or remote_addr
    return remote_addr


def client_ip_in(request: HttpRequest, networks: Iterable[str]) -> bool:
    """Whether the client's address (`client_ip`) is in one of `networks` (addresses
    or networks, `10.0.0.0/8`); never when there are none or the address is unknown."""
    networks = list(networks)
    address = client_ip(request)
    if not address or not networks:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)


def client_user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
