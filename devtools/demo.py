"""Demo data for `manage.py seed_demo`: a small, realistic platform built with the apps'
own services, plus volume inserted in bulk for benchmarks.

A developer tool in the top layer: it reaches into every domain app, and only its
command imports it.

Everything is keyed by position, so a run is deterministic and safe to repeat: users
are `demo_u0001`, `demo_u0002`, ...; showcase videos carry `metadata["demo_key"]`
(`v0001`, ...); bulk videos have primary keys derived from their position. Each item
is created only when its key is missing, and every choice (names, titles, who follows
whom, who likes what) comes from a random generator seeded with the seed and the
item's key (for bulk videos, the first position of their batch of
`VIDEO_BATCH_SIZE`), so the same seed gives the same data set whatever was created
before.

Bulk videos go in with their likes and their activity buckets (for trending), made as
stored and loaded with PostgreSQL's `COPY` or SQLite's `executemany`, into tables whose
secondary indexes are built after a large load: a million videos in under two minutes
(`bench/RESULTS.md`).
"""

import hashlib
import json
import random
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import psycopg
import psycopg.types.json
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import connection, models, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.services.moderation import user_ban, user_suspend
from accounts.services.profiles import user_delete
from core.database import database_statistics_refresh
from notifications.models import EMAIL_BY_DEFAULT, Notification
from notifications.services import preferences_update
from payments.models import CoinPackage, CreatorTier, TopUp
from payments.services.subscriptions import subscription_create, tier_create
from payments.services.tips import tip_send
from payments.services.top_ups import sandbox_checkout_settle, top_up_create
from social.models import Comment, Follow, VideoLike
from social.services.comments import comment_create, comment_like
from social.services.engagement import video_bookmark, video_like
from social.services.follows import follow_create, follow_request_accept
from videos.models import Category, Video, VideoActivity, media_key_new
from videos.selectors import video_queryset_visible
from videos.services.activity import ACTIVITY_WINDOW, activity_hour
from videos.services.processing import video_process
from videos.services.trending import trending_compute, trending_score
from videos.services.videos import video_upload

DEMO_PASSWORD = "demo-password-123"
ADMIN_USERNAME = "demo_admin"
USER_USERNAME = "demo_user"
USER_PREFIX = "demo_u"  # demo_u0001, demo_u0002, ...
EMAIL_DOMAIN = "example.com"  # reserved (RFC 2606): nothing is ever delivered there

# Above this many videos the command switches to bulk inserts by itself.
BULK_THRESHOLD_VIDEOS = 2000
# In bulk mode, this many users and videos are still made with the services (every
# role, status and visibility, comments, notifications); the rest is inserted in bulk.
SHOWCASE_USERS = 12
SHOWCASE_VIDEOS = 12
BATCH_SIZE = 5000
# Bulk videos go in this many at a time, each batch whole in one transaction (a second
# run skips the batches that are there); their rows come from one generator per batch.
VIDEO_BATCH_SIZE = 20_000
# Bulk videos are published over this long, one after another.
BULK_VIDEOS_SPAN = timedelta(days=365)
# Variants of title, description, tags and language the bulk videos draw from.
BULK_VARIANTS = 4096
# A bulk load of at least this many videos (and at least as many as are there) goes
# into tables without their secondary indexes, built again at the end.
BULK_INDEXES_AFTER_VIDEOS = 100_000
MEDIA_SECONDS, MEDIA_WIDTH, MEDIA_HEIGHT, MEDIA_FPS = 1, 160, 120, 10

Role, Status = User.Role, User.Status
Visibility = Video.Visibility
# The generated users, in order: the first eight cover every role, status and both
# account privacies; after them the cycle repeats (mostly active users and creators).
CAST = [
    (Role.CREATOR, Status.ACTIVE, False),
    (Role.USER, Status.ACTIVE, True),
    (Role.MODERATOR, Status.ACTIVE, False),
    (Role.USER, Status.PENDING, False),
    (Role.USER, Status.SUSPENDED, False),
    (Role.CREATOR, Status.BANNED, False),
    (Role.USER, Status.DEACTIVATED, False),
    (Role.USER, Status.DELETED, False),
]
CAST_CYCLE = [
    (Role.CREATOR, Status.ACTIVE, False),
    (Role.USER, Status.ACTIVE, False),
    (Role.USER, Status.ACTIVE, True),
    (Role.CREATOR, Status.ACTIVE, True),
    (Role.USER, Status.ACTIVE, False),
]
# The first videos take every visibility in turn; later ones are mostly public.
VISIBILITY_ORDER = [
    Visibility.PUBLIC,
    Visibility.UNLISTED,
    Visibility.FOLLOWERS,
    Visibility.PRIVATE,
    Visibility.SUBSCRIBERS,
]
VISIBILITY_WEIGHTS = {
    Visibility.PUBLIC: 83,
    Visibility.UNLISTED: 5,
    Visibility.FOLLOWERS: 5,
    Visibility.PRIVATE: 5,
    Visibility.SUBSCRIBERS: 2,
}
# Payments: demo_user's tiers, and what the first fans do (see `_Showcase._payments`).
DEMO_TIERS = [
    ("Supporter", 100, ["Supporter badge", "Early access to new videos"]),
    ("Superfan", 500, ["Everything in Supporter", "Subscribers-only videos", "Monthly Q&A"]),
]
DEMO_FANS = 4
DEMO_TIP_AMOUNTS = (10, 25, 50, 100)
DEMO_TIP_MESSAGES = ("Love your videos!", "Thanks for the tutorial", "Keep it up", "")
# Demo videos go in these of the categories every platform starts with (the migration
# `videos/0002_seed_categories`, same slugs and names): the demo adds none of its own,
# so there is no "Sport" beside "Sports". Made again only if staff deleted them.
CATEGORIES = [
    ("music", "Music"),
    ("travel-events", "Travel & Events"),
    ("howto-style", "Howto & Style"),
    ("gaming", "Gaming"),
    ("sports", "Sports"),
    ("science-technology", "Science & Technology"),
]
FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kai",
    "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar",
    "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Brandt", "Chen", "Diallo", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov",
    "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz",
)  # fmt: skip
TITLE_OPENERS = (
    "How I", "Ten minutes of", "Why nobody talks about", "A quiet morning of", "First try at",
    "The secret to", "Behind the scenes:", "Live from", "Tiny guide to", "Rainy day",
)  # fmt: skip
TITLE_SUBJECTS = (
    "street food in Lisbon", "sourdough at home", "a 5 km run", "city cycling",
    "film photography", "speedrunning Celeste", "synth jams", "tide pools",
    "bouldering", "urban sketching", "night markets", "ramen from scratch",
    "the northern lights", "a tiny apartment", "coffee roasting", "chess openings",
)  # fmt: skip
TAGS = (
    "food", "travel", "music", "diy", "fitness", "gaming", "art", "science", "nature",
    "city", "howto", "vlog", "cooking", "photography", "cycling", "chess", "coffee",
)  # fmt: skip
LANGUAGES = ["en", "en", "en", "es", "fr", "de", "pt", "ja"]
COMMENTS = (
    "This made my day!", "Where was this filmed?", "Saving this for the weekend.",
    "The light in this one is unreal.", "Tried it, it works.", "More of this please.",
    "I did not expect that ending.", "What camera do you use?",
)  # fmt: skip
REPLIES = (
    "Thank you!", "Same question here.", "Agreed, completely.", "Right? 😄",
    "Good point.", "Lisbon, I think.",
)  # fmt: skip


@dataclass(frozen=True)
class DemoPlan:
    """What to build: `users` generated accounts (besides `demo_admin` and
    `demo_user`), `videos` videos, `media_videos` of them with real media."""

    users: int
    videos: int
    seed: int
    bulk: bool
    media_videos: int
    # Activity buckets (views and likes per video per hour, for trending) of the bulk
    # videos, over the last 48 hours; None: one per bulk video.
    activity_rows: int | None = None

    @property
    def showcase_users(self) -> int:
        return min(self.users, SHOWCASE_USERS) if self.bulk else self.users

    @property
    def showcase_videos(self) -> int:
        return min(self.videos, SHOWCASE_VIDEOS) if self.bulk else self.videos


@dataclass
class DemoReport:
    """What a run created, by kind, in the order it was created."""

    created: Counter = field(default_factory=Counter)
    queued_for_processing: int = 0

    @property
    def is_empty(self) -> bool:
        return not any(self.created.values())


# A progress callback: `progress(stage, done, total)`.
Progress = Callable[[str, int, int], None]


def _rng(seed: int, *key: object) -> random.Random:
    """The generator for one item: seeded by the run's seed and the item's key, so an
    item's choices do not depend on what else was made (a str seed is hashed with
    SHA-512, the same in every process)."""
    return random.Random(":".join(str(part) for part in (seed, *key)))  # noqa: S311 (demo data)


def demo_username(number: int) -> str:
    return f"{USER_PREFIX}{number:04d}"


def demo_email(username: str) -> str:
    return f"{username}@{EMAIL_DOMAIN}"


def demo_display_name(seed: int, username: str) -> str:
    rng = _rng(seed, "name", username)
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def demo_video_title(seed: int, key: str) -> str:
    rng = _rng(seed, "title", key)
    return f"{rng.choice(TITLE_OPENERS)} {rng.choice(TITLE_SUBJECTS)}"


def _cast(number: int) -> tuple[str, str, bool]:
    """(role, final status, is_private) of generated user `number` (from 1)."""
    if number <= len(CAST):
        return CAST[number - 1]
    return CAST_CYCLE[(number - len(CAST) - 1) % len(CAST_CYCLE)]


def _visibility_random(rng: random.Random) -> str:
    return rng.choices(list(VISIBILITY_WEIGHTS), weights=list(VISIBILITY_WEIGHTS.values()))[0]


def _video_visibility(rng: random.Random, number: int) -> str:
    """Showcase video `number` (from 1): every visibility first, then mostly public."""
    if number <= len(VISIBILITY_ORDER):
        return VISIBILITY_ORDER[number - 1]
    return _visibility_random(rng)


def _video_fields(rng: random.Random, seed: int, key: str) -> dict:
    """Title, description, tags, language and duration of a video."""
    tags = rng.sample(TAGS, rng.randint(1, 3))
    return {
        "title": demo_video_title(seed, key),
        "description": f"Filmed for the demo. #{tags[0]}",
        "tags": tags,
        "language": rng.choice(LANGUAGES),
    }


def bulk_video_id(number: int) -> uuid.UUID:
    """The primary key of bulk video `number`: the same in every run, so a second run
    finds it (and inserts nothing). Its first 48 bits are the number, the rest look
    random: keys that grow with the position, like time-ordered UUIDs (version 7),
    so a batch's inserts land together at the end of every index they are in instead
    of all over it (what keeps a million inserts from waiting on the disk)."""
    digest = hashlib.md5(f"demo-video-{number}".encode()).digest()  # noqa: S324
    return uuid.UUID(int=(number << 80) | int.from_bytes(digest[:10]), version=4)


# -- real media -------------------------------------------------------------------------


def demo_video_file_write(path: Path) -> Path:
    """Write a real 1 s, 160x120 H.264 MP4 of scrolling colour bands (no sound), small
    enough to make and process in a fraction of a second."""
    colours = [(230, 60, 60), (60, 200, 90), (70, 110, 230), (240, 210, 60)]
    band = MEDIA_HEIGHT // len(colours)
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=MEDIA_FPS)
        stream.width, stream.height, stream.pix_fmt = MEDIA_WIDTH, MEDIA_HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for index in range(MEDIA_SECONDS * MEDIA_FPS):
            rows = b"".join(
                bytes(colours[((y + index * 2) // band) % len(colours)]) * MEDIA_WIDTH
                for y in range(MEDIA_HEIGHT)
            )
            frame = av.VideoFrame(MEDIA_WIDTH, MEDIA_HEIGHT, "rgb24")
            frame.planes[0].update(rows)
            frame = frame.reformat(format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, MEDIA_FPS)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


# -- the showcase: made with the services ---------------------------------------------


class _Showcase:
    """Builds the showcase part of `plan` with the apps' services."""

    def __init__(self, plan: DemoPlan, report: DemoReport, progress: Progress) -> None:
        self.plan, self.report, self.progress = plan, report, progress
        self.seed = plan.seed
        self.password_hash = make_password(DEMO_PASSWORD)  # one slow hash for every account
        self.now = timezone.now()

    def run(self) -> None:
        self.categories = self._categories()
        self.admin, self.demo_user, self.generated = self._users()
        everyone = [self.admin, self.demo_user, *self.generated]
        # Who acts (follows, likes, comments): accounts that stay active. Staff see
        # every video, so they only follow: their likes could land on private videos.
        self.actors = [self.demo_user] + [
            user
            for number, user in enumerate(self.generated, start=1)
            if _cast(number)[1] == Status.ACTIVE and _cast(number)[0] not in User.STAFF_ROLES
        ]
        self.visible_targets = [
            user
            for user in everyone
            if user.username in (ADMIN_USERNAME, USER_USERNAME)
            or _cast(self._number(user))[1] in (Status.ACTIVE, Status.PENDING)
        ]
        self._emails_off(everyone)
        self._follows()
        self.videos = self._videos()
        self._engagement()
        self._payments()
        self._statuses()
        if self.report.created["videos"]:
            trending_compute()

    @staticmethod
    def _number(user: User) -> int:
        return int(user.username.removeprefix(USER_PREFIX))

    def _categories(self) -> list[Category]:
        categories = []
        for position, (slug, name) in enumerate(CATEGORIES):
            category, created = Category.objects.get_or_create(
                slug=slug, defaults={"name": name, "position": position}
            )
            self.report.created["categories"] += created
            categories.append(category)
        return categories

    def _user_new(self, username: str, **fields) -> User:
        """No service creates an account with a role and a status (`user_register`
        makes `pending` users and emails them), so the row is made directly, with the
        shared demo password."""
        user = User(
            username=username,
            email=demo_email(username),
            password=self.password_hash,
            email_verified=fields.get("status", Status.ACTIVE) == Status.ACTIVE,
            date_joined=self.now
            - timedelta(days=_rng(self.seed, "joined", username).randint(1, 700)),
            **fields,
        )
        user.save(force_insert=True)
        self.report.created["users"] += 1
        return user

    def _users(self) -> tuple[User, User, list[User]]:
        names = [demo_username(n) for n in range(1, self.plan.showcase_users + 1)]
        existing = {
            user.username: user
            for user in User.objects.filter(username__in=[ADMIN_USERNAME, USER_USERNAME, *names])
        }
        admin = existing.get(ADMIN_USERNAME) or self._user_new(
            ADMIN_USERNAME,
            display_name="Demo Admin",
            role=Role.ADMIN,
            status=Status.ACTIVE,
            is_staff=True,
            is_superuser=True,
        )
        demo_user = existing.get(USER_USERNAME) or self._user_new(
            USER_USERNAME,
            display_name="Demo User",
            bio="The demo account: sign in as me.",
            role=Role.CREATOR,
            status=Status.ACTIVE,
        )
        generated = []
        for number, username in enumerate(names, start=1):
            user = existing.get(username)
            if user is None:
                role, status, is_private = _cast(number)
                # Accounts start active (or pending) and reach their final status at
                # the end, through the moderation services, as they would in life.
                user = self._user_new(
                    username,
                    display_name=demo_display_name(self.seed, username),
                    role=role,
                    status=Status.PENDING if status == Status.PENDING else Status.ACTIVE,
                    is_private=is_private,
                )
            generated.append(user)
            self.progress("users", number, len(names))
        return admin, demo_user, generated

    def _emails_off(self, users: Iterable[User]) -> None:
        """Demo addresses are fake: turn off the notification emails so that a demo on
        a real mail server sends nothing (and `make demo` prints no mail)."""
        for user in users:
            if not user.notification_preferences.exists():
                preferences_update(
                    user=user,
                    changes=[{"type": type_, "email": False} for type_ in EMAIL_BY_DEFAULT],
                )

    # -- the graph --

    def _follows(self) -> None:
        """`demo_user` follows everyone (its requests are accepted), `demo_admin` too
        (its requests stay pending, so private accounts have one to answer), every
        other actor a few people at random (requests accepted half the time)."""
        plan: list[tuple[User, User, bool]] = []
        for target in self.visible_targets:
            if target.pk != self.demo_user.pk:
                plan.append((self.demo_user, target, True))
            if target.pk != self.admin.pk:
                plan.append((self.admin, target, False))
        for actor in self.actors[1:]:
            rng = _rng(self.seed, "follows", actor.username)
            others = [user for user in self.visible_targets if user.pk != actor.pk]
            for target in rng.sample(others, min(len(others), rng.randint(2, 6))):
                plan.append((actor, target, rng.random() < 0.5))
        existing = {
            (follower, followed): (pk, status)
            for pk, follower, followed, status in Follow.objects.filter(
                follower__in=[follower.pk for follower, _, _ in plan]
            ).values_list("pk", "follower_id", "followed_id", "status")
        }
        for index, (follower, followed, accept) in enumerate(plan, start=1):
            pk, status = existing.get((follower.pk, followed.pk), (None, None))
            if pk is None:
                follow, created = follow_create(follower=follower, followed=followed)
                if not created:
                    continue
                pk, status = follow.pk, follow.status
                self.report.created[f"follows ({status})"] += 1
            if status == Follow.Status.PENDING and accept:
                follow_request_accept(user=followed, follow_id=pk)
                self.report.created["follow requests accepted"] += 1
            self.progress("follows", index, len(plan))

    # -- videos --

    def _videos(self) -> list[Video]:
        keys = [f"v{n:04d}" for n in range(1, self.plan.showcase_videos + 1)]
        existing = {
            video.metadata["demo_key"]: video
            for video in Video.objects.filter(metadata__demo_key__in=keys).select_related("owner")
        }
        owners = [self.demo_user] + [user for user in self.actors[1:] if user.role == Role.CREATOR]
        videos = []
        media_file = None
        with tempfile.TemporaryDirectory(prefix="seed-demo-") as folder:
            for number, key in enumerate(keys, start=1):
                video = existing.get(key)
                if video is None:
                    rng = _rng(self.seed, "video", key)
                    owner = self.demo_user if number == 1 else rng.choice(owners)
                    fields = {
                        **_video_fields(rng, self.seed, key),
                        "visibility": _video_visibility(rng, number),
                        "category": rng.choice(self.categories),
                        "allow_comments": number == 1 or rng.random() < 0.9,
                    }
                    self.report.created["videos"] += 1
                    if number <= self.plan.media_videos:
                        if media_file is None:
                            media_file = demo_video_file_write(Path(folder) / "demo.mp4")
                        video = self._video_upload(owner, key, fields, media_file)
                    else:
                        video = self._video_insert(owner, key, fields, rng)
                videos.append(video)
                self.progress("videos", number, len(keys))
        return videos

    def _video_upload(self, owner: User, key: str, fields: dict, path: Path) -> Video:
        """A real upload through `video_upload`: processed at once when tasks run
        eagerly inline (thumbnail, HLS), else queued: for the workers, or for this
        process's threads, which finish before the command exits."""
        with path.open("rb") as handle:
            video = video_upload(owner=owner, upload=File(handle, name="demo.mp4"), **fields)
        # The key is what a second run looks for; processing keeps the metadata.
        video.refresh_from_db()
        video.metadata = {**video.metadata, "demo_key": key}
        video.save(update_fields=["metadata", "updated_at"])
        inline = settings.CELERY_TASK_ALWAYS_EAGER and not settings.TASKS_EAGER_RUN_DETACHED
        if video.status != Video.Status.READY and inline:
            # Inside an outer transaction (tests) the queued processing waits for a
            # commit that is not coming: process now (it is idempotent).
            video = video_process(video_id=video.pk)
        self.report.created["videos with media"] += 1
        if video.status != Video.Status.READY:
            self.report.queued_for_processing += 1
        return video

    def _video_insert(self, owner: User, key: str, fields: dict, rng: random.Random) -> Video:
        """A ready video without files. No service makes one (`video_upload` needs a
        file), so the row is inserted and the owner's counter moved as it does."""
        published = self.now - timedelta(minutes=rng.randint(5, 60 * 24 * 30))
        with transaction.atomic():
            video = Video.objects.create(
                owner=owner,
                status=Video.Status.READY,
                duration_seconds=rng.randint(8, 600),
                width=1280,
                height=720,
                view_count=rng.randint(0, 5000),
                published_at=published,
                metadata={"demo_key": key},
                **fields,
            )
            User.objects.filter(pk=owner.pk).update(video_count=F("video_count") + 1)
        video.owner = owner
        return video

    # -- likes, comments, bookmarks --

    def _viewers_by_video(self) -> dict[uuid.UUID, list[User]]:
        """Which actors may see each showcase video, by the one privacy rule."""
        ids = [video.pk for video in self.videos]
        viewers: dict[uuid.UUID, list[User]] = {pk: [] for pk in ids}
        for actor in self.actors:
            for pk in (
                video_queryset_visible(viewer=actor, listed=False)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            ):
                viewers[pk].append(actor)
        return viewers

    def _engagement(self) -> None:
        viewers = self._viewers_by_video()
        for index, video in enumerate(self.videos, start=1):
            rng = _rng(self.seed, "engagement", video.metadata.get("demo_key", video.pk))
            audience = [user for user in viewers[video.pk] if user.pk != video.owner_id]
            if audience and video.status == Video.Status.READY:
                # The first video always has some of everything, however small the run.
                least = 1 if index == 1 else 0
                for user in rng.sample(audience, rng.randint(least, len(audience))):
                    self.report.created["likes"] += video_like(video=video, user=user).created
                for user in rng.sample(audience, max(least, rng.randint(0, len(audience) // 2))):
                    self.report.created["bookmarks"] += video_bookmark(video=video, user=user)
                if video.allow_comments:
                    self._comments(video, audience, rng, first=index == 1)
            self.progress("likes, comments, bookmarks", index, len(self.videos))

    def _payments(self) -> None:
        """`demo_user` sells two tiers; the first active fans buy a coin package through
        the sandbox checkout (the real signed-webhook path), tip `demo_user`, and every
        other one subscribes. A fan who already bought coins is done. With a real
        provider configured nobody buys anything: that would charge real cards."""
        tiers = []
        for name, price, perks in DEMO_TIERS:
            tier = CreatorTier.objects.filter(creator=self.demo_user, name=name).first()
            if tier is None:
                tier = tier_create(creator=self.demo_user, name=name, price=price, perks=perks)
                self.report.created["tiers"] += 1
            tiers.append(tier)
        package = CoinPackage.objects.filter(active=True).order_by("position", "coins").last()
        if settings.PAYMENTS_PROVIDER != "sandbox" or package is None:
            return
        fans = [user for user in self.actors if user.pk != self.demo_user.pk][:DEMO_FANS]
        for index, fan in enumerate(fans):
            if TopUp.objects.filter(user=fan).exists():
                continue
            rng = _rng(self.seed, "payments", fan.username)
            top_up = top_up_create(user=fan, package=package, base_url=settings.FRONTEND_URL)
            sandbox_checkout_settle(checkout_id=top_up.checkout_id, paid=True)
            self.report.created["top-ups"] += 1
            tip_send(
                sender=fan,
                recipient=self.demo_user,
                amount=rng.choice(DEMO_TIP_AMOUNTS),
                message=rng.choice(DEMO_TIP_MESSAGES),
            )
            self.report.created["tips"] += 1
            if index % 2 == 0:
                subscription_create(subscriber=fan, tier=tiers[(index // 2) % len(tiers)])
                self.report.created["subscriptions"] += 1
            self.progress("coins, tips, subscriptions", index + 1, len(fans))

    def _comment(self, *, video: Video, author: User, text: str, parent: Comment | None) -> Comment:
        """The comment with this author and text, posted through `comment_create`
        unless it already is."""
        existing = Comment.objects.filter(video=video, author=author, text=text, parent=parent)
        comment = existing.first()
        if comment is None:
            comment = comment_create(
                author=author, video=video, text=text, parent_id=parent.pk if parent else None
            )
            self.report.created["replies" if parent else "comments"] += 1
        return comment

    def _comments(
        self, video: Video, audience: list[User], rng: random.Random, *, first: bool
    ) -> None:
        """A few comments, some with replies (the owner answers too), some liked, some
        mentioning `demo_user`."""
        owner = video.owner
        for number in range(max(1 if first else 0, rng.randint(0, 3))):
            author = rng.choice(audience)
            text = rng.choice(COMMENTS)
            if rng.random() < 0.3 and author.pk != self.demo_user.pk:
                text = f"{text} @{USER_USERNAME} you have to see this."
            thread = self._comment(
                video=video, author=author, text=f"{text} ({number + 1})", parent=None
            )
            repliers = [*audience, owner]
            for reply in range(max(1 if first and number == 0 else 0, rng.randint(0, 2))):
                replier = rng.choice(repliers)
                self._comment(
                    video=video,
                    author=replier,
                    text=f"{rng.choice(REPLIES)} ({number + 1}.{reply + 1})",
                    parent=thread,
                )
            if rng.random() < 0.5:
                self.report.created["comment likes"] += comment_like(
                    comment=thread, user=rng.choice(repliers)
                )

    # -- final statuses --

    def _statuses(self) -> None:
        """Bring the generated accounts to their final status through the services the
        staff and the users themselves use."""
        for number, user in enumerate(self.generated, start=1):
            status = _cast(number)[1]
            user.refresh_from_db(fields=["status"])
            if user.status == status:
                continue
            if status == Status.SUSPENDED:
                user_suspend(
                    actor=self.admin,
                    target=user,
                    reason="Demo: repeated spam in comments.",
                    until=self.now + timedelta(days=7),
                )
            elif status == Status.BANNED:
                user_ban(actor=self.admin, target=user, reason="Demo: impersonation.")
            elif status == Status.DELETED:
                user_delete(user=user, password=DEMO_PASSWORD)
            elif status == Status.DEACTIVATED:
                # No service deactivates an account yet: the status is set directly.
                User.objects.filter(pk=user.pk).update(status=status, updated_at=timezone.now())
            else:
                continue
            self.report.created[f"accounts {status}"] += 1


# -- bulk: volume for benchmarks --------------------------------------------------------


def _value_converter(field) -> Callable:
    """A fast `field.get_db_prep_save` for one column: bulk rows skip the ORM's
    per-value machinery, which costs more than the insert itself at a million rows."""
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.UUIDField):
        convert = (
            (lambda value: value.hex) if connection.vendor == "sqlite" else (lambda value: value)
        )
    elif isinstance(field, models.DateTimeField) and connection.vendor == "sqlite":
        # What Django's SQLite adapter stores (naive UTC text), without its checks.
        convert = lambda value: str(value.astimezone(UTC).replace(tzinfo=None))  # noqa: E731
    elif isinstance(field, models.DateTimeField):
        convert = connection.ops.adapt_datetimefield_value
    elif isinstance(field, (models.CharField, models.TextField)):
        convert = str  # a TextChoices member becomes its plain value
    elif isinstance(field, (models.IntegerField, models.FloatField, models.BooleanField)):
        return lambda value: value
    else:  # JSON, arrays, files: the field's own conversion, cached per value
        cache: dict[str, object] = {}

        def convert(value):
            key = repr(value)
            if key not in cache:
                cache[key] = field.get_db_prep_save(value, connection)
            return cache[key]

    return lambda value: None if value is None else convert(value)


def db_datetime_converter() -> Callable[[datetime], str]:
    """A function giving a timezone-aware UTC datetime as the database stores it:
    naive UTC text on SQLite (what Django's adapter writes), ISO text with the offset
    on PostgreSQL (which parses it)."""
    if connection.vendor == "sqlite":
        return lambda moment: str(moment)[:-6]  # without "+00:00"
    return str


def _constants(model: type[models.Model], given: Iterable[str]) -> dict[str, object]:
    """The stored default of each attribute of `model` not in `given` (an automatic
    primary key is left to the database)."""
    return {
        field.attname: _value_converter(field)(field.get_default())
        for field in model._meta.concrete_fields
        if field.attname not in given and field is not model._meta.auto_field
    }


def _columns(model: type[models.Model], names: Iterable[str]) -> str:
    return ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in names
    )


def rows_insert_prepared(model: type[models.Model], names: list[str], rows: list[tuple]) -> int:
    """Insert `rows` (tuples of values as stored, for the attributes `names`) with one
    `executemany`, skipping rows that break a unique constraint. Attributes not named
    take the field's default, computed once for all the rows. Returns how many rows
    went in."""
    if not rows:
        return 0
    constants = _constants(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    # Only names from the model are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({_columns(model, [*constants, *names])}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * (len(constants) + len(names)))}) ON CONFLICT DO NOTHING"
    )
    fixed = tuple(constants.values())
    params = [fixed + row for row in rows] if fixed else rows
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        # psycopg's own cursor binds on the server and pipelines the statements: a
        # third faster than Django's cursor, which binds on the client.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, params)
            return cursor.rowcount  # summed over the rows; a skipped row counts 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return cursor.rowcount


def _copy_text(value: object) -> str:
    """`value` in the text format of PostgreSQL's `COPY` (the values the bulk rows hold:
    no tab, newline or backslash inside)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"
    if isinstance(value, psycopg.types.json.Jsonb):
        return json.dumps(value.obj)
    return str(value)


def rows_load(model: type[models.Model], names: list[str], rows: list[tuple]) -> int:
    """`rows_insert_prepared` for rows none of which is there yet: on PostgreSQL one
    `COPY` of text made here (several times faster than inserts; it cannot skip a row,
    so a row already there fails the whole load), elsewhere the same inserts."""
    if connection.vendor != "postgresql" or not rows:
        return rows_insert_prepared(model, names, rows)
    constants = _constants(model, names)
    fixed = "".join(_copy_text(value) + "\t" for value in constants.values())
    table = connection.ops.quote_name(model._meta.db_table)
    text = "".join(
        fixed + "\t".join("\\N" if value is None else str(value) for value in row) + "\n"
        for row in rows
    )
    connection.ensure_connection()
    with (
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy(f"COPY {table} ({_columns(model, [*constants, *names])}) FROM STDIN") as copy,
    ):
        copy.write(text)
    return len(rows)


def _secondary_indexes(model: type[models.Model]) -> list[tuple[str, str]]:
    """`(name, definition)` of each index of `model`'s table that enforces nothing
    (neither the primary key nor a unique one), as the database states it."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT index_class.relname, pg_get_indexdef(pg_index.indexrelid) "
                "FROM pg_index "
                "JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid "
                "WHERE pg_index.indrelid = %s::regclass "
                "AND NOT pg_index.indisunique AND NOT pg_index.indisprimary",
                [connection.ops.quote_name(table)],
            )
        else:  # SQLite: a unique column's own index has no SQL
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %%'",
                [table],
            )
        return sorted(cursor.fetchall())


@contextmanager
def indexes_built_after(*tables: type[models.Model]) -> Iterator[None]:
    """Load `tables` without their secondary indexes and build them again at the end,
    as `pg_restore` does: building an index once, sorted, is far cheaper than updating
    it for every row loaded (the video table has 17, two of them GIN on PostgreSQL).
    All in one transaction, so the indexes are never missing for anyone else (others
    wait for the tables meanwhile) and a failed load leaves them as they were. Unique
    and primary-key indexes stay: they keep enforcing."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        dropped = [index for model in tables for index in _secondary_indexes(model)]
        for name, _ in dropped:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        if connection.vendor == "postgresql":
            # The foreign keys' deferred checks of the loaded rows run now: PostgreSQL
            # builds no index while they wait for the commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, definition in dropped:
            cursor.execute(definition)


def rows_insert(model: type[models.Model], rows: list[dict]) -> int:
    """`rows_insert_prepared` for rows of attribute name -> value (every row naming
    the same attributes), each value converted as the field stores it."""
    if not rows:
        return 0
    converters = [
        (field.attname, _value_converter(field))
        for field in model._meta.concrete_fields
        if field.attname in rows[0]
    ]
    return rows_insert_prepared(
        model,
        [name for name, _ in converters],
        [tuple(convert(row[name]) for name, convert in converters) for row in rows],
    )


class _Bulk:
    """Inserts the rest of `plan` in batches: users and follows (`rows_insert`: rows
    already there, from a second run, are skipped by the database), then ready videos
    (no files) with their likes and activity buckets (`rows_load`: a batch whose last
    video is there is skipped whole). The user counters are recomputed from the rows at
    the end."""

    def __init__(self, plan: DemoPlan, report: DemoReport, progress: Progress) -> None:
        self.plan, self.report, self.progress = plan, report, progress
        self.seed = plan.seed
        self.now = timezone.now()

    def run(self) -> None:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # Random UUID keys land all over the indexes: a page cache this size
                # (1 GiB at most, this connection only) keeps the inserts from waiting on disk.
                cursor.execute("PRAGMA cache_size = -1048576")
        self._users()
        pool = list(
            User.objects.filter(
                Q(username__startswith=USER_PREFIX) | Q(username=USER_USERNAME),
                status__in=[Status.ACTIVE, Status.PENDING],
                is_staff=False,
            )
            .exclude(role=Role.MODERATOR)
            .order_by("username")
            .values_list("pk", "username", "role", "is_private")
        )
        self.actor_ids = [row[0] for row in pool]
        self.creators = [row for row in pool if row[2] == Role.CREATOR]
        self._follows(pool)
        if self._videos_to_add() >= max(BULK_INDEXES_AFTER_VIDEOS, Video.objects.count()):
            with indexes_built_after(Video, VideoLike, VideoActivity):
                self._videos()
        else:
            self._videos()
        self._counters_recompute()

    def _videos_to_add(self) -> int:
        """How many bulk videos the plan has that are not there yet (at most)."""
        there = Video.objects.filter(
            pk__in=[bulk_video_id(self.plan.showcase_videos + 1), bulk_video_id(self.plan.videos)]
        ).count()
        return 0 if there == 2 else self.plan.videos - self.plan.showcase_videos

    def _insert(self, model: type[models.Model], rows: list[dict], kind: str) -> None:
        self.report.created[kind] += rows_insert(model, rows)

    def _users(self) -> None:
        first = self.plan.showcase_users + 1
        total = self.plan.users - self.plan.showcase_users
        if total <= 0:
            return
        password = make_password(DEMO_PASSWORD)
        rows: list[dict] = []
        for number in range(first, self.plan.users + 1):
            username = demo_username(number)
            rng = _rng(self.seed, "bulk-user", username)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "username": username,
                    "email": demo_email(username),
                    "password": password,
                    "display_name": demo_display_name(self.seed, username),
                    "role": Role.CREATOR if rng.random() < 0.2 else Role.USER,
                    "status": Status.ACTIVE,
                    "email_verified": True,
                    "is_private": rng.random() < 0.1,
                    "date_joined": self.now - timedelta(seconds=rng.randrange(700 * 86400)),
                    "updated_at": self.now,
                }
            )
            if len(rows) == BATCH_SIZE or number == self.plan.users:
                with transaction.atomic():
                    self._insert(User, rows, "users (bulk)")
                rows = []
                self.progress("users (bulk)", number - first + 1, total)

    def _follows(self, pool: list[tuple]) -> None:
        """Each bulk user follows a few creators; `demo_user` follows up to 200
        creators, so its following feed is full."""
        if not self.creators:
            return
        by_name = {row[1]: row for row in pool}
        followers = [row for row in pool if row[1] not in self._showcase_names()]
        if USER_USERNAME in by_name:
            followers.insert(0, by_name[USER_USERNAME])
        rows: list[dict] = []
        for index, (follower_id, username, _, _) in enumerate(followers, start=1):
            rng = _rng(self.seed, "bulk-follows", username)
            count = 200 if username == USER_USERNAME else rng.randint(0, 8)
            for followed_id, _, _, is_private in rng.sample(
                self.creators, min(count, len(self.creators))
            ):
                if followed_id == follower_id:
                    continue
                accepted = not is_private or rng.random() < 0.5
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "created_at": self.now,
                        "updated_at": self.now,
                        "follower_id": follower_id,
                        "followed_id": followed_id,
                        "status": Follow.Status.ACCEPTED if accepted else Follow.Status.PENDING,
                        "accepted_at": self.now if accepted else None,
                    }
                )
            if len(rows) >= BATCH_SIZE or index == len(followers):
                with transaction.atomic():
                    self._insert(Follow, rows, "follows (bulk)")
                rows = []
                self.progress("follows (bulk)", index, len(followers))

    def _showcase_names(self) -> set[str]:
        return {demo_username(n) for n in range(1, self.plan.showcase_users + 1)}

    def _videos(self) -> None:
        first = self.plan.showcase_videos + 1
        total = self.plan.videos - self.plan.showcase_videos
        if total <= 0 or not self.creators:
            return
        self.categories = list(
            Category.objects.filter(slug__in=[slug for slug, _ in CATEGORIES]).values_list(
                "pk", flat=True
            )
        )
        self.variants = self._variants()
        self.activity_per_video = (
            total if self.plan.activity_rows is None else self.plan.activity_rows
        ) / total
        # The hours of the window as of now, newest first, as datetimes and as stored.
        current = activity_hour(self.now)
        hours = int(ACTIVITY_WINDOW.total_seconds() // 3600)
        self.window = [current - timedelta(hours=back) for back in range(hours)]
        self.window_text = [db_datetime_converter()(hour) for hour in self.window]
        for start in range(first, self.plan.videos + 1, VIDEO_BATCH_SIZE):
            numbers = range(start, min(start + VIDEO_BATCH_SIZE, self.plan.videos + 1))
            ids = [bulk_video_id(number) for number in numbers]
            # A batch goes in whole (one transaction): when its last video is there,
            # so is the rest (a second run). Its first there without its last: a
            # smaller run made part of it, and the database skips what is there.
            there = set(Video.objects.filter(pk__in=[ids[0], ids[-1]]).values_list("pk", flat=True))
            if ids[-1] not in there:
                videos, likes, activity = self._video_batch(numbers, ids)
                load = rows_insert_prepared if ids[0] in there else rows_load
                with transaction.atomic():
                    # A video, its likes (so its like_count) and its buckets go together.
                    self.report.created["videos (bulk)"] += load(Video, *videos)
                    self.report.created["likes (bulk)"] += load(VideoLike, *likes)
                    self.report.created["activity buckets (bulk)"] += load(VideoActivity, *activity)
            self.progress("videos (bulk)", numbers[-1] - first + 1, total)

    def _variants(self) -> list[tuple]:
        """(title, description, tags as stored, language) of the bulk videos to draw
        from: made once, from the seed."""
        rng = _rng(self.seed, "bulk-variants")
        # As stored: JSON text on SQLite, an array literal on PostgreSQL (which both
        # its COPY and its inserts read).
        tags = _value_converter(Video._meta.get_field("tags"))
        if connection.vendor == "postgresql":
            tags = lambda value, convert=tags: _copy_text(convert(value))  # noqa: E731
        variants = []
        for number in range(BULK_VARIANTS):
            fields = _video_fields(rng, self.seed, f"variant{number}")
            variants.append(
                (
                    fields["title"],
                    fields["description"],
                    tags(fields["tags"]),
                    fields["language"],
                )
            )
        return variants

    def _video_batch(
        self, numbers: Sequence[int], ids: list[uuid.UUID]
    ) -> tuple[tuple[list[str], list[tuple]], ...]:
        """The rows, as stored, of bulk videos `numbers` (primary keys `ids`), of their
        likes and of their activity buckets: `(attribute names, rows)` each. Every
        choice comes from one generator seeded with the seed and the batch's first
        number, drawn in order, so a batch is the same in every run. Written for speed
        (a million videos in seconds): values are made as stored, once where they can."""
        rng = _rng(self.seed, "bulk-videos", numbers[0])
        real, sample, pareto, bits = rng.random, rng.sample, rng.paretovariate, rng.getrandbits
        creators = [row[0].hex for row in self.creators]
        actors = [pk.hex for pk in self.actor_ids]
        most_likes = min(50, len(actors) - 1)
        public = Visibility.PUBLIC.value
        visibilities = [
            visibility.value
            for visibility, weight in VISIBILITY_WEIGHTS.items()
            for _ in range(weight)
        ]
        categories, variants = self.categories or [None], self.variants
        stored = db_datetime_converter()
        now, now_text, ready = self.now, stored(self.now), Video.Status.READY.value
        now_hour = int(now.timestamp() // 3600)
        whole, part = divmod(self.activity_per_video, 1)
        spacing = BULK_VIDEOS_SPAN.total_seconds() / self.plan.videos
        window, window_text, window_hours = self.window, self.window_text, len(self.window)
        videos, likes, activity = [], [], []
        for number, pk in zip(numbers, ids, strict=True):
            video_id = pk.hex
            owner_id = creators[int(real() * len(creators))]
            visibility = visibilities[int(real() * len(visibilities))]
            # Newer first, evenly over BULK_VIDEOS_SPAN: the time indexes, like the
            # keys, grow at one end as the batches go in.
            age = timedelta(seconds=(number + real()) * spacing)
            published = now - age
            published_text = stored(published)
            likers = []
            if visibility == public:
                # Most videos have a few likes, a few have many (a Pareto tail).
                wanted = max(min(int(pareto(1.5)) - 1, most_likes), 0)
                likers = [user for user in sample(actors, wanted) if user != owner_id]
            # Activity: in hours of the window since publication (0 the current hour),
            # a few views each, and the likes spread over them (else at publication).
            open_hours = min(window_hours, now_hour - int(published.timestamp() // 3600) + 1)
            count = min(open_hours, int(whole) + (real() < part))
            if count == 1:
                chosen = [int(real() * open_hours)]
            else:
                chosen = sorted(sample(range(open_hours), count)) if count else []
            bucket_views = [1 + int(real() * 40) for _ in chosen]
            bucket_likes = [0] * count
            for index, user_id in enumerate(likers):
                if count:
                    slot = index % count
                    bucket_likes[slot] += 1
                    hour = window[chosen[slot]]
                    liked = published_text if published > hour else window_text[chosen[slot]]
                else:
                    liked = published_text
                # Keys that grow as the videos' do, random below.
                like_id = f"{number:012x}{index:04x}{bits(64):016x}"
                likes.append((like_id, liked, liked, user_id, video_id))
            for slot, back in enumerate(chosen):
                activity.append(
                    (video_id, window_text[back], bucket_views[slot], bucket_likes[slot])
                )
            score = 0.0
            if visibility == public and count:
                score = trending_score(
                    recent_views=sum(bucket_views),
                    likes=sum(bucket_likes),
                    comments=0,
                    shares=0,
                    age=age,
                )
            title, description, tags, language = variants[int(real() * len(variants))]
            videos.append(
                (
                    video_id,
                    published_text,
                    now_text,
                    owner_id,
                    title,
                    description,
                    tags,
                    language,
                    media_key_new(),
                    visibility,
                    categories[int(real() * len(categories))],
                    ready,
                    8 + int(real() * 893),
                    1280,
                    720,
                    int(real() * 50_000),
                    len(likers),
                    score,
                    published_text,
                )
            )
        video_columns = [
            "id", "created_at", "updated_at", "owner_id", "title", "description", "tags",
            "language", "media_key", "visibility", "category_id", "status",
            "duration_seconds", "width", "height", "view_count", "like_count",
            "trending_score", "published_at",
        ]  # fmt: skip
        return (
            (video_columns, videos),
            (["id", "created_at", "updated_at", "user_id", "video_id"], likes),
            (["video_id", "hour", "views", "likes"], activity),
        )

    def _counters_recompute(self) -> None:
        """Set every demo user's follower, following and video counters from the rows."""

        def count(model, **filters):
            return Coalesce(
                Subquery(
                    model.objects.filter(**filters)
                    .order_by()
                    .values(next(iter(filters)))
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )

        self.progress("counters", 0, 1)
        User.objects.filter(
            Q(username__startswith=USER_PREFIX) | Q(username__in=[USER_USERNAME, ADMIN_USERNAME])
        ).update(
            follower_count=count(Follow, followed=OuterRef("pk"), status=Follow.Status.ACCEPTED),
            following_count=count(Follow, follower=OuterRef("pk"), status=Follow.Status.ACCEPTED),
            video_count=count(Video, owner=OuterRef("pk")),
        )
        # Fresh statistics for the planner after the load (SQLite has none until asked).
        database_statistics_refresh()
        self.progress("counters", 1, 1)


def demo_seed(*, plan: DemoPlan, progress: Progress) -> DemoReport:
    """Build `plan` (see the module docstring); returns what was created."""
    report = DemoReport()
    notifications_before = Notification.objects.count()
    _Showcase(plan, report, progress).run()
    if plan.bulk:
        _Bulk(plan, report, progress).run()
    report.created["notifications"] = Notification.objects.count() - notifications_before
    return report
