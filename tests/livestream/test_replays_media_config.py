"""`manage.py live_media_config`: the sample nginx-rtmp and MediaMTX configurations, what
they call, and that nginx accepts its own (when installed) and MediaMTX's commands post
what the hooks take."""

import io
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from livestream.models import Stream, StreamSession
from livestream.services.streams import stream_create
from tests.accounts.factories import UserFactory
from tests.livestream.conftest import HOOK_SECRET

NGINX = Path("/usr/sbin/nginx")
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def media_config(*args: str) -> str:
    out = io.StringIO()
    call_command("live_media_config", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def recordings_root(settings, tmp_path) -> Path:
    settings.LIVE_RECORDINGS_ROOT = tmp_path / "recordings"
    return settings.LIVE_RECORDINGS_ROOT


def test_nginx_calls_every_hook_with_the_secret_and_writes_hls_under_the_public_id(
    recordings_root, settings
):
    settings.LIVE_HOOK_SECRET = "a secret&with=odd/chars"

    config = media_config(
        "nginx",
        "--api-url=https://api.example.com/",
        "--rtmp-port=1936",
        "--http-port=8081",
        "--hls-root=/srv/hls",
    )

    secret = "secret=a%20secret%26with%3Dodd%2Fchars"
    hooks = "https://api.example.com/api/v1/live/hooks/nginx"
    for line in [
        "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;",
        "listen 1936;",
        f"on_publish {hooks}/on-publish/?{secret};",
        f"on_publish_done {hooks}/on-publish-done/?{secret};",
        f"on_update {hooks}/on-update/?{secret};",
        "notify_update_timeout 30s;",
        "push rtmp://127.0.0.1:1936/hls;",
        "record all;",
        f"record_path {recordings_root};",
        "record_suffix .flv;",
        "record_unique on;",
        f"on_record_done {hooks}/on-record-done/?{secret};",
        "hls_path /srv/hls;",
        "hls_nested on;",
        "listen 8081;",
        "location /hls/ {",
        "auth_request /_live_auth;",
        "alias /srv/hls/;",
        "location = /_live_auth {",
        "internal;",
        "proxy_pass https://api.example.com/api/v1/live/playback/auth/;",
        "proxy_set_header X-Original-URI $request_uri;",
        "user www-data;",
    ]:
        assert line in config.splitlines() or f"    {line}" in config, line
    assert [line.strip() for line in config.splitlines()].count("hls on;") == 1
    assert "deny publish all;" in config  # only nginx feeds the HLS application


def test_nginx_without_replays_or_playback_checks(recordings_root):
    config = media_config("nginx", "--no-replays", "--no-playback-auth", "--rtmp-module=")

    assert "record" not in config
    assert "auth_request" not in config and "_live_auth" not in config
    assert "load_module" not in config


def test_mediamtx_asks_the_platform_and_tells_it_of_each_stream_and_recording(recordings_root):
    config = yaml.safe_load(media_config("mediamtx", "--rtmp-port=1936", "--http-port=8888"))

    hooks = "http://127.0.0.1:8000/api/v1/live/hooks/mediamtx"
    assert config["authMethod"] == "http"
    assert config["authHTTPAddress"] == f"{hooks}/auth/?secret={HOOK_SECRET}"
    assert (config["rtmpAddress"], config["hlsAddress"]) == (":1936", ":8888")
    defaults = config["pathDefaults"]
    assert defaults["record"] is True
    assert defaults["recordPath"].startswith(f"{recordings_root}/%path/")
    assert f"{hooks}/record-done/?secret={HOOK_SECRET}" in defaults["runOnRecordSegmentComplete"]
    [paths] = config["paths"].values()
    assert f"{hooks}/ready/?secret={HOOK_SECRET}" in paths["runOnReady"]
    assert f"{hooks}/not-ready/?secret={HOOK_SECRET}" in paths["runOnNotReady"]


def test_mediamtx_without_replays_records_nothing(recordings_root):
    config = yaml.safe_load(media_config("mediamtx", "--no-replays"))

    assert config["pathDefaults"] == {"record": False}


def test_no_secret_no_configuration(settings):
    settings.LIVE_HOOK_SECRET = ""

    with pytest.raises(CommandError, match="LIVE_HOOK_SECRET"):
        media_config("nginx")


def test_relative_folders_are_refused(recordings_root):
    with pytest.raises(CommandError, match="--hls-root must be an absolute path"):
        media_config("nginx", "--hls-root=hls")


@pytest.mark.skipif(
    not (NGINX.exists() and RTMP_MODULE.exists()),
    reason="nginx with the RTMP module is not installed",
)
def test_nginx_accepts_the_configuration(recordings_root, tmp_path):
    config_path = tmp_path / "nginx.conf"
    config_path.write_text(
        media_config(
            "nginx", f"--runtime-dir={tmp_path}", f"--hls-root={tmp_path / 'hls'}", "--user="
        )
    )

    checked = subprocess.run(  # noqa: S603 - the system's nginx, our arguments
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(config_path), "-e", str(tmp_path / "e")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr


@pytest.fixture
def hooks_server(django_db_setup, live_server):
    """pytest-django's live server, started after the test database exists (else, on
    SQLite, it would share the in-memory connection it saw first, and close it)."""
    return live_server


@pytest.mark.django_db(transaction=True)
def test_mediamtxs_commands_post_what_the_hooks_take(hooks_server, settings, recordings_root):
    """Run the generated commands with the environment MediaMTX gives them."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    created = stream_create(owner=UserFactory(), title="Show")
    public_id = created.stream.public_id
    config = yaml.safe_load(
        media_config("mediamtx", f"--api-url=http://127.0.0.1:{hooks_server.thread.port}")
    )
    [paths] = config["paths"].values()
    environment = {
        **os.environ,
        "MTX_PATH": f"live/{public_id}",
        "MTX_QUERY": f"key={created.key}",
        "MTX_SOURCE_ID": "conn-1",
        "MTX_SOURCE_TYPE": "rtmpConn",
    }

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S602 - MediaMTX runs them through a shell too
            command, shell=True, env=environment, capture_output=True, text=True, check=False
        )

    ready = run(paths["runOnReady"])
    assert ready.returncode == 0, ready.stderr
    assert Stream.objects.get(pk=created.stream.pk).status == Stream.Status.LIVE

    not_ready = run(paths["runOnNotReady"])
    assert not_ready.returncode == 0, not_ready.stderr
    session = StreamSession.objects.get()
    assert session.end_reason == StreamSession.EndReason.PUBLISHER_STOPPED

    environment["MTX_SEGMENT_PATH"] = f"{recordings_root}/../escape.mp4"
    refused = run(config["pathDefaults"]["runOnRecordSegmentComplete"])
    assert refused.returncode != 0  # curl -f: the hook's 400
