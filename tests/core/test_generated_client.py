"""A client generated from the schema works: openapi-python-client (offline) builds a
Python package from `/api/schema/`, every module of it imports, and it signs in, reads
the current user and uploads a video against a live server."""

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core.wsgi import get_wsgi_application

from core.tasks import task_runs_detached_wait
from tests.accounts.factories import PASSWORD, UserFactory
from tests.videos.media import make_video
from videos.models import Video

WSGI = get_wsgi_application()

PACKAGE = "generated_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, importable for the module's tests."""
    from drf_spectacular.generators import SchemaGenerator

    root = tmp_path_factory.mktemp("generated")
    schema = root / "schema.json"
    schema.write_text(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    config = root / "config.json"
    # No formatter run over the output. The generator reads `text/*` and binary bodies
    # only: VAST (`application/xml`, ads/vast/) is text to the client, as it is to a
    # player, and the impression pixel (`image/gif`, ads/i/) is bytes.
    overrides = {"application/xml": "text/xml", "image/gif": "application/octet-stream"}
    config.write_text(json.dumps({"post_hooks": [], "content_type_overrides": overrides}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(  # noqa: S603 (our own tool and arguments)
        [
            str(generator),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    yield importlib.import_module(PACKAGE)
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def test_every_module_of_the_generated_client_imports(generated):
    failures = {}
    modules = list(pkgutil.walk_packages(generated.__path__, f"{PACKAGE}."))
    for module in modules:
        try:
            importlib.import_module(module.name)
        except Exception as error:  # each failure is reported below
            failures[module.name] = repr(error)

    assert failures == {}
    operations = [module for module in modules if module.name.startswith(f"{PACKAGE}.api.")]
    schema = json.loads((Path(generated.__path__[0]).parent / "schema.json").read_text())
    operation_ids = {
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    }
    assert {module.name.rsplit(".", 1)[1] for module in operations if not module.ispkg} == (
        operation_ids
    )
    # Error models are shared and named, not numbered (`Attr1`, ...).
    models = {module.name.rsplit(".", 1)[1] for module in modules if ".models." in module.name}
    assert {"validation_error_response", "validation_error", "client_error_response_400"} <= (
        models
    )
    assert [name for name in models if name.startswith("attr")] == []


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_signs_in_reads_itself_and_uploads_a_video(
    generated, settings, tmp_path
):
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.MEDIA_ROOT = tmp_path / "media"
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    client_module = importlib.import_module(f"{PACKAGE}.client")
    for name in ("auth.auth_login", "users.users_me_retrieve", "videos.videos_upload"):
        importlib.import_module(f"{api.__name__}.{name}")
    UserFactory(username="ada", email="ada@example.com")
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0, width=160, height=120)

    # The client's HTTP requests go to the WSGI application in this thread (httpx's WSGI
    # transport): the same requests as over a socket, on the test's own database
    # connection (a live server thread shared SQLite's in-memory one, and crashed it).
    base_url, transport = "http://localhost", {"transport": httpx.WSGITransport(app=WSGI)}
    anonymous = client_module.Client(
        base_url=base_url, httpx_args=transport, raise_on_unexpected_status=True
    )
    signed_in = api.auth.auth_login.sync(
        client=anonymous, body=models.LoginRequest(username="ada", password=PASSWORD)
    )
    assert isinstance(signed_in, models.SignedIn)
    assert signed_in.user.username == "ada"

    client = client_module.AuthenticatedClient(
        base_url=base_url,
        token=signed_in.access_token,
        httpx_args=transport,
        raise_on_unexpected_status=True,
    )
    me = api.users.users_me_retrieve.sync(client=client)
    assert isinstance(me, models.CurrentUser)
    assert (me.username, me.email) == ("ada", "ada@example.com")

    with clip.open("rb") as payload:
        upload = models.VideoUploadRequest(
            title="Through the generated client",
            file=types.File(payload=payload, file_name="clip.mp4", mime_type="video/mp4"),
            tags=["generated", "client"],
        )
        response = api.videos.videos_upload.sync_detailed(client=client, body=upload)
    assert response.status_code == 201, response.content
    video = response.parsed
    assert isinstance(video, models.Video)
    assert (video.title, video.owner.username) == ("Through the generated client", "ada")
    assert sorted(video.tags) == ["client", "generated"]
    # `ready` when processing ran within the request, `processing` when it runs beside it.
    assert video.status.value in {"ready", "processing"}
    # Processing beside the request must be over before the test's database is flushed.
    task_runs_detached_wait()
    assert Video.objects.get(pk=video.id).status == Video.Status.READY
