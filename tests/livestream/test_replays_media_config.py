"""`manage.py live_media_config`: the sample nginx-rtmp and MediaMTX configurations, what
they call, and that nginx accepts its own (when installed) and MediaMTX's commands post
what the hooks take."""

import io
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from livestream.media_config import NGINX_HLS_LOCATION, MediaConfigOptions, mediamtx_config
from livestream.models import Stream, StreamSession
from livestream.playback import playback_path_read, playback_signature
from livestream.services.streams import stream_create, stream_end
from tests.accounts.factories import UserFactory
from tests.livestream.conftest import HOOK_SECRET

NGINX = Path("/usr/sbin/nginx")
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def media_config(*args: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("live_media_config", *args, stdout=out, stderr=stderr or io.StringIO())
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
        f"location ~ {NGINX_HLS_LOCATION} {{",
        "auth_request /_live_auth;",
        "alias /srv/hls/$hls_file;",
        "location = /_live_auth {",
        "internal;",
        "proxy_pass https://api.example.com/api/v1/live/playback/auth/;",
        "proxy_set_header X-Original-URI $request_uri;",
        "user www-data;",
    ]:
        assert line in config.splitlines() or f"    {line}" in config, line
    assert [line.strip() for line in config.splitlines()].count("hls on;") == 1
    assert "deny publish all;" in config  # only nginx feeds the HLS application


def test_nginx_serves_what_the_platform_names_from_the_streams_folder(recordings_root):
    """The HLS location (PCRE; Python spells the named group `?P<`) takes the unsigned
    and the signed address of a file, and gives `alias` the same `<public id>/<file>`
    the platform checks."""
    location = re.compile(NGINX_HLS_LOCATION.replace("(?<", "(?P<"))
    signature = playback_signature(public_id="Ab3_-x", expires=1767225600)

    for path in ["/hls/Ab3_-x/index.m3u8", f"/hls/1767225600.{signature}/Ab3_-x/3.ts"]:
        named = playback_path_read(path)
        served = location.fullmatch(path)
        assert named is not None and served is not None, path
        assert served["hls_file"] == f"{named.public_id}/{path.rsplit('/', 1)[1]}"
    for path in ["/hls/Ab3_-x/", "/hls/a/b/Ab3_-x/3.ts", "/hls/Ab3_-x/.hidden", "/live/x/3.ts"]:
        assert location.fullmatch(path) is None, path


def test_the_command_says_which_playback_signature_the_server_needs(recordings_root, settings):
    settings.LIVE_PLAYBACK_SIGNATURE = "path"
    nginx_notes, mediamtx_notes = io.StringIO(), io.StringIO()

    media_config("nginx", stderr=nginx_notes)
    config = media_config("mediamtx", stderr=mediamtx_notes)

    assert nginx_notes.getvalue() == ""
    assert "Set LIVE_PLAYBACK_SIGNATURE=query for mediamtx (it is path)" in (
        mediamtx_notes.getvalue()
    )
    assert "# and LIVE_PLAYBACK_SIGNATURE=query" in config
    settings.LIVE_PLAYBACK_SIGNATURE = "query"
    media_config("nginx", stderr=nginx_notes)
    assert "Set LIVE_PLAYBACK_SIGNATURE=path for nginx (it is query)" in nginx_notes.getvalue()


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


class FakeMediaMtxApi:
    """MediaMTX's control API on loopback, recording the paths it was posted to."""

    def __init__(self) -> None:
        self.posted: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                api.posted.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def mediamtx_api() -> Iterator[FakeMediaMtxApi]:
    api = FakeMediaMtxApi()
    yield api
    api.server.shutdown()


def wait_for(check, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_mediamtxs_commands_post_what_the_hooks_take(
    hooks_server, settings, recordings_root, mediamtx_api, tmp_path
):
    """Run the generated commands through a shell with the environment MediaMTX gives
    them: the stream goes live, is kept fresh, is cut through MediaMTX's API once staff
    end it, and ends when the publisher stops."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    created = stream_create(owner=UserFactory(), title="Show")
    public_id = created.stream.public_id
    options = MediaConfigOptions(
        api_url=f"http://127.0.0.1:{hooks_server.thread.port}",
        secret=HOOK_SECRET,
        rtmp_port=1935,
        http_port=8888,
        hls_root=tmp_path / "hls",
        recordings_root=recordings_root,
        mediamtx_api_port=mediamtx_api.port,
        update_seconds=1,
    )
    config = yaml.safe_load(mediamtx_config(options))
    [paths] = config["paths"].values()
    environment = {
        **os.environ,
        "MTX_PATH": f"live/{public_id}",
        "MTX_QUERY": f"key={created.key}",
        "MTX_SOURCE_ID": "conn-1",
        "MTX_SOURCE_TYPE": "rtmpConn",
    }

    def start(command: str) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S602 - MediaMTX runs them through a shell too
            command, shell=True, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    # Ready: live, then kept fresh by on-update.
    on_ready = start(paths["runOnReady"])
    try:
        wait_for(lambda: Stream.objects.get(pk=created.stream.pk).status == Stream.Status.LIVE)
        first = StreamSession.objects.get().last_callback_at
        wait_for(lambda: StreamSession.objects.get().last_callback_at > first)
        assert on_ready.poll() is None and mediamtx_api.posted == []

        # Staff end the stream: the next update is refused, the publisher is cut.
        stream_end(stream=created.stream, reason=StreamSession.EndReason.STAFF_ENDED)
        assert on_ready.wait(timeout=20) == 0
    finally:
        if on_ready.poll() is None:
            on_ready.kill()
            on_ready.wait()
    assert mediamtx_api.posted == ["/v3/rtmpconns/kick/conn-1"]

    # A new broadcast ends when MediaMTX says the stream is not ready any more.
    environment["MTX_SOURCE_ID"] = "conn-2"
    on_ready = start(paths["runOnReady"])
    try:
        wait_for(lambda: Stream.objects.get(pk=created.stream.pk).status == Stream.Status.LIVE)
    finally:
        on_ready.kill()  # MediaMTX stops the command when the stream stops
        on_ready.wait()
    not_ready = start(paths["runOnNotReady"])
    assert not_ready.wait(timeout=20) == 0, not_ready.stderr.read()
    session = StreamSession.objects.get(publisher_ref="conn-2")
    assert session.end_reason == StreamSession.EndReason.PUBLISHER_STOPPED

    # A recording outside the root: the hook's 400 makes curl fail.
    environment["MTX_SEGMENT_PATH"] = f"{recordings_root}/../escape.mp4"
    refused = start(config["pathDefaults"]["runOnRecordSegmentComplete"])
    assert refused.wait(timeout=20) != 0
