"""The whole live path with real components: nginx with Debian's RTMP module, started
with the configuration `manage.py live_media_config nginx` prints, its callbacks on
this test's live server; a 6-second stream pushed with PyAV like an encoder would; a
viewer of the unlisted stream fetching HLS through its signed `hls_url` (and refused
without the signature), then unsigned once it is public; the recording becoming a
replay.

Needs `nginx` and `libnginx-mod-rtmp` (apt). Without them the test is skipped, unless
`REQUIRE_NGINX` is set (CI sets it), which makes it fail instead.
"""

import getpass
import io
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from urllib.parse import urljoin

import av
import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from PIL import Image

from livestream.models import Stream, StreamRecording, StreamSession
from livestream.services.streams import stream_create
from tests.accounts.factories import UserFactory
from tests.core.subprocess_django import database_url, free_port, gunicorn_server, run_django
from tests.livestream.conftest import HOOK_SECRET
from tests.videos.media import AUDIO_SAMPLE_RATE, audio_tone_frame, frame_pattern_bytes
from videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)  # the server is another process

NGINX = Path("/usr/sbin/nginx")
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
PLAYBACK_AUTH_PATH = "/api/v1/live/playback/auth/"
PUSH_SECONDS = 6
FPS = 10
TIMEOUT_SECONDS = 90


def wait_for(
    what: str,
    check: Callable[[], object],
    timeout: float = TIMEOUT_SECONDS,
    diagnose: Callable[[], str] = str,
):
    """`check()`'s first truthy answer, polled until `timeout` seconds have passed;
    then the failure says what `diagnose()` says."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}. {diagnose()}")
        time.sleep(0.2)


def http_get(url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:  # loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def push(url: str, *, seconds: int = PUSH_SECONDS, width: int = 320, height: int = 240) -> None:
    """Publish `seconds` of H.264 and AAC to `url` in real time, as an encoder does,
    then stop (closing the connection)."""
    with av.open(url, "w", format="flv") as output:
        video = output.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        # A key frame every second, so nginx can cut 2-second HLS fragments.
        video.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(FPS)}
        audio = output.add_stream("aac", rate=AUDIO_SAMPLE_RATE, layout="mono")
        started = time.monotonic()
        audio_written = 0
        for index in range(seconds * FPS):
            image = Image.frombytes(
                "RGB", (width, height), frame_pattern_bytes(width, height, index)
            )
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            output.mux(video.encode(frame))
            audio_until = int((index + 1) / FPS * AUDIO_SAMPLE_RATE)
            while audio_written < audio_until:
                samples = min(1024, audio_until - audio_written)
                output.mux(audio.encode(audio_tone_frame(samples, audio_written)))
                audio_written += samples
            time.sleep(max(0.0, started + (index + 1) / FPS - time.monotonic()))
        output.mux(video.encode(None))
        output.mux(audio.encode(None))


def push_in_background(url: str) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            push(url)
        except BaseException as error:  # reported by the test
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def playback_auth_routed() -> bool:
    """Whether the platform answers nginx's `auth_request` (the playback endpoint)."""
    try:
        resolve(PLAYBACK_AUTH_PATH)
    except Resolver404:
        return False
    return True


@pytest.fixture
def nginx_binary() -> Path:
    if NGINX.exists() and RTMP_MODULE.exists():
        return NGINX
    reason = (
        f"nginx with the RTMP module is not installed ({NGINX}, {RTMP_MODULE}): "
        "`apt-get install nginx libnginx-mod-rtmp`"
    )
    if os.environ.get("REQUIRE_NGINX"):
        pytest.fail(f"REQUIRE_NGINX is set and {reason}")
    pytest.skip(reason)


class Nginx:
    def __init__(self, *, folder: Path, rtmp_port: int, http_port: int) -> None:
        self.folder = folder
        self.rtmp_port = rtmp_port
        self.http_port = http_port
        self.hls_root = folder / "hls"
        self.runtime = folder / "run"

    def diagnose(self) -> str:
        """What nginx wrote and logged, for a failure's message."""
        log = self.runtime / "error.log"
        return (
            f"Files: {names_under(self.folder)}; "
            f"error log: {log.read_text()[-3000:] if log.exists() else '(none)'}"
        )

    def rtmp_url(self, key: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}"


@dataclass(frozen=True)
class Platform:
    """The project under gunicorn, on the test database: what nginx calls."""

    url: str
    hls_port: int
    recordings_root: Path


@pytest.fixture
def platform(settings, tmp_path) -> Iterator[Platform]:
    """gunicorn serving the test database with the hooks' secret, recordings in
    `tmp_path`, and `hls_url` pointing at the nginx to come. (Django's development
    server, `live_server`, never answers nginx-rtmp, which half-closes its request.)
    Videos are processed beside the requests, as served without a broker."""
    hls_port = free_port()
    recordings_root = tmp_path / "recordings"
    recordings_root.mkdir()
    env = {
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # stream keys are digested with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "0",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
        "PAYMENTS_SANDBOX_ALLOWED": "1",
        "LIVE_HOOK_SECRET": HOOK_SECRET,
        "LIVE_RECORDINGS_ROOT": str(recordings_root),
        "LIVE_HLS_URL_TEMPLATE": f"http://127.0.0.1:{hls_port}/hls/{{public_id}}/index.m3u8",
    }
    migrated = run_django(["manage.py", "migrate", "--noinput"], env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    with gunicorn_server(env=env, log_dir=tmp_path, workers=2) as base:
        yield Platform(url=base, hls_port=hls_port, recordings_root=recordings_root)


@pytest.fixture
def nginx(nginx_binary, platform, settings, tmp_path) -> Iterator[Nginx]:
    """nginx on free loopback ports, its files in `tmp_path`, its workers run as this
    user, configured by `manage.py live_media_config nginx` to call `platform`."""
    server = Nginx(folder=tmp_path / "nginx", rtmp_port=free_port(), http_port=platform.hls_port)
    for folder in (server.hls_root, server.runtime):
        folder.mkdir(parents=True)
    settings.LIVE_HOOK_SECRET = HOOK_SECRET
    options = [
        f"--api-url={platform.url}",
        f"--rtmp-port={server.rtmp_port}",
        f"--http-port={server.http_port}",
        f"--hls-root={server.hls_root}",
        f"--recordings-root={platform.recordings_root}",
        f"--runtime-dir={server.runtime}",
        f"--rtmp-module={RTMP_MODULE}",
        f"--user={getpass.getuser()}",
    ]
    if not playback_auth_routed():
        # The playback endpoint is not in this build yet: serve HLS unchecked.
        options.append("--no-playback-auth")
    config = io.StringIO()
    call_command("live_media_config", "nginx", *options, stdout=config)
    config_path = server.folder / "nginx.conf"
    config_path.write_text(config.getvalue())
    command = [str(nginx_binary), "-p", str(server.runtime), "-c", str(config_path)]
    command += ["-e", str(server.runtime / "error.log")]
    checked = subprocess.run(  # noqa: S603 - the system's nginx, our arguments
        [*command, "-t"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(  # noqa: S603 - the system's nginx, our arguments
        [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:

        def listening() -> bool:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", server.rtmp_port), timeout=1).close()
                socket.create_connection(("127.0.0.1", server.http_port), timeout=1).close()
            except OSError:
                return False
            return True

        wait_for("nginx to listen", listening, timeout=20)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def names_under(folder: Path) -> list[str]:
    return [str(path.relative_to(folder)) for path in folder.rglob("*")]


def test_a_real_broadcast_through_nginx_rtmp(nginx, platform):
    owner = UserFactory(username="streamer")
    created = stream_create(
        owner=owner, title="Live from OBS", save_replay=True, visibility=Stream.Visibility.UNLISTED
    )
    stream, key = created.stream, created.key
    public_id = stream.public_id
    # Not live: only its folder name matters, for a path through it to the other's.
    open_id = stream_create(owner=owner, title="Open").stream.public_id

    # An encoder goes live with the stream key.
    pusher, push_errors = push_in_background(nginx.rtmp_url(key))
    wait_for(
        "the stream to go live",
        lambda: Stream.objects.get(pk=stream.pk).status == Stream.Status.LIVE,
        timeout=30,
    )

    # HLS appears under the public id, never under the key.
    playlist = nginx.hls_root / public_id / "index.m3u8"
    wait_for(
        "an HLS playlist with a segment",
        lambda: playlist.exists() and ".ts" in playlist.read_text(),
        timeout=30,
        diagnose=lambda: f"{nginx.diagnose()} push errors: {push_errors!r}",
    )
    assert not any(key in name for name in names_under(nginx.hls_root))

    # Anyone with the link (unlisted) finds `hls_url` on the stream: signed in a folder
    # before the public id. The playlist names its segments relatively, so the player
    # fetches them under the same signed folder.
    status, body = http_get(f"{platform.url}/api/v1/live/streams/{stream.pk}/")
    assert status == 200, body
    hls_url = json.loads(body)["hls_url"]
    assert key not in hls_url
    hls = f"http://127.0.0.1:{nginx.http_port}/hls"
    signed = re.fullmatch(rf"{hls}/([0-9]+\.[0-9a-f]{{64}})/{public_id}/index\.m3u8", hls_url)
    assert signed, hls_url
    status, body = http_get(hls_url)
    assert status == 200, body
    segment = next(line for line in body.decode().splitlines() if line.endswith(".ts"))
    segment_url = urljoin(hls_url, segment)
    assert segment_url == f"{hls}/{signed[1]}/{public_id}/{segment}"
    status, body = http_get(segment_url)
    assert status == 200
    assert len(body) > 188 and body[0] == 0x47  # MPEG-TS packets

    # Without the signature, or through a public stream's folder, nginx refuses.
    assert http_get(f"{hls}/{public_id}/{segment}")[0] == 403
    assert http_get(f"{hls}/{public_id}/index.m3u8")[0] == 403
    assert http_get(f"{hls}/{open_id}/..%2F{public_id}/{segment}")[0] == 403
    forged = signed[1][:-1] + ("1" if signed[1].endswith("0") else "0")  # one digit off
    assert http_get(f"{hls}/{forged}/{public_id}/{segment}")[0] == 403

    # Made public, the stream plays unsigned.
    Stream.objects.filter(pk=stream.pk).update(visibility=Stream.Visibility.PUBLIC)
    status, body = http_get(f"{platform.url}/api/v1/live/streams/{stream.pk}/")
    assert status == 200, body
    assert json.loads(body)["hls_url"] == f"{hls}/{public_id}/index.m3u8"
    status, body = http_get(f"{hls}/{public_id}/{segment}")
    assert status == 200
    assert body[0] == 0x47

    # The encoder stops: the broadcast ends with publisher_stopped.
    pusher.join(timeout=PUSH_SECONDS + 30)
    assert not pusher.is_alive()
    assert push_errors == []
    session = wait_for(
        "the session to end",
        lambda: StreamSession.objects.filter(stream=stream, ended_at__isnull=False).first(),
        timeout=30,
    )
    assert session.end_reason == StreamSession.EndReason.PUBLISHER_STOPPED
    assert Stream.objects.get(pk=stream.pk).status == Stream.Status.IDLE

    # The recording becomes the session's ready replay video.
    def replay_ready() -> Video | None:
        video = StreamSession.objects.get(pk=session.pk).replay_video
        return video if video and video.status != Video.Status.PROCESSING else None

    video = wait_for("the replay to be processed", replay_ready)
    assert (video.status, video.owner_id, video.title) == ("ready", owner.pk, "Live from OBS")
    assert video.hls_playlist and video.thumbnail.name
    assert video.duration_seconds == pytest.approx(PUSH_SECONDS, abs=1.5)
    recording = StreamRecording.objects.get(video=video)
    recording_path = Path(recording.path)
    assert recording_path.parent == platform.recordings_root.resolve()
    assert recording_path.name.startswith(public_id) and recording_path.suffix == ".flv"
    assert not recording_path.exists()  # moved into the storage

    # A wrong key's push is refused: no broadcast, no HLS.
    refused: list[BaseException] = []
    try:
        push(nginx.rtmp_url("not-a-stream-key"), seconds=2)
    except (av.FFmpegError, OSError) as error:
        refused.append(error)
    assert refused, "nginx took a push with a wrong key"
    assert StreamSession.objects.filter(stream=stream).count() == 1
    assert not any("not-a-stream-key" in name for name in names_under(nginx.hls_root))
