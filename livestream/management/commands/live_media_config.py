"""`manage.py live_media_config nginx|mediamtx`: print a complete, working sample
configuration for the media server, its callbacks pointing at this platform's hooks
(with `LIVE_HOOK_SECRET`), HLS under the streams' public ids, and replays recorded into
`LIVE_RECORDINGS_ROOT`; it says on stderr when `LIVE_PLAYBACK_SIGNATURE` does not suit
the server. Save it, read it, adjust it (TLS, hosts), and run the server
with it (see the README's "Live streaming")."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from livestream.media_config import (
    DEBIAN_RTMP_MODULE,
    MediaConfigOptions,
    mediamtx_config,
    nginx_config,
)
from livestream.playback import SIGNATURE_IN_PATH, SIGNATURE_IN_QUERY

SERVERS = {"nginx": nginx_config, "mediamtx": mediamtx_config}
# Where each server's players need the signature of a stream that is not public
# (LIVE_PLAYBACK_SIGNATURE, livestream/playback.py).
PLAYBACK_SIGNATURES = {"nginx": SIGNATURE_IN_PATH, "mediamtx": SIGNATURE_IN_QUERY}


class Command(BaseCommand):
    help = "Print a sample nginx-rtmp or MediaMTX configuration wired to this platform's hooks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("server", choices=sorted(SERVERS), help="The media server.")
        parser.add_argument(
            "--api-url",
            default="http://127.0.0.1:8000",
            help="Where the media server reaches this platform (default: %(default)s).",
        )
        parser.add_argument(
            "--rtmp-port", type=int, default=1935, help="RTMP port (default: %(default)s)."
        )
        parser.add_argument(
            "--http-port", type=int, default=8080, help="HLS port (default: %(default)s)."
        )
        parser.add_argument(
            "--hls-root",
            type=Path,
            default=Path("/var/lib/live/hls"),
            help="nginx: where HLS is written (default: %(default)s).",
        )
        parser.add_argument(
            "--recordings-root",
            type=Path,
            default=None,
            help="Where recordings are written (default: LIVE_RECORDINGS_ROOT).",
        )
        parser.add_argument(
            "--no-replays", action="store_true", help="Record nothing (no replays)."
        )
        parser.add_argument(
            "--no-playback-auth",
            action="store_true",
            help="nginx: serve HLS without asking the platform (every stream public).",
        )
        parser.add_argument(
            "--rtmp-module",
            default=DEBIAN_RTMP_MODULE,
            help="nginx: the RTMP module to load, or '' when nginx loads it already "
            "(default: %(default)s, Debian's libnginx-mod-rtmp).",
        )
        parser.add_argument(
            "--api-port",
            type=int,
            default=9997,
            help="MediaMTX: its control API's port, on loopback (default: %(default)s).",
        )
        parser.add_argument(
            "--user",
            default="www-data",
            help="nginx: the user its workers run as, who must be able to write the HLS "
            "and recordings folders, or '' for nginx's default (default: %(default)s).",
        )
        parser.add_argument(
            "--runtime-dir",
            type=Path,
            default=None,
            help="nginx: put the pid file, logs and temporary files here (to run nginx "
            "as any user); default: the system's.",
        )

    def handle(self, *args, server: str, **options) -> None:
        if not settings.LIVE_HOOK_SECRET:
            raise CommandError(
                "Set LIVE_HOOK_SECRET first: the hooks refuse every call without it."
            )
        recordings_root = options["recordings_root"] or Path(settings.LIVE_RECORDINGS_ROOT)
        paths = {
            "hls_root": options["hls_root"],
            "recordings_root": recordings_root,
            "runtime_dir": options["runtime_dir"],
        }
        for name, path in paths.items():
            if path is not None and not path.is_absolute():
                raise CommandError(f"--{name.replace('_', '-')} must be an absolute path.")
        config = SERVERS[server](
            MediaConfigOptions(
                api_url=options["api_url"],
                secret=settings.LIVE_HOOK_SECRET,
                rtmp_port=options["rtmp_port"],
                http_port=options["http_port"],
                replays=not options["no_replays"],
                playback_auth=not options["no_playback_auth"],
                rtmp_module=options["rtmp_module"],
                user=options["user"],
                mediamtx_api_port=options["api_port"],
                **paths,
            )
        )
        self.stdout.write(config, ending="")
        signature = PLAYBACK_SIGNATURES[server]
        if signature != settings.LIVE_PLAYBACK_SIGNATURE:
            self.stderr.write(
                f"Set LIVE_PLAYBACK_SIGNATURE={signature} for {server} (it is "
                f"{settings.LIVE_PLAYBACK_SIGNATURE}): otherwise the signed hls_url of a "
                "stream that is not public does not play."
            )
