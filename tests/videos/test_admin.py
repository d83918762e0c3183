"""The Django admin for videos, categories, counted views and watch history."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.videos.factories import CategoryFactory, VideoFactory
from videos.models import Category, Video, VideoView, WatchHistoryEntry
from videos.services.watching import video_view_record, video_viewer_key
from videos.signed_urls import video_file_url
from videos.tasks import video_process_task

pytestmark = pytest.mark.django_db

VIDEOS = "/admin/videos/video/"
CATEGORIES = "/admin/videos/category/"
VIEWS = "/admin/videos/videoview/"
HISTORY = "/admin/videos/watchhistoryentry/"
V = Video.Visibility


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def titles(response) -> list[str]:
    assert response.status_code == 200
    return sorted(video.title for video in response.context["cl"].result_list)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(client: Client, action: str, videos: list[Video], **extra):
    return client.post(
        VIDEOS,
        {"action": action, "_selected_action": [str(video.pk) for video in videos], **extra},
        follow=True,
    )


def with_thumbnail(video: Video) -> Video:
    video.thumbnail.name = f"{video.media_folder}/thumbnail.jpg"
    video.save(update_fields=["thumbnail"])
    return video


def store_files(media_root: Path, video: Video) -> list[Path]:
    folder = media_root / video.media_folder
    (folder / "hls").mkdir(parents=True)
    paths = [folder / "source.mp4", folder / "thumbnail.jpg", folder / "hls" / "master.m3u8"]
    for path in paths:
        path.write_bytes(b"x")
    return paths


def count_a_view(video: Video, user: User) -> None:
    video_view_record(
        video=video, viewer_key=video_viewer_key(user=user), user=user, watched_seconds=15
    )


# -- the video list ----------------------------------------------------------------------


def test_only_staff_reach_the_video_admin():
    client = Client()
    client.force_login(UserFactory())
    response = client.get(VIDEOS)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_video_list_shows_its_columns_and_thumbnails(admin_client):
    music = CategoryFactory(slug="music", name="Music")
    video = with_thumbnail(
        VideoFactory(title="Night jazz", owner=UserFactory(username="ada"), category=music)
    )
    VideoFactory(title="No thumbnail yet")

    response = admin_client.get(VIDEOS)

    assert titles(response) == ["Night jazz", "No thumbnail yet"]
    html = response.content.decode()
    for header in (
        "Title",
        "Owner",
        "Status",
        "Visibility",
        "Category",
        "View count",
        "Published at",
        "Thumbnail",
    ):
        assert f">{header}<" in html
    assert f'<img src="/media/{video.media_folder}/thumbnail.jpg"' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "failed"}, ["failed"]),
        ({"visibility__exact": "private"}, ["private"]),
        ({"category__id__exact": "CATEGORY"}, ["music"]),
        ({"status__exact": "ready", "visibility__exact": "public"}, ["music", "public"]),
    ],
)
def test_the_video_list_is_filtered_by_status_visibility_and_category(
    admin_client, params, expected
):
    music = CategoryFactory(slug="music", name="Music")
    VideoFactory(title="public")
    VideoFactory(title="private", visibility=V.PRIVATE)
    VideoFactory(title="failed", status=Video.Status.FAILED, published_at=None)
    VideoFactory(title="music", category=music)
    params = {
        name: str(music.pk) if value == "CATEGORY" else value for name, value in params.items()
    }

    assert titles(admin_client.get(VIDEOS, params)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jazz", ["Late jazz"]),  # part of a title
        ("GRACE", ["Compilers"]),  # the owner's username
        ("cats", ["Kittens"]),  # a tag
        ("#Cats", ["Kittens"]),
        ("nothing-matches", []),
    ],
)
def test_the_video_list_is_searched_by_title_owner_and_tag(admin_client, query, expected):
    VideoFactory(title="Late jazz")
    VideoFactory(title="Compilers", owner=UserFactory(username="grace"))
    VideoFactory(title="Kittens", tags=["cats", "pets"])

    assert titles(admin_client.get(VIDEOS, {"q": query})) == expected


def test_a_tag_search_keeps_the_list_filters(admin_client):
    VideoFactory(title="Public cats", tags=["cats"])
    VideoFactory(title="Private cats", tags=["cats"], visibility=V.PRIVATE)

    response = admin_client.get(VIDEOS, {"q": "cats", "visibility__exact": "private"})

    assert titles(response) == ["Private cats"]


def test_videos_are_not_added_in_the_admin(admin_client):
    assert admin_client.get(VIDEOS + "add/").status_code == 403


# -- the change page ---------------------------------------------------------------------


def test_the_change_page_previews_the_thumbnail_escaped(admin_client):
    video = with_thumbnail(VideoFactory(title='<script>alert("x")</script>'))

    response = admin_client.get(f"{VIDEOS}{video.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<img src="/media/{video.media_folder}/thumbnail.jpg"' in html
    assert 'alt="Thumbnail of &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in html
    assert '<script>alert("x")' not in html


def test_a_private_videos_preview_uses_a_signed_address(admin_client):
    video = with_thumbnail(VideoFactory(visibility=V.PRIVATE))

    html = admin_client.get(f"{VIDEOS}{video.pk}/change/").content.decode()

    signed = video_file_url(request=None, video=video, name=video.thumbnail.name)
    assert signed.startswith("/media/signed/")
    assert f'<img src="{signed}"' in html


def test_processing_outputs_are_read_only(admin_client):
    video = VideoFactory()

    response = admin_client.get(f"{VIDEOS}{video.pk}/change/")

    form_fields = set(response.context["adminform"].form.fields)
    assert form_fields == {
        "title",
        "description",
        "visibility",
        "tags",
        "category",
        "language",
        "allow_comments",
    }


def test_saving_the_change_page_goes_through_video_update(admin_client):
    video = VideoFactory(title="Old", tags=["old"], view_count=7)
    music = CategoryFactory(slug="music", name="Music")

    response = admin_client.post(
        f"{VIDEOS}{video.pk}/change/",
        {
            "title": "New",
            "description": "Live from the club #Jazz",
            "visibility": "unlisted",
            "tags": "piano",
            "category": str(music.pk),
            "language": "en",
            "allow_comments": "on",
        },
    )

    assert response.status_code == 302
    video.refresh_from_db()
    assert (video.title, video.visibility, video.category_id, video.language) == (
        "New",
        V.UNLISTED,
        music.pk,
        "en",
    )
    assert video.tags == ["piano", "jazz"]  # the description's hashtags join
    assert (video.status, video.view_count) == (Video.Status.READY, 7)


# -- actions -----------------------------------------------------------------------------


def test_reprocess_queues_the_processing_task_for_each_video_after_commit(
    admin_client, django_capture_on_commit_callbacks, media_root
):
    first, second = video_with_a_source(), video_with_a_source(status=Video.Status.FAILED)
    VideoFactory(title="not selected")

    with django_capture_on_commit_callbacks() as callbacks:
        response = run_action(admin_client, "reprocess", [first, second])

    assert messages_of(response) == [("success", "Queued processing of 2 video(s).")]
    queued = sorted((callback.func, callback.args) for callback in callbacks)
    assert queued == sorted(
        [
            (video_process_task.delay, (str(first.pk),)),
            (video_process_task.delay, (str(second.pk),)),
        ]
    )


def test_reprocess_skips_ready_videos_whose_source_is_missing(
    admin_client, django_capture_on_commit_callbacks, media_root
):
    whole = video_with_a_source()
    missing = VideoFactory()  # ready, its source file not in the storage
    never_ready = VideoFactory(status=Video.Status.FAILED)  # fails again, with a reason

    with django_capture_on_commit_callbacks() as callbacks:
        response = run_action(admin_client, "reprocess", [whole, missing, never_ready])

    assert messages_of(response) == [
        ("success", "Queued processing of 2 video(s)."),
        ("warning", "Skipped 1 ready video(s) whose source file is missing: they stay ready."),
    ]
    assert sorted(callback.args for callback in callbacks) == sorted(
        [(str(whole.pk),), (str(never_ready.pk),)]
    )
    missing.refresh_from_db()
    assert missing.status == Video.Status.READY


def video_with_a_source(**fields) -> Video:
    """A video whose source file is in the storage (its bytes are not a video: only
    queueing is looked at here)."""
    video = VideoFactory(**fields)
    default_storage.save(video.source_file.name, ContentFile(b"source"))
    return video


def test_hide_makes_the_videos_private(admin_client):
    public = VideoFactory(title="public")
    unlisted = VideoFactory(title="unlisted", visibility=V.UNLISTED)
    private = VideoFactory(title="private", visibility=V.PRIVATE)
    other = VideoFactory(title="other")

    response = run_action(admin_client, "hide", [public, unlisted, private])

    assert messages_of(response) == [("success", "Made 2 video(s) private.")]
    assert dict(Video.objects.values_list("title", "visibility")) == {
        "public": V.PRIVATE,
        "unlisted": V.PRIVATE,
        "private": V.PRIVATE,
        "other": V.PUBLIC,
    }
    assert other.visibility == V.PUBLIC


def test_delete_asks_for_confirmation_first(admin_client):
    video = VideoFactory()
    count_a_view(video, UserFactory())

    response = run_action(admin_client, "delete_selected", [video])

    assert response.status_code == 200
    assert "admin/delete_selected_confirmation.html" in [t.name for t in response.templates]
    assert response.context["perms_lacking"] == set()  # counted views go with the video
    assert Video.objects.filter(pk=video.pk).exists()


def test_delete_removes_rows_files_and_the_owners_count(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    ada = UserFactory(username="ada", video_count=2)
    doomed, kept = VideoFactory(owner=ada), VideoFactory(owner=ada)
    doomed_files, kept_files = store_files(media_root, doomed), store_files(media_root, kept)
    viewer = UserFactory()
    count_a_view(doomed, viewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, "delete_selected", [doomed], post="yes")

    assert messages_of(response) == [("success", "Successfully deleted 1 video.")]
    assert list(Video.objects.values_list("pk", flat=True)) == [kept.pk]
    assert User.objects.get(pk=ada.pk).video_count == 1
    assert (VideoView.objects.count(), WatchHistoryEntry.objects.count()) == (0, 0)
    assert [path.exists() for path in doomed_files] == [False, False, False]
    assert [path.exists() for path in kept_files] == [True, True, True]


def test_the_change_pages_delete_button_deletes_through_the_service(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    ada = UserFactory(video_count=1)
    video = VideoFactory(owner=ada)
    files = store_files(media_root, video)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{VIDEOS}{video.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Video.objects.exists()
    assert User.objects.get(pk=ada.pk).video_count == 0
    assert [path.exists() for path in files] == [False, False, False]


# -- categories --------------------------------------------------------------------------


def test_categories_are_listed_by_position_with_a_prepopulated_slug(admin_client):
    Category.objects.all().delete()  # the seeded ones
    CategoryFactory(slug="zebra", name="Zebra", position=1)
    CategoryFactory(slug="art", name="Art", position=2)
    CategoryFactory(slug="news", name="News", position=0)

    response = admin_client.get(CATEGORIES)
    add_page = admin_client.get(CATEGORIES + "add/")

    assert [category.slug for category in response.context["cl"].result_list] == [
        "news",
        "zebra",
        "art",
    ]
    prepopulated = add_page.context["adminform"].prepopulated_fields
    assert [(p["field"].name, [d.name for d in p["dependencies"]]) for p in prepopulated] == [
        ("slug", ["name"])
    ]


def test_a_category_is_added_in_the_admin(admin_client):
    response = admin_client.post(
        CATEGORIES + "add/", {"name": "Cooking", "slug": "cooking", "position": "5"}
    )

    assert response.status_code == 302
    assert Category.objects.filter(slug="cooking", name="Cooking", position=5).exists()


# -- counted views and watch history -----------------------------------------------------


@pytest.mark.parametrize("url", [VIEWS, HISTORY])
def test_counted_views_and_history_are_read_only_records(admin_client, url):
    video = VideoFactory(title="Watched")
    count_a_view(video, UserFactory(username="viewer"))

    listing = admin_client.get(url)
    assert listing.status_code == 200
    [row] = listing.context["cl"].result_list
    assert admin_client.get(f"{url}{row.pk}/change/").status_code == 200  # view only
    assert admin_client.get(url + "add/").status_code == 403
    assert admin_client.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(url, {"q": "viewer"}).context["cl"].result_count == 1
