"""Fixtures for the livestream tests: the hooks' settings and `media_server`, which
calls the hooks as nginx-rtmp and MediaMTX do."""

import os
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from tests.social.factories import SocialGraph

HOOK_SECRET = "hook-secret-for-tests"


@pytest.fixture(autouse=True)
def live_settings(settings):
    settings.LIVE_HOOK_SECRET = HOOK_SECRET
    settings.LIVE_HOOK_ALLOWED_IPS = []
    settings.LIVE_RTMP_URL = "rtmp://ingest.example.com/live"
    settings.LIVE_HLS_URL_TEMPLATE = "https://cdn.example.com/hls/{public_id}/index.m3u8"
    return settings


@pytest.fixture
def graph(db) -> SocialGraph:
    return SocialGraph()


class MediaServer:
    """Calls the hooks as nginx-rtmp (form-encoded notify calls) and MediaMTX (JSON
    external authentication) do, with the hook secret in the query string."""

    def __init__(self, secret: str | None = HOOK_SECRET) -> None:
        self.client = APIClient()
        self.secret = secret

    def _query(self) -> str:
        return f"?{urlencode({'secret': self.secret})}" if self.secret is not None else ""

    def nginx(self, hook: str, name: str, *, clientid: str = "1", **headers):
        call = {"on-publish": "publish", "on-publish-done": "publish_done"}.get(hook, "update")
        body = {
            "call": call,
            "name": name,
            "app": "live",
            "addr": "192.0.2.7",
            "clientid": clientid,
        }
        return self.client.post(
            f"/api/v1/live/hooks/nginx/{hook}/{self._query()}",
            urlencode(body),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )

    def publish(self, key: str, *, clientid: str = "1", **headers):
        return self.nginx("on-publish", key, clientid=clientid, **headers)

    def publish_done(self, name: str, *, clientid: str = "1"):
        return self.nginx("on-publish-done", name, clientid=clientid)

    def update(self, name: str, *, clientid: str = "1"):
        return self.nginx("on-update", name, clientid=clientid)

    def mediamtx(self, action: str, path: str, query: str = "", **headers):
        body = {
            "user": "",
            "password": "",
            "ip": "192.0.2.7",
            "action": action,
            "path": path,
            "protocol": "rtmp",
            "id": None,
            "query": query,
        }
        return self.client.post(
            f"/api/v1/live/hooks/mediamtx/auth/{self._query()}", body, format="json", **headers
        )


@pytest.fixture
def media_server() -> MediaServer:
    return MediaServer()


# Redis, as production configures the cache: `TEST_REDIS_URL` (its own database number,
# so the tests' keys stay apart). Without a Redis there, Redis cases are skipped.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_client():
    """A client of the test Redis; skips the test when none answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def use_redis_cache(settings, prefix: str) -> None:
    """Make the test Redis the default cache, as production configures it, its keys
    under `prefix` (delete them after: the Redis database is shared)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.TimedCache",
            "TIMED_BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
