"""Staff in a real browser: the admin's sign-in, user search and suspend action, whose
effect reaches the API (the suspended user's token stops working), and a video's
change page showing its thumbnail, fetched from the app's own media serving."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from accounts.models import User
from accounts.services.sessions import ClientInfo, session_start
from tests.accounts.factories import AdminFactory, UserFactory
from tests.browser.helpers import admin_sign_in, api_get_status
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THUMBNAIL_SIZE = (64, 36)
CACHE_CONTROL = {"plain": "public", "signed": "private"}


def test_staff_suspend_a_user_found_by_email_and_their_token_stops_working(
    page, network, live_server
):
    staff = AdminFactory(username="boss", email="boss@example.com")
    target = UserFactory(username="troublemaker", email="trouble@example.com")
    UserFactory(username="bystander", email="bystander@example.com")
    _, tokens = session_start(user=target, client=ClientInfo(ip_address="203.0.113.7"))
    me = f"{live_server.url}/api/v1/users/me/"
    assert api_get_status(me, access_token=tokens.access_token) == 200

    admin_sign_in(page, staff)
    page.goto("/admin/accounts/user/")
    page.fill("#searchbar", "trouble@example.com")
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert rows.first.locator("th a").inner_text() == "troublemaker"
    rows.first.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "suspend")
    page.click("button[name=index]")

    assert page.locator(".messagelist .success").inner_text() == "Suspended 1 user(s)."
    target.refresh_from_db()
    assert target.status == User.Status.SUSPENDED
    assert api_get_status(me, access_token=tokens.access_token) == 401
    assert f"{live_server.url}/static/admin/css/base.css" in network.requested
    assert network.problems == []


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", THUMBNAIL_SIZE, (70, 110, 230)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    """The storage in this test's own folder, served by the app itself; the live server
    runs in this process, so it sees the same settings."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    ("visibility", "url_kind"),
    [(Video.Visibility.PUBLIC, "plain"), (Video.Visibility.PRIVATE, "signed")],
)
def test_a_videos_admin_page_shows_its_thumbnail(
    page, network, live_server, media_root, visibility, url_kind
):
    video = VideoFactory(title="Harbour at dusk", visibility=visibility)
    name = default_storage.save(f"{video.media_folder}/thumbnail.jpg", ContentFile(jpeg_bytes()))
    video.thumbnail = name
    video.save(update_fields=["thumbnail"])

    admin_sign_in(page, AdminFactory())
    with page.expect_response(lambda response: "/thumbnail.jpg" in response.url) as served:
        page.goto(f"/admin/videos/video/{video.pk}/change/")
        preview = page.locator(
            '.field-thumbnail_page_preview img[alt="Thumbnail of Harbour at dusk"]'
        )
        preview.scroll_into_view_if_needed()  # the preview loads lazily

    preview.evaluate("img => img.decode()")  # settles once the image is decoded, or rejects
    assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == list(THUMBNAIL_SIZE)
    src = preview.get_attribute("src")
    plain = f"/media/{video.media_folder}/thumbnail.jpg"
    assert (src == plain) == (url_kind == "plain")
    assert src.endswith(plain.removeprefix("/media"))
    # The app's media view answered (public files are cached publicly, signed privately).
    response = served.value
    assert (response.url, response.status) == (f"{live_server.url}{src}", 200)
    assert response.headers["cache-control"].startswith(CACHE_CONTROL[url_kind])
    assert network.problems == []
