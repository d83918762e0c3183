"""The social graph as `core.relations` asks for it: `social` registers
`SocialRelations` from `SocialConfig.ready`, so `accounts` and `videos` can ask who
follows, blocks, likes or bookmarks what without importing this app."""

from django.db.models import BooleanField, Expression, OuterRef, Q, QuerySet, Value

from accounts.models import User
from core.access import is_signed_in
from core.expressions import row_exists
from social.models import Block, Bookmark, Follow, VideoLike
from social.selectors import blocked_user_ids, follow_status_expression


class SocialRelations:
    """Every answer is a queryset or an expression, used as a subquery by the caller:
    asking costs no query of its own."""

    def followed_user_ids(self, user) -> QuerySet:
        if not is_signed_in(user):
            return User.objects.none().values("pk")
        return Follow.objects.filter(follower_id=user.pk, status=Follow.Status.ACCEPTED).values(
            "followed_id"
        )

    def follower_user_ids(self, user) -> QuerySet:
        if not is_signed_in(user):
            return User.objects.none().values("pk")
        return Follow.objects.filter(followed_id=user.pk, status=Follow.Status.ACCEPTED).values(
            "follower_id"
        )

    def blocked_user_ids(self, user) -> QuerySet:
        return blocked_user_ids(user)

    def blocks_between(self, user, other) -> QuerySet:
        return Block.objects.filter(
            Q(blocker_id=user.pk, blocked_id=other.pk) | Q(blocker_id=other.pk, blocked_id=user.pk)
        )

    def follow_status_expression(self, viewer, *, user_field: str = "pk") -> Expression | None:
        return follow_status_expression(viewer=viewer, user_ref=OuterRef(user_field))

    def video_liked_expression(self, viewer) -> Expression | None:
        if not is_signed_in(viewer):
            return Value(False, output_field=BooleanField())
        return row_exists(VideoLike.objects.filter(user_id=viewer.pk, video_id=OuterRef("pk")))

    def video_bookmarked_expression(self, viewer) -> Expression | None:
        if not is_signed_in(viewer):
            return Value(False, output_field=BooleanField())
        return row_exists(Bookmark.objects.filter(user_id=viewer.pk, video_id=OuterRef("pk")))
