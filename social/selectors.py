"""Social app: reads: querysets with their joins, prefetches and annotations.

Each section belongs to one part of the app; append new sections at the end.
"""

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
    When,
    prefetch_related_objects,
)
from rest_framework.exceptions import NotFound

from accounts.models import User
from accounts.selectors import (
    access_user,
    user_visibility_filter,
    user_visible_statuses,
)
from core.access import is_signed_in, is_staff, uuid_or_404
from core.expressions import row_exists
from core.relations import FOLLOW_STATUS_FOLLOWING, FOLLOW_STATUS_REQUESTED
from social.exceptions import PrivateAccount
from social.models import (
    Block,
    Bookmark,
    Comment,
    CommentLike,
    Follow,
    Report,
    VideoLike,
)
from videos.models import Video
from videos.selectors import access_video, video_queryset_visible

# -- Follows and blocks (views/follows.py) ---------------------------------------------

# Users hidden from a viewer (`accounts.selectors.user_visibility_filter`, the one
# rule): their profiles are 404, they cannot be followed, and lists leave them out.


def follow_status_expression(*, viewer, user_ref) -> Expression:
    """`"following"`, `"requested"` or NULL: `viewer`'s follow of the user whose id is
    `user_ref` (an `OuterRef`), as one subquery; NULL for everyone when `viewer` is
    anonymous."""
    if not is_signed_in(viewer):
        return Value(None, output_field=CharField())
    shown = Case(
        When(status=Follow.Status.ACCEPTED, then=Value(FOLLOW_STATUS_FOLLOWING)),
        default=Value(FOLLOW_STATUS_REQUESTED),
        output_field=CharField(),
    )
    follows = Follow.objects.filter(follower_id=viewer.pk, followed_id=user_ref)
    return Subquery(follows.annotate(shown=shown).values("shown")[:1], output_field=CharField())


def blocked_user_ids(user) -> QuerySet:
    """Ids of the users `user` blocked or is blocked by, as a values queryset (one
    subquery on `Block`: the blocks either way, each side served by its index, giving
    the other user of each; no pass over the users table)."""
    if not is_signed_in(user):
        return User.objects.none().values("pk")
    return (
        Block.objects.filter(Q(blocker_id=user.pk) | Q(blocked_id=user.pk))
        .annotate(
            other_id=Case(When(blocker_id=user.pk, then=F("blocked_id")), default=F("blocker_id"))
        )
        .values("other_id")
    )


def user_follow_lists_get(*, username: str, viewer: User) -> User:
    """The user named `username` whose followers and following `viewer` may list.

    404 (`not_found`) when there is none, and for all but staff when they are deleted
    or banned or a block stands between them and `viewer`; 403 (`private_account`)
    when the account is private and `viewer` is neither the user, an accepted
    follower, nor staff.
    """
    user = access_user(viewer=viewer, username=username)
    if user.is_private and user.pk != viewer.pk and not is_staff(viewer):
        is_follower = Follow.objects.filter(
            follower=viewer, followed=user, status=Follow.Status.ACCEPTED
        ).exists()
        if not is_follower:
            raise PrivateAccount()
    return user


def _follow_list(follows: QuerySet[Follow], *, side: str, viewer: User) -> QuerySet[Follow]:
    """Accepted `follows` with the user on `side` joined and `viewer`'s follow status
    of that user annotated (`viewer_follow_status`); for all but staff, users hidden
    from `viewer` (deleted, banned, blocked either way) are left out."""
    follows = follows.filter(status=Follow.Status.ACCEPTED).select_related(side)
    follows = follows.filter(user_visibility_filter(viewer=viewer, field=side))
    return follows.annotate(
        viewer_follow_status=follow_status_expression(viewer=viewer, user_ref=OuterRef(side))
    )


def follow_list_followers(*, user: User, viewer: User) -> QuerySet[Follow]:
    """`user`'s accepted followers as follows (the follower on `follower`); order by
    `-created_at`, `-id` (index `social_followers`)."""
    return _follow_list(Follow.objects.filter(followed=user), side="follower", viewer=viewer)


def follow_list_following(*, user: User, viewer: User) -> QuerySet[Follow]:
    """The accounts `user` follows (accepted), as follows (the account on `followed`);
    order by `-created_at`, `-id` (index `social_following`)."""
    return _follow_list(Follow.objects.filter(follower=user), side="followed", viewer=viewer)


def follow_user(follow: Follow, *, side: str) -> User:
    """The user on `side` of a follow from these lists, carrying `viewer`'s follow
    status as `follow_status` (what `UserSerializer` shows)."""
    user = getattr(follow, side)
    user.follow_status = getattr(follow, "viewer_follow_status", None)
    return user


def _follows_to(user: User) -> QuerySet[Follow]:
    """Follows of `user`, with each follower joined and `user`'s own follow status of
    them annotated."""
    return (
        Follow.objects.filter(followed=user)
        .select_related("follower")
        .annotate(
            viewer_follow_status=follow_status_expression(
                viewer=user, user_ref=OuterRef("follower")
            )
        )
    )


def follow_request_list_incoming(*, user: User) -> QuerySet[Follow]:
    """Pending requests to follow `user` from users who are not deleted or banned,
    with `follow_user(side="follower")` ready; order by `-created_at`, `-id`."""
    return (
        _follows_to(user)
        .filter(status=Follow.Status.PENDING)
        .filter(follower__status__in=user_visible_statuses())
    )


def follow_request_get(*, user: User, follow_id) -> Follow:
    """The follow or request `follow_id` to `user`, as the request list shows it;
    404 when there is none."""
    follow = _follows_to(user).filter(pk=uuid_or_404(follow_id)).first()
    if follow is None:
        raise NotFound()
    return follow


def block_list(*, user: User) -> QuerySet[Block]:
    """The blocks `user` made, with each blocked user joined; order by `-created_at`,
    `-id` (index `social_blocks_made`)."""
    return Block.objects.filter(blocker=user).select_related("blocked")


# -- Comments and reports (views/comments.py) --------------------------------------------

REPLY_ORDERING = ("created_at", "id")  # index social_comment_replies


def comment_visibility_filter(*, viewer) -> Q:
    """The comments `viewer` may see on a video they may see.

    Staff see every comment. Others do not see comments hidden by staff, nor those of
    authors who are not in good standing (suspended, banned, gone) or on either side
    of a block with them; a deleted comment shows no author, so it shows whoever
    wrote it (it stands for its thread).
    """
    if is_staff(viewer):
        return Q()
    author_shown = user_visibility_filter(viewer=viewer, field="author")
    return Q(is_hidden=False) & (Q(deleted_at__isnull=False) | author_shown)


def comment_queryset_annotated(*, viewer) -> QuerySet[Comment]:
    """Comments with their author joined, their mentions prefetched (one query per
    page) and `is_liked` (by `viewer`) annotated."""
    if is_signed_in(viewer):
        liked = row_exists(CommentLike.objects.filter(comment_id=OuterRef("pk"), user_id=viewer.pk))
    else:
        liked = Value(False, output_field=BooleanField())
    return (
        Comment.objects.select_related("author")
        .prefetch_related(_comment_mentions())
        .annotate(is_liked=liked)
    )


def _comment_mentions() -> Prefetch:
    return Prefetch(
        "mentioned_users", queryset=User.objects.only("id", "username").order_by("username")
    )


def comment_as_posted(*, comment: Comment) -> Comment:
    """A comment its author just posted (`comment_create`, author joined), as
    `comment_queryset_annotated` gives it to them, without reading it again through
    the privacy rule: they posted it on a video they may see, nobody else has seen
    it, so nobody liked it yet. Its mentions are read (one query), unless
    `comment_create` linked none (`linked_mentions`): then there are none to read."""
    comment.is_liked = False
    if getattr(comment, "linked_mentions", None) == []:
        none = comment.mentioned_users.all()
        none._result_cache, none._prefetch_done = [], True  # as a prefetch leaves it
        comment._prefetched_objects_cache = {"mentioned_users": none}
    else:
        prefetch_related_objects([comment], _comment_mentions())
    return comment


def comment_list_for_video(*, video: Video, viewer) -> QuerySet[Comment]:
    """`video`'s top-level comments as `viewer` sees them (the video is theirs to see);
    deleted ones only while they hold a thread. Order by `COMMENT_ORDERINGS`."""
    return (
        comment_queryset_annotated(viewer=viewer)
        .filter(video=video, parent__isnull=True)
        .filter(Q(deleted_at__isnull=True) | Q(reply_count__gt=0))
        .filter(comment_visibility_filter(viewer=viewer))
    )


def comment_list_replies(*, comment: Comment, viewer) -> QuerySet[Comment]:
    """The replies in `comment`'s thread as `viewer` sees them (deleted ones never
    show: replies hold no thread). Order by `REPLY_ORDERING`."""
    return (
        comment_queryset_annotated(viewer=viewer)
        .filter(parent=comment, deleted_at__isnull=True)
        .filter(comment_visibility_filter(viewer=viewer))
    )


def access_comment(*, viewer, comment_id, deleted: bool = False, annotated: bool = True) -> Comment:
    """The comment `comment_id` with its video joined, if `viewer` may see it: on a
    video they may see (`videos.selectors.access_video`'s rule), shown to them
    (`comment_visibility_filter`) and, for a reply, in a thread shown to them. Else
    404 (`not_found`). Deleted comments are 404 too unless `deleted` (a deleted
    thread's replies can still be listed). `annotated` adds what `CommentSerializer`
    shows (`comment_queryset_annotated`); without it, one query."""
    pk = uuid_or_404(comment_id)
    base = comment_queryset_annotated(viewer=viewer) if annotated else Comment.objects
    comments = (
        base.select_related("video__owner")
        .filter(pk=pk)
        .filter(comment_visibility_filter(viewer=viewer))
    )
    if not is_staff(viewer):
        visible = video_queryset_visible(viewer=viewer, listed=False, annotated=False)
        visible = visible.values("pk")
        comments = comments.filter(video_id__in=visible).exclude(parent__is_hidden=True)
    if not deleted:
        comments = comments.filter(deleted_at__isnull=True)
    comment = comments.first()
    if comment is None:
        raise NotFound()
    return comment


def comment_text_for_staff() -> Case:
    """A comment's text as staff see it: a deleted comment's as it was."""
    return Case(
        When(deleted_at__isnull=False, then=F("deleted_text")),
        default=F("text"),
        output_field=CharField(),
    )


def report_queryset_summarised() -> QuerySet[Report]:
    """Reports with reporter and reviewer joined and their target summarised, in one
    query: `target_video_title`, `target_comment_text` (a deleted comment's text as
    it was: staff see the evidence), `target_username` (the video's owner, the
    comment's author or the user; NULL once the target is gone), `target_video_id`
    (the video, or the comment's)."""
    video = Video.objects.filter(pk=OuterRef("target_id"))
    comment = Comment.objects.filter(pk=OuterRef("target_id"))
    user = User.objects.filter(pk=OuterRef("target_id"))
    by_type = {
        Report.TargetType.VIDEO: video.values("owner__username"),
        Report.TargetType.COMMENT: comment.values("author__username"),
        Report.TargetType.USER: user.values("username"),
    }
    return Report.objects.select_related("reporter", "reviewed_by").annotate(
        target_video_title=Case(
            When(
                target_type=Report.TargetType.VIDEO,
                then=Subquery(video.values("title")[:1]),
            ),
            output_field=CharField(),
        ),
        target_comment_text=Case(
            When(
                target_type=Report.TargetType.COMMENT,
                then=Subquery(comment.values(staff_text=comment_text_for_staff())[:1]),
            ),
            output_field=CharField(),
        ),
        target_username=Case(
            *(
                When(target_type=type_, then=Subquery(values[:1]))
                for type_, values in by_type.items()
            ),
            output_field=CharField(),
        ),
        target_video_id=Case(
            When(target_type=Report.TargetType.VIDEO, then=Subquery(video.values("pk")[:1])),
            When(
                target_type=Report.TargetType.COMMENT,
                then=Subquery(comment.values("video_id")[:1]),
            ),
            output_field=UUIDField(),
        ),
    )


def report_list_for_review(*, status: str) -> QuerySet[Report]:
    """Reports in `status`, summarised (`report_queryset_summarised`); order by
    `-created_at`, `-id` (index `social_report_queue`)."""
    return report_queryset_summarised().filter(status=status)


# -- Likes, bookmarks and shares (views/engagement.py) -----------------------------------


def access_video_engage(*, viewer, video_id) -> Video:
    """The video `video_id` if `viewer` may see it (`videos.selectors.access_video`)
    and it is ready: only ready videos are liked, bookmarked or shared. Else 404
    (`not_found`), also for its owner and staff while it is processing or failed."""
    video = access_video(viewer=viewer, video_id=video_id, annotated=False)
    if video.status != Video.Status.READY:
        raise NotFound()
    return video


def video_like_list(*, video: Video, viewer) -> QuerySet[VideoLike]:
    """The likes of `video` (the video is `viewer`'s to see) with each liker joined
    and `viewer`'s follow status of them annotated (`follow_user(side="user")` gives
    the user); for all but staff, likers hidden from `viewer` (deleted, banned, on
    either side of a block) are left out. Order by `-created_at`, `-id` (index
    `social_video_likers`)."""
    likes = VideoLike.objects.filter(video=video).select_related("user")
    likes = likes.filter(user_visibility_filter(viewer=viewer, field="user"))
    return likes.annotate(
        viewer_follow_status=follow_status_expression(viewer=viewer, user_ref=OuterRef("user"))
    )


def bookmark_list(*, user: User) -> QuerySet[Bookmark]:
    """`user`'s bookmarks of ready videos they may still see, each video prefetched as
    `videos.selectors.video_queryset_visible` gives it (owner, category, `is_liked`,
    `is_bookmarked`: one query per page). Bookmarks of videos they may no longer see
    are left out, not deleted. Order by `-created_at`, `-id` (index `social_bookmarks`)."""
    videos = video_queryset_visible(viewer=user, listed=False).filter(status=Video.Status.READY)
    return Bookmark.objects.filter(user=user, video_id__in=videos.values("pk")).prefetch_related(
        Prefetch("video", queryset=videos)
    )
