"""`manage.py seed_demo`: every kind of account, video and interaction, deterministic,
safe to run twice, and consistent counters in bulk mode."""

import re
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from devtools import demo
from devtools.demo import DEMO_PASSWORD
from notifications.models import Notification
from payments.models import (
    CreatorTier,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Subscription,
    Tip,
    TopUp,
    WebhookEvent,
)
from social.models import Bookmark, Comment, Follow, VideoLike
from tests.videos.factories import VideoFactory
from videos.models import Category, Video, VideoActivity
from videos.services.trending import trending_compute

pytestmark = pytest.mark.django_db

SMALL = ["--users", "8", "--videos", "4", "--media-videos", "0"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed(*args: str) -> str:
    """Run the command; returns what it printed to stdout."""
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict:
    """What the seed decides, by natural keys (primary keys are random)."""
    return {
        "users": sorted(User.objects.values_list("username", "display_name", "role", "status")),
        "videos": sorted(
            (video.metadata.get("demo_key", ""), video.title, video.owner.username)
            for video in Video.objects.select_related("owner")
        ),
        "follows": sorted(
            Follow.objects.values_list("follower__username", "followed__username", "status")
        ),
        "likes": sorted(VideoLike.objects.values_list("user__username", "video__title")),
        "comments": sorted(Comment.objects.values_list("author__username", "text")),
        "tips": sorted(Tip.objects.values_list("sender__username", "amount", "message")),
        "subscriptions": sorted(
            Subscription.objects.values_list("subscriber__username", "tier__name", "status")
        ),
    }


def assert_counters_consistent() -> None:
    for user in User.objects.annotate(
        accepted_followers=Count(
            "follower_set", filter=Q(follower_set__status="accepted"), distinct=True
        ),
        accepted_following=Count(
            "following_set", filter=Q(following_set__status="accepted"), distinct=True
        ),
        owned_videos=Count("videos", distinct=True),
    ):
        assert (user.follower_count, user.following_count, user.video_count) == (
            user.accepted_followers,
            user.accepted_following,
            user.owned_videos,
        ), user.username
    for video in Video.objects.annotate(likers=Count("likes")):
        assert video.like_count == video.likers, video.title


def test_a_small_run_has_every_kind_of_thing_and_a_second_run_adds_nothing():
    output = seed("--users", "8", "--videos", "5", "--media-videos", "1")

    users = User.objects.all()
    assert sorted(users.values_list("username", flat=True)) == [
        "demo_admin",
        *(f"demo_u000{n}" for n in range(1, 9)),
        "demo_user",
    ]
    assert set(users.values_list("role", flat=True)) == set(User.Role.values)
    assert set(users.values_list("status", flat=True)) == set(User.Status.values)
    assert set(users.values_list("is_private", flat=True)) == {True, False}
    admin = User.objects.get(username="demo_admin")
    assert (admin.role, admin.status, admin.is_staff, admin.is_superuser) == (
        "admin",
        "active",
        True,
        True,
    )
    assert admin.check_password(DEMO_PASSWORD)
    demo_user = User.objects.get(username="demo_user")
    assert (demo_user.role, demo_user.status) == ("creator", "active")
    assert demo_user.check_password(DEMO_PASSWORD)

    videos = Video.objects.all()
    assert videos.count() == 5
    assert set(videos.values_list("visibility", flat=True)) == set(Video.Visibility.values)
    assert set(videos.values_list("status", flat=True)) == {"ready"}
    media = Video.objects.exclude(hls_playlist="").get()
    assert media.owner == demo_user
    assert default_storage.exists(media.thumbnail.name)
    assert default_storage.exists(media.hls_playlist)

    assert set(Follow.objects.values_list("status", flat=True)) == {"accepted", "pending"}
    assert VideoLike.objects.exists()
    assert Bookmark.objects.exists()
    assert Comment.objects.filter(parent__isnull=True).exists()
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert {"new_follower", "follow_request", "follow_accepted", "video_comment"} <= set(
        Notification.objects.values_list("type", flat=True)
    )
    assert_counters_consistent()
    # Payments: coins bought through the sandbox's signed webhooks, tips, subscriptions.
    assert sorted(CreatorTier.objects.values_list("creator__username", "name")) == [
        ("demo_user", "Superfan"),
        ("demo_user", "Supporter"),
    ]
    assert TopUp.objects.exists()
    assert set(TopUp.objects.values_list("status", flat=True)) == {"paid"}
    assert WebhookEvent.objects.count() == TopUp.objects.count()
    assert set(Tip.objects.values_list("recipient__username", flat=True)) == {"demo_user"}
    assert Subscription.objects.filter(status="active").exists()
    call_command("ledger_check", verbosity=0)
    assert "Created in" in output
    assert "sign in" in output.lower()

    before = snapshot()
    notifications = Notification.objects.count()
    again = seed("--users", "8", "--videos", "5", "--media-videos", "1")

    assert again.startswith("Nothing to add: the demo data for these arguments is already there")
    assert snapshot() == before
    assert Notification.objects.count() == notifications


def test_the_output_says_how_to_sign_in():
    output = seed(*SMALL)

    assert "password for every demo account: demo-password-123" in output
    assert "admin site: http://127.0.0.1:8000/admin/  as demo_admin" in output
    assert (
        "curl -X POST http://127.0.0.1:8000/api/v1/auth/login/ "
        "-H 'Content-Type: application/json' "
        '-d \'{"username": "demo_user", "password": "demo-password-123"}\''
    ) in output


def wipe() -> None:
    """A fresh start: everything demo hangs off the users, but money history is kept
    from deletion (protected foreign keys; ledger entries refuse to go), so the payments
    rows go first, the entries by a raw delete only a test may do."""
    LedgerEntry.objects.all()._raw_delete(LedgerEntry.objects.db)
    for model in (Tip, Subscription, CreatorTier, TopUp, WebhookEvent, LedgerTransaction):
        model.objects.all().delete()
    LedgerAccount.objects.all().delete()
    User.objects.all().delete()


def test_the_same_seed_builds_the_same_data_and_another_seed_does_not():
    seed(*SMALL, "--seed", "7")
    first = snapshot()
    wipe()

    seed(*SMALL, "--seed", "7")
    assert snapshot() == first

    wipe()
    seed(*SMALL, "--seed", "8")
    other = snapshot()
    assert [row[0] for row in other["users"]] == [row[0] for row in first["users"]]
    assert other["videos"] != first["videos"]


def test_bulk_mode_inserts_the_volume_with_consistent_counters(monkeypatch):
    # The seed's clock stands still, so trending below scores as of the same moment
    # (a run that crossed an hour's end saw the oldest buckets leave the window).
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    output = seed("--users", "30", "--videos", "300", "--media-videos", "0", "--bulk")

    assert User.objects.filter(username__startswith="demo_").count() == 32
    assert Video.objects.count() == 300
    assert Video.objects.filter(status="ready").count() == 300
    assert Video.objects.filter(visibility="public").count() > 200
    assert VideoLike.objects.count() > 0
    assert Follow.objects.filter(follower__username="demo_user").count() > 10
    assert_counters_consistent()
    assert "videos (bulk)" in output

    # One activity bucket per bulk video by default, and the scores trending gives.
    bulk = Video.objects.exclude(metadata__has_key="demo_key")
    assert VideoActivity.objects.filter(video__in=bulk).count() == 288
    assert bulk.filter(visibility="public").exclude(trending_score=0).count() == (
        bulk.filter(visibility="public").count()
    )
    assert trending_compute(now=moment).reset == 0

    likes, buckets = VideoLike.objects.count(), VideoActivity.objects.count()
    again = seed("--users", "30", "--videos", "300", "--media-videos", "0", "--bulk")

    assert again.startswith("Nothing to add")
    assert (Video.objects.count(), VideoLike.objects.count()) == (300, likes)
    assert VideoActivity.objects.count() == buckets
    assert_counters_consistent()


def test_bulk_activity_rows_are_spread_over_the_window_and_the_same_for_a_seed():
    args = ["--users", "20", "--videos", "212", "--media-videos", "0", "--bulk"]
    output = seed(*args, "--activity-rows", "1000")

    bulk = VideoActivity.objects.exclude(video__metadata__has_key="demo_key")
    assert re.search(r"^  activity buckets \(bulk\) +(\d[\d,]*)$", output, re.MULTILINE)
    assert 900 <= bulk.count() <= 1100  # five a video on average
    assert {row["n"] for row in bulk.values("video").annotate(n=Count("pk"))} <= set(range(1, 49))
    first = sorted(bulk.values_list("video__title", "views", "likes"))
    wipe()
    seed(*args, "--activity-rows", "1000")
    assert sorted(bulk.values_list("video__title", "views", "likes")) == first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users", "-1"], "--users must be 0 or more."),
        (["--videos", "-3"], "--videos must be 0 or more."),
        (["--seed", "-1"], "--seed must be 0 or more."),
        (["--videos", "2", "--media-videos", "3"], "--media-videos cannot be more than --videos."),
        (["--videos", "many"], "argument --videos: invalid int value: 'many'"),
        (["--activity-rows", "-5"], "--activity-rows must be 0 or more."),
    ],
)
def test_bad_arguments_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)
    assert not User.objects.exists()


def test_the_announced_user_count_is_the_one_reported():
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *SMALL, stdout=out, stderr=err)

    assert err.getvalue().startswith(
        "Seeding 10 users (8 generated, demo_admin and demo_user) and 4 videos with the "
        "services (seed 1)."
    )
    assert re.search(r"^  users +10$", out.getvalue(), re.MULTILINE)
    assert User.objects.count() == 10


def test_the_demo_uses_the_platform_s_categories_and_adds_none():
    before = sorted(Category.objects.values_list("slug", "name"))

    output = seed(*SMALL)

    assert "categories" not in output
    assert sorted(Category.objects.values_list("slug", "name")) == before
    names = [name.casefold() for name in Category.objects.values_list("name", flat=True)]
    assert len({name.removesuffix("s") for name in names}) == len(names)  # no Sport and Sports
    used = set(Video.objects.values_list("category__slug", flat=True))
    assert used <= {slug for slug, _ in before}


def _indexes() -> dict[str, list]:
    """Each bulk table's indexes as the database states them."""
    tables = [model._meta.db_table for model in (Video, VideoLike, VideoActivity)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes ORDER BY 1, 2")
        else:
            cursor.execute(
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' ORDER BY 1, 2"
            )
        rows = cursor.fetchall()
    return {table: [row[1:] for row in rows if row[0] == table] for table in tables}


def test_a_large_bulk_load_builds_the_indexes_after_it(monkeypatch):
    """Above `BULK_INDEXES_AFTER_VIDEOS` (here 100), the videos, likes and buckets go
    in without their secondary indexes, and the same ones are built again."""
    monkeypatch.setattr(demo, "BULK_INDEXES_AFTER_VIDEOS", 100)
    before = _indexes()
    seen_inside = []
    real_videos = demo._Bulk._videos

    def videos(bulk):
        seen_inside.append(_indexes())
        real_videos(bulk)

    monkeypatch.setattr(demo._Bulk, "_videos", videos)
    seed("--users", "30", "--videos", "300", "--media-videos", "0", "--bulk")

    assert Video.objects.count() == 300
    assert_counters_consistent()
    assert _indexes() == before
    # Only the primary keys and the unique indexes stay during the load (SQLite's own
    # index of a unique column has no SQL).
    assert all(
        definition is None or "UNIQUE" in definition
        for indexes in seen_inside[0].values()
        for _, definition in indexes
    )
    assert sum(len(indexes) for indexes in before.values()) > 20


def test_a_failed_load_leaves_the_indexes_as_they_were():
    before = _indexes()
    with pytest.raises(RuntimeError), demo.indexes_built_after(Video, VideoLike, VideoActivity):
        VideoFactory()
        raise RuntimeError("the load failed")
    assert _indexes() == before
