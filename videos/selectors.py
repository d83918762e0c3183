"""Videos app: reads. One privacy rule decides who sees which video, everywhere.

- `public`: anyone; listed in feeds, search and profiles.
- `unlisted`: anyone with the id; listed only to the owner.
- `followers`: the owner's accepted followers, and the owner.
- `subscribers`: the owner's active subscribers (`core.subscriptions`), and the owner;
  listed to them like public videos.
- `private`: the owner only.

Videos of private accounts behave as `followers` for everyone who is not an accepted
follower. Videos of suspended, banned, deactivated or deleted owners disappear, and
so do videos of people who blocked the viewer or whom the viewer blocked. Only
`ready` videos show to anyone but their owner. Staff see everything. A video the
viewer may not see does not exist for them (404).
"""

import functools
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    UUIDField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.models import User
from accounts.selectors import (
    access_user,
    user_visible_statuses,
    viewer_kind,
    viewer_stand_in,
)
from core.access import is_signed_in, is_staff, uuid_or_404
from core.arrays import array_item_counts
from core.compiled import CompiledQuery, ListPart, QueryTemplate, stored_id
from core.expressions import Unindexed
from core.relations import FOLLOW_STATUS_FOLLOWING, relations
from core.search import SearchMatch, search_words
from core.subscriptions import subscriptions
from videos.models import (
    FOR_YOU_FOLLOWED_BOOST,
    SEARCH_ARRAY_FIELD,
    SEARCH_TEXT_FIELDS,
    Category,
    Video,
    WatchHistoryEntry,
    followed_score,
)

Visibility = Video.Visibility


def owned_visibility_filter(*, viewer, listed: bool, shown: Q) -> Q:
    """The privacy rule (see the module docstring) as a filter on rows of any model
    with an `owner` and a `visibility` of `Video.Visibility` (videos, live streams).

    `listed` is for feeds, search and profiles, which never show unlisted rows of
    others; a detail request names the row, so unlisted ones are found. `shown` is
    what of an owner's rows others may see at all (videos: the ready ones); the owner
    sees every row of theirs.
    """
    open_to_all = [Visibility.PUBLIC] if listed else [Visibility.PUBLIC, Visibility.UNLISTED]
    # `visibility = 'public'`, not `IN ('public')`: SQLite uses the partial feed indexes
    # (WHERE status = 'ready' AND visibility = 'public') only for the equality form;
    # with IN it sorts the whole table (8.6 s instead of 4 ms at 1M videos).
    open_filter = Q(visibility=Visibility.PUBLIC) if listed else Q(visibility__in=open_to_all)
    visible_owner = shown & Q(owner__status__in=user_visible_statuses())
    others = visible_owner & (open_filter & Q(owner__is_private=False))
    if not is_signed_in(viewer):
        return others
    followed = relations().followed_user_ids(viewer)
    to_followers = visible_owner & Q(
        visibility__in=[*open_to_all, Visibility.FOLLOWERS],
        owner_id__in=followed,
    )
    to_subscribers = visible_owner & Q(
        visibility=Visibility.SUBSCRIBERS,
        owner_id__in=subscriptions().subscribed_creator_ids(viewer),
    )
    return Q(owner_id=viewer.pk) | (
        (others | to_followers | to_subscribers)
        & ~Q(owner_id__in=relations().blocked_user_ids(viewer))
    )


def video_visibility_filter(*, viewer, listed: bool) -> Q:
    """The privacy rule as a filter on `Video` rows: only ready videos show to anyone
    but their owner."""
    return owned_visibility_filter(viewer=viewer, listed=listed, shown=Q(status=Video.Status.READY))


def video_viewer_flags(viewer) -> dict[str, Expression]:
    """`is_liked` and `is_bookmarked`: whether `viewer` liked or bookmarked each video
    (`OuterRef("pk")`), and `owner_follow_status`: `viewer`'s follow of its owner
    (`"following"`, `"requested"` or NULL), as subqueries the social graph gives
    (`core.relations`); False and NULL for an anonymous viewer, or while no graph is
    registered."""
    graph = relations()
    signed_in = is_signed_in(viewer)
    follow_status = graph.follow_status_expression(viewer, user_field="owner_id")
    flags = {
        "owner_follow_status": follow_status
        if follow_status is not None
        else Value(None, output_field=CharField())
    }
    for name, expression in (
        ("is_liked", graph.video_liked_expression),
        ("is_bookmarked", graph.video_bookmarked_expression),
    ):
        value = expression(viewer) if signed_in else None
        flags[name] = value if value is not None else Value(False, output_field=BooleanField())
    return flags


def video_queryset_visible(
    *, viewer, listed: bool = True, annotated: bool = True
) -> QuerySet[Video]:
    """The videos `viewer` (a user, or anonymous) may see, with owner and category
    joined and `is_liked` / `is_bookmarked` / `owner_follow_status` annotated for
    `viewer` (`video_viewer_flags`: one subquery each, no query per video). Without
    `annotated`, only the owner is joined: what a write or a check needs, not what
    `VideoSerializer` shows (three subqueries fewer to build and run). Staff see
    every video."""
    queryset = _videos_shown(viewer) if annotated else Video.objects.select_related("owner")
    if is_staff(viewer):
        return queryset
    return queryset.filter(video_visibility_filter(viewer=viewer, listed=listed))


def _videos_shown(viewer, *, follow_status: Expression | None = None) -> QuerySet[Video]:
    """Every video with what `VideoSerializer` shows to `viewer`: owner and category
    joined, the viewer's flags annotated (`follow_status`: the owner's, where the
    caller knows it); unfiltered."""
    flags = video_viewer_flags(viewer)
    if follow_status is not None:
        flags["owner_follow_status"] = follow_status
    return Video.objects.select_related("owner", "category").annotate(**flags)


# Ids no row has: what a video by its key (`_video_by_key`) is compiled with, once per shape.
_STAND_IN_VIEWER = uuid.UUID("00000000-5e7e-4000-8000-000000000001")
_STAND_IN_VIDEO = uuid.UUID("00000000-5e7e-4000-8000-000000000002")


@functools.cache
def _video_by_key(
    *, kind: str, annotated: bool, lock: bool, statuses: tuple[str, ...]
) -> CompiledQuery:
    """The video of a stand-in key if a stand-in viewer of `kind` (`viewer_kind`) may
    see it (the privacy rule, which reads the visible account statuses: `statuses`),
    as `access_video` loads it (with its owner; with its category and the viewer's
    flags when `annotated`; locked when `lock`), compiled once per process and shape
    (`core.compiled`): the rule and the flags bind the viewer only through their id."""
    viewer = viewer_stand_in(kind, _STAND_IN_VIEWER)
    queryset = _videos_shown(viewer) if annotated else Video.objects.select_related("owner")
    if not is_staff(viewer):
        queryset = queryset.filter(video_visibility_filter(viewer=viewer, listed=False))
    if lock:
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    return CompiledQuery(
        queryset.filter(pk=_STAND_IN_VIDEO)[:1],
        stand_ins={
            "viewer": stored_id(User, _STAND_IN_VIEWER),
            "video": stored_id(Video, _STAND_IN_VIDEO),
        },
    )


def access_video(*, viewer, video_id, lock: bool = False, annotated: bool = True) -> Video:
    """The video `video_id` if `viewer` may see it, else 404 (`not_found`), as if it
    did not exist. With `lock`, the row is locked for update (call in a transaction).
    `annotated` as in `video_queryset_visible`: without it, the video and its owner
    only, for a request that writes rather than shows it.

    One statement, the privacy rule and the load together, compiled once per shape
    (`_video_by_key`)."""
    pk = uuid_or_404(video_id)
    kind = viewer_kind(viewer)
    load = _video_by_key(
        kind=kind, annotated=annotated, lock=lock, statuses=user_visible_statuses()
    )
    signed_in = kind != "anonymous"
    found = load.objects(
        video=stored_id(Video, pk), viewer=stored_id(User, viewer.pk) if signed_in else None
    )
    if not found:
        raise NotFound()
    return found[0]


def video_list_for_owner(*, owner: User, viewer) -> QuerySet[Video]:
    """A profile's videos as `viewer` may see them (the owner sees all of theirs)."""
    return video_queryset_visible(viewer=viewer, listed=True).filter(owner=owner)


def watch_history_list(*, user: User) -> QuerySet[WatchHistoryEntry]:
    """`user`'s watch history with each video prefetched as `video_queryset_visible`
    gives it (owner, category, `is_liked`, `is_bookmarked`: one query per page).

    Entries whose video `user` may no longer see (made private, owner banned, ...)
    are left out, not deleted: they come back if the video becomes visible again.
    Order it by `-last_watched_at` (an index serves that).
    """
    visible = video_queryset_visible(viewer=user, listed=False)
    return WatchHistoryEntry.objects.filter(
        user=user, video_id__in=visible.values("pk")
    ).prefetch_related(Prefetch("video", queryset=visible))


# -- Discovery and feeds ----------------------------------------------------------
# Every list starts from `video_queryset_visible(viewer=..., listed=True)`.

FOR_YOU_SEEN_DAYS = 7  # what the viewer watched this recently is left out
FOR_YOU_TASTE_DAYS = 30  # the watch history whose tags say what the viewer likes
FOR_YOU_TASTE_ENTRIES = 50
FOR_YOU_TASTE_TAGS = 10
FOR_YOU_FRESH_DAYS = 30  # followed creators' and liked tags' videos this recent are picked
FOR_YOU_TAG_BOOST = 0.5
TRENDING_TAGS_DAYS = 7
TRENDING_TAGS_LIMIT = 20


def video_queryset_search(queryset: QuerySet[Video], *, text: str) -> QuerySet[Video]:
    """`queryset` narrowed to videos whose title, description or tags hold every word
    of `text` (see `core.search`); nothing when `text` holds no letter or digit."""
    words = search_words(text)
    if not words:
        return queryset.none()
    return queryset.filter(
        SearchMatch(*SEARCH_TEXT_FIELDS, array_field=SEARCH_ARRAY_FIELD, words=words)
    )


def video_profile_owner_get(*, username: str, viewer) -> User:
    """The user named `username` (whatever its case) whose videos `viewer` may list;
    404 (`not_found`) when there is none, or when they are suspended, banned,
    deactivated or deleted (except for staff and themself), or a block stands between
    them and `viewer`."""
    return access_user(viewer=viewer, username=username)


def video_is_own_profile(*, owner: User, viewer) -> bool:
    """Whether `viewer` is `owner` (who sees every video of theirs on their profile)."""
    return is_signed_in(viewer) and viewer.pk == owner.pk


def video_list_for_profile(*, owner: User, viewer) -> QuerySet[Video]:
    """A profile's video list: the owner sees every video of theirs, ready or not
    (order it by `-created_at`: `published_at` is null until ready); others see the
    ready ones the privacy rule lists for them (order by `-published_at`)."""
    videos = video_list_for_owner(owner=owner, viewer=viewer)
    if video_is_own_profile(owner=owner, viewer=viewer):
        return videos
    return videos.filter(status=Video.Status.READY)


def video_list_following(*, viewer: User) -> QuerySet[Video]:
    """Ready videos of the people `viewer` follows (order by `-published_at`).

    For owners the viewer follows (an accepted follow), the privacy rule comes to:
    their public and followers-only videos, their subscribers-only ones where the
    viewer subscribes, none while either blocks the other or the owner is hidden
    (their status). That is the filter here: the same rows as the rule's
    (`video_queryset_visible`) and the follow, in a query PostgreSQL plans in half the
    time (no branch for the viewer's own videos or for strangers' public ones), and
    the owner's follow status is `following` without a lookup. Staff see every ready
    video of the people they follow."""
    return _video_list_following(viewer=viewer)


def _video_list_following(*, viewer: User, owner_indexed: bool = True) -> QuerySet[Video]:
    """`video_list_following`; with `owner_indexed` off, the follow's term (the owner
    is followed) is one SQLite's planner matches to no index (`Unindexed`), so that
    it walks an index in the list's order instead of reading every followed owner's
    videos by `owner_id` (`_for_you_walks_followed`)."""
    graph = relations()
    followed = graph.followed_user_ids(viewer)
    owner = F("owner_id") if owner_indexed else Unindexed("owner_id", output_field=UUIDField())
    if is_staff(viewer):
        return (
            video_queryset_visible(viewer=viewer)
            .alias(followed_owner=owner)
            .filter(status=Video.Status.READY, followed_owner__in=followed)
        )
    subscribed = subscriptions().subscribed_creator_ids(viewer)
    following = Value(FOLLOW_STATUS_FOLLOWING, output_field=CharField())
    return (
        _videos_shown(viewer, follow_status=following)
        .alias(followed_owner=owner)
        .filter(
            Q(visibility__in=[Visibility.PUBLIC, Visibility.FOLLOWERS])
            | Q(visibility=Visibility.SUBSCRIBERS, owner_id__in=subscribed),
            status=Video.Status.READY,
            owner__status__in=user_visible_statuses(),
            followed_owner__in=followed,
        )
        .exclude(owner_id__in=graph.blocked_user_ids(viewer))
    )


def video_list_trending(*, viewer) -> QuerySet[Video]:
    """Public, ready videos with a trending score, as `viewer` may see them.

    Order by `-trending_score` (then `-id`): with `visibility` and `status` fixed
    here, the partial index `videos_public_trending` serves the page."""
    return video_queryset_visible(viewer=viewer, listed=True).filter(
        status=Video.Status.READY, visibility=Visibility.PUBLIC, trending_score__gt=0
    )


# -- feeds as query templates (core.compiled) --------------------------------------------

_STAND_IN_OWNER = uuid.UUID("00000000-5e7e-4000-8000-000000000004")


# What a list of videos never shows nor reads, of the video and of its owner: left out
# of the page's query (on PostgreSQL, each date and time costs a Python conversion;
# on SQLite, every column does). The owner is shown with the fields everyone sees
# (`UserPublicSerializer`), even to the owner and staff, so their private ones go too.
_LIST_UNSHOWN = (
    "metadata",
    "source_file",
    "updated_at",
    "owner__email",
    "owner__phone_number",
    "owner__last_login",
    "owner__password",
    "owner__is_superuser",
    "owner__metadata",
    "owner__suspended_until",
    "owner__updated_at",
    "owner__country",
    "owner__language",
    "owner__birth_date",
    "owner__interests",
    "category__position",
)


def _video_template(
    name: str,
    viewer,
    build: Callable[[Any], QuerySet[Video]],
    *,
    shape: tuple = (),
    stand_ins: dict | None = None,
    values: dict | None = None,
    prepared: bool = True,
    rows: Callable[[Any], QuerySet[Video]] | None = None,
    parts: Callable[[Any], list[ListPart]] | None = None,
) -> QueryTemplate:
    """A list of videos as a `QueryTemplate`: `build(stand_in_viewer)` makes its query
    set for a stand-in viewer of `viewer`'s kind (anonymous, a user, staff), once per
    process, kind, the account statuses the rule shows (a setting) and `shape`; each
    request runs it with `viewer`'s id (and `values`) in place of the stand-ins. The
    rule and the viewer's flags bind the viewer only through their id. `rows(stand-in
    viewer)`, where given, reads the page's rows once `build`'s query picked their keys
    (`QueryTemplate.rows`); `parts(stand-in viewer)`, where given, splits the list
    (`QueryTemplate.parts`)."""
    signed_in = is_signed_in(viewer)
    kind = viewer_kind(viewer)
    stand_in_viewer = viewer_stand_in(kind, _STAND_IN_VIEWER)
    return QueryTemplate(
        model=Video,
        shape=(name, kind, user_visible_statuses(), *shape),
        build=lambda: build(stand_in_viewer).defer(*_LIST_UNSHOWN),
        stand_ins={"viewer": stored_id(User, _STAND_IN_VIEWER), **(stand_ins or {})},
        values={"viewer": stored_id(User, viewer.pk) if signed_in else None, **(values or {})},
        prepared=prepared,
        rows=None if rows is None else lambda: rows(stand_in_viewer).defer(*_LIST_UNSHOWN),
        parts=None if parts is None else lambda: parts(stand_in_viewer),
    )


def video_feed_following(*, viewer: User) -> QueryTemplate:
    """`video_list_following` as a query template (`_video_template`), not prepared:
    PostgreSQL's plan for one viewer's follows (made on each run: 1.0-1.4 ms, then
    0.3 ms to read the page) beats the plan it makes once for any viewer (5.3 ms: it
    expects a handful of follows, reads all their videos and sorts them), on the load
    benchmark's seed (3,000 videos, 300 users, a viewer following 69)."""
    return _video_template(
        "following",
        viewer,
        lambda someone: video_list_following(viewer=someone),
        prepared=False,
    )


def video_list_listed(*, viewer) -> QuerySet[Video]:
    """The ready videos `viewer` may see in lists: `GET /videos/`'s, before its filters
    and ordering."""
    return video_queryset_visible(viewer=viewer, listed=True).filter(status=Video.Status.READY)


def video_feed_recent(*, viewer) -> QueryTemplate:
    """`video_list_listed` as a query template (`_video_template`): `GET /videos/`
    without filters."""
    return _video_template("recent", viewer, lambda someone: video_list_listed(viewer=someone))


def video_feed_trending(*, viewer) -> QueryTemplate:
    """`video_list_trending` as a query template (`_video_template`)."""
    return _video_template("trending", viewer, lambda someone: video_list_trending(viewer=someone))


def video_feed_for_profile(*, owner: User, viewer) -> QueryTemplate:
    """`video_list_for_profile` as a query template (`_video_template`): the owner's
    own list (every video of theirs) is a shape of its own, built for an owner who is
    the stand-in viewer."""
    if video_is_own_profile(owner=owner, viewer=viewer):
        return _video_template(
            "own profile",
            viewer,
            lambda someone: video_list_for_profile(owner=someone, viewer=someone),
        )
    return _video_template(
        "profile",
        viewer,
        lambda someone: video_list_for_profile(owner=User(pk=_STAND_IN_OWNER), viewer=someone),
        stand_ins={"owner": stored_id(User, _STAND_IN_OWNER)},
        values={"owner": stored_id(User, owner.pk)},
    )


_STAND_IN_NOW = datetime(1970, 1, 3, 0, 0, 0, 5_757, tzinfo=UTC)


def video_feed_for_you(*, viewer: User, now: datetime | None = None) -> QueryTemplate:
    """`video_list_for_you` as a query template (`_video_template`): the watched tags
    are read first (one query; on SQLite a second says whether the followed part walks
    its index: `_for_you_walks_followed`), and the page's query is made once per
    number of tags (and that choice), with a stand-in time and tags in place of the
    request's. The page's keys are picked first, then their rows read
    (`QueryTemplate.rows`); for a viewer who is not staff, the keys are picked from
    the list's parts (`_for_you_parts`), each in an order an index serves, instead of
    scoring and sorting every candidate (2,400 on the load benchmark's seed: 1.67 ms
    of PostgreSQL's execution, 0.53 with the parts). Not prepared: a plan made once
    for any viewer expects a handful of follows and sorts their videos (3.5 ms), where
    each viewer's own plan walks the index (1.6 ms of planning)."""
    now = now or timezone.now()
    tags = video_tags_watched(user=viewer, now=now)
    moment = Video._meta.get_field("published_at")

    def cutoffs(at: datetime) -> dict:
        return {
            "fresh": moment.get_db_prep_value(at - timedelta(days=FOR_YOU_FRESH_DAYS), connection),
            "seen": moment.get_db_prep_value(at - timedelta(days=FOR_YOU_SEEN_DAYS), connection),
        }

    stand_ins, values = cutoffs(_STAND_IN_NOW), cutoffs(now)
    # The tags are one value (JSON text) on SQLite, one value each on PostgreSQL (an
    # `ARRAY[...]` of them): both are stand-ins, so a shape per number of tags.
    stand_in_tags = [f"stand-in-tag-5e7e-{n}" for n in range(len(tags))]
    tags_field = Video._meta.get_field("tags")
    if tags:
        stand_ins["tags"] = tags_field.get_db_prep_value(stand_in_tags, connection)
        values["tags"] = tags_field.get_db_prep_value(tags, connection)
    for n, (stand_in, tag) in enumerate(zip(stand_in_tags, tags, strict=True)):
        stand_ins[f"tag{n}"], values[f"tag{n}"] = stand_in, tag
    walk = _for_you_walks_followed(viewer)
    return _video_template(
        "for you",
        viewer,
        lambda someone: video_list_for_you(viewer=someone, now=_STAND_IN_NOW, tags=stand_in_tags),
        shape=(len(tags), walk),
        stand_ins=stand_ins,
        values=values,
        prepared=False,
        rows=lambda someone: _videos_shown(someone).annotate(
            for_you_score=_for_you_score(viewer=someone, tags=stand_in_tags)
        ),
        parts=None
        if is_staff(viewer)
        else lambda someone: _for_you_parts(viewer=someone, tags=stand_in_tags, walk_followed=walk),
    )


# Reading the followed creators' videos by owner costs about 0.85 us a video on
# SQLite (read, then sorted); walking `videos_ready_followed_score` in order about
# 0.45 us a video passed, and a page of 21 passes about 21 x all / followed of them
# (the load benchmark's seed, 3,000 videos; viewers following 43 to 2,916 videos).
# The walk is cheaper where followed^2 > 21 x 0.45 / 0.85 x all, about 11 x all.
FOR_YOU_WALK_FACTOR = 11


def _for_you_walks_followed(viewer) -> bool:
    """Whether the for-you page's followed part (`_for_you_parts`) walks the index of
    its order rather than reading each followed creator's videos: on SQLite, for a
    viewer (not staff) whose followed creators have many videos among all
    (`FOR_YOU_WALK_FACTOR`). SQLite's planner reads them by owner whenever its
    statistics (averages) say a viewer follows few, and so did for the load
    benchmark's viewer, who follows 2,916 of 3,000 videos' creators: 2.5 ms to read
    and sort them, 0.12 ms to walk. One query (the followed creators' video counts,
    and the highest row number of the videos' table as their number); the answer
    picks a plan, never the rows. PostgreSQL plans each viewer's page with the
    viewer's own figures (the page is not prepared), so it never needs this."""
    if connection.vendor != "sqlite" or not is_signed_in(viewer) or is_staff(viewer):
        return False
    for followed, videos in _followed_videos_query().rows(viewer=stored_id(User, viewer.pk)):
        return followed * followed > FOR_YOU_WALK_FACTOR * (videos or 0)
    return False  # the viewer's account is gone


@functools.cache
def _followed_videos_query() -> CompiledQuery:
    """`_for_you_walks_followed`'s query, for a stand-in viewer: the sum of the
    followed creators' `video_count`, and the videos' highest row number (SQLite's
    `rowid`: what the table ever held, at least its rows; a lookup in its b-tree,
    where counting reads every row)."""
    viewer = User(pk=_STAND_IN_VIEWER)
    followed = (
        User.objects.filter(pk__in=relations().followed_user_ids(viewer))
        .order_by()
        .values(group=Value(1))
        .values("group")
        .annotate(total=Sum("video_count"))
        .values("total")
    )
    table = connection.ops.quote_name(Video._meta.db_table)  # a name of ours, quoted
    rows = f"SELECT MAX(rowid) FROM {table}"  # noqa: S608
    queryset = (
        User.objects.filter(pk=_STAND_IN_VIEWER)
        .annotate(
            followed_total=Coalesce(Subquery(followed), 0),
            video_rows=RawSQL(rows, (), output_field=IntegerField()),  # noqa: S611
        )
        .values_list("followed_total", "video_rows")
    )
    return CompiledQuery(queryset, stand_ins={"viewer": stored_id(User, _STAND_IN_VIEWER)})


def _for_you_parts(*, viewer: User, tags: list[str], walk_followed: bool = False) -> list[ListPart]:
    """`video_list_for_you` (for a user who is not staff) in disjoint parts, each in
    an order an index serves or short to sort (`QueryTemplate.parts`), instead of
    scoring and sorting every candidate (a viewer who follows many creators has
    thousands). For the videos without a watched tag:

    0. those of creators `viewer` follows: the privacy rule for them as the
       following feed writes it out (`video_list_following`); their score is their
       trending score plus the boost, which the index `videos_ready_followed_score`
       holds in order (with `walk_followed`, SQLite walks it: `_for_you_walks_followed`);
    1. public ones of others: the rule shows them unless their owner is private,
       hidden or blocked either way. Their score is their trending score, which
       `videos_public_trending` holds in order. Only those scoring at least part 0's
       last row of a page can be on the page (`ListPart.bounded_by`), so the index
       walk stops there;
    2. others' subscribers-only ones, of the creators `viewer` subscribes to (the
       only others' videos that are not public and that the rule shows): their score
       is their trending score, which `videos_subscribers_trending` holds per owner,
       bounded as part 1 is.

    Where the viewer has watched tags, 3. and 4. are the videos with one, of
    followed creators and of others (the rule as it is; sorted). The parts' union is
    the list: the tests check it against `video_list_for_you`."""
    picked = _for_you_picked(viewer=viewer, now=_STAND_IN_NOW, tags=tags)
    untagged = ~Q(tags__overlap=tags) if tags else Q()
    graph = relations()
    followed, blocked = graph.followed_user_ids(viewer), graph.blocked_user_ids(viewer)
    of_others = Q(owner__status__in=user_visible_statuses()) & ~Q(owner_id__in=followed)
    of_others &= ~Q(owner_id__in=blocked)
    parts = [
        ListPart(
            _video_list_following(viewer=viewer, owner_indexed=not walk_followed)
            .filter(picked, untagged)
            .annotate(followed_score=followed_score()),
            same_as={"for_you_score": "followed_score"},
        ),
        ListPart(
            Video.objects.filter(
                picked,
                untagged,
                of_others,
                visibility=Visibility.PUBLIC,
                owner__is_private=False,
            ),
            same_as={"for_you_score": "trending_score"},
            bounded_by=0,
        ),
        ListPart(
            Video.objects.filter(
                picked,
                untagged,
                of_others,
                visibility=Visibility.SUBSCRIBERS,
                owner_id__in=subscriptions().subscribed_creator_ids(viewer),
            ),
            same_as={"for_you_score": "trending_score"},
            bounded_by=0,
        ),
    ]
    if tags:
        candidates = video_list_for_you(viewer=viewer, now=_STAND_IN_NOW, tags=tags)
        tagged = Q(tags__overlap=tags)
        parts.append(ListPart(candidates.filter(tagged, owner_id__in=followed)))
        parts.append(ListPart(candidates.filter(tagged).exclude(owner_id__in=followed)))
    return parts


def video_tags_watched(*, user: User, now: datetime) -> list[str]:
    """The tags of the videos `user` watched lately, most watched first (ties by tag),
    at most `FOR_YOU_TASTE_TAGS`. One query, compiled once per process
    (`_tags_watched_query`)."""
    moment = WatchHistoryEntry._meta.get_field("last_watched_at")
    since = moment.get_db_prep_value(now - timedelta(days=FOR_YOU_TASTE_DAYS), connection)
    rows = _tags_watched_query().rows(user=stored_id(User, user.pk), since=since)
    tags_field = Video._meta.get_field("tags")
    tag_lists = [tags_field.from_db_value(tags, None, connection) for (tags,) in rows]
    counts = Counter(tag for tags in tag_lists for tag in tags or ())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [tag for tag, _ in ranked[:FOR_YOU_TASTE_TAGS]]


@functools.cache
def _tags_watched_query() -> CompiledQuery:
    """`video_tags_watched`'s query (the watched videos' tags, latest first), for a
    stand-in user and time."""
    moment = WatchHistoryEntry._meta.get_field("last_watched_at")
    queryset = (
        WatchHistoryEntry.objects.filter(
            user_id=_STAND_IN_VIEWER, last_watched_at__gte=_STAND_IN_NOW
        )
        .order_by("-last_watched_at", "-id")
        .values_list("video__tags")[:FOR_YOU_TASTE_ENTRIES]
    )
    return CompiledQuery(
        queryset,
        stand_ins={
            "user": stored_id(User, _STAND_IN_VIEWER),
            "since": moment.get_db_prep_value(_STAND_IN_NOW, connection),
        },
    )


def video_list_for_you(
    *, viewer: User, now: datetime | None = None, tags: list[str] | None = None
) -> QuerySet[Video]:
    """Videos picked for `viewer`, annotated with `for_you_score` (order by
    `-for_you_score`, then `-id`).

    Picked: trending videos, and videos of the last `FOR_YOU_FRESH_DAYS` days by
    people `viewer` follows or sharing a tag with what they watched lately. Scored:
    the trending score, plus `FOR_YOU_FOLLOWED_BOOST` for a followed creator, plus
    `FOR_YOU_TAG_BOOST` for a shared tag. Left out: their own videos and what they
    watched in the last `FOR_YOU_SEEN_DAYS` days. The score depends on stored values
    only, so a list is stable while its cursor walks it. Two queries: the watched
    tags (unless `tags` gives them), then the page.
    """
    now = now or timezone.now()
    if tags is None:
        tags = video_tags_watched(user=viewer, now=now)
    return (
        video_queryset_visible(viewer=viewer, listed=True)
        .filter(_for_you_picked(viewer=viewer, now=now, tags=tags))
        .annotate(for_you_score=_for_you_score(viewer=viewer, tags=tags))
    )


def _for_you_picked(*, viewer: User, now: datetime, tags: list[str]) -> Q:
    """The videos `video_list_for_you` picks for `viewer`, ready, neither theirs nor
    watched lately; the privacy rule aside."""
    fresh = Q(published_at__gte=now - timedelta(days=FOR_YOU_FRESH_DAYS))
    picked = Q(trending_score__gt=0) | (fresh & _from_followed(viewer))
    if tags:
        picked |= fresh & Q(tags__overlap=tags)
    seen = WatchHistoryEntry.objects.filter(
        user=viewer, last_watched_at__gte=now - timedelta(days=FOR_YOU_SEEN_DAYS)
    ).values("video_id")
    return picked & Q(status=Video.Status.READY) & ~Q(owner_id=viewer.pk) & ~Q(pk__in=seen)


def _from_followed(viewer: User) -> Q:
    return Q(owner_id__in=relations().followed_user_ids(viewer))


def _for_you_score(*, viewer: User, tags: list[str]) -> ExpressionWrapper:
    """A video's score in `viewer`'s for-you list (`video_list_for_you`)."""
    score = F("trending_score") + Case(
        When(_from_followed(viewer), then=Value(FOR_YOU_FOLLOWED_BOOST)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    if tags:
        score += Case(
            When(Q(tags__overlap=tags), then=Value(FOR_YOU_TAG_BOOST)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return ExpressionWrapper(score, output_field=FloatField())


def category_list() -> QuerySet[Category]:
    """Every category, by position then name."""
    return Category.objects.order_by("position", "name", "pk")


def tag_list_trending(*, now: datetime | None = None) -> list[tuple[str, int]]:
    """The tags most used by public videos published in the last `TRENDING_TAGS_DAYS`
    days, as `(tag, videos)`, most used first (ties by tag), at most
    `TRENDING_TAGS_LIMIT`. The same for every caller (what anyone may see); one query."""
    now = now or timezone.now()
    videos = video_queryset_visible(viewer=None, listed=True).filter(
        status=Video.Status.READY,
        visibility=Visibility.PUBLIC,
        published_at__gte=now - timedelta(days=TRENDING_TAGS_DAYS),
        published_at__lte=now,
    )
    return array_item_counts(videos, field="tags", limit=TRENDING_TAGS_LIMIT)
