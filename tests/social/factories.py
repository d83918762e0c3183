"""Factories for the social app, and `SocialGraph` for follows and blocks made through
the real services. Append new factories at the end."""

import factory
from django.utils import timezone

from accounts.models import User
from social.models import Block, Follow
from social.services.blocks import block_create, block_delete
from social.services.follows import follow_create, follow_request_accept
from tests.accounts.factories import UserFactory


class FollowFactory(factory.django.DjangoModelFactory):
    """An accepted follow row. Rows only: the users' counters do not move and nobody
    is notified; use `SocialGraph` (the services) where those matter."""

    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)
    status = Follow.Status.ACCEPTED
    accepted_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(status=Follow.Status.PENDING, accepted_at=None)


class BlockFactory(factory.django.DjangoModelFactory):
    """A block row, without the side effects of `block_create`."""

    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class SocialGraph:
    """Follows and blocks made through the social services, so counters, requests
    and side effects are those of the running app."""

    def follow(self, follower: User, followed: User) -> Follow:
        """An accepted follow, also of a private account (which accepts at once)."""
        follow, _ = follow_create(follower=follower, followed=followed)
        if follow.status == Follow.Status.PENDING:
            follow = follow_request_accept(user=followed, follow_id=follow.pk)
        return follow

    def request(self, follower: User, followed: User) -> Follow:
        """A request to follow a private account, left pending."""
        follow, _ = follow_create(follower=follower, followed=followed)
        assert follow.status == Follow.Status.PENDING
        return follow

    def block(self, blocker: User, blocked: User) -> Block:
        block, _ = block_create(blocker=blocker, blocked=blocked)
        return block

    def unblock(self, blocker: User, blocked: User) -> None:
        block_delete(blocker=blocker, blocked=blocked)


# -- Comments and reports ----------------------------------------------------------------


class CommentFactory(factory.django.DjangoModelFactory):
    """A top-level comment row on a new public video. Rows only: the counters do not
    move and nobody is notified; use `social.services.comments.comment_create` where
    those matter."""

    class Meta:
        model = "social.Comment"

    video = factory.SubFactory("tests.videos.factories.VideoFactory")
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Comment {n}")


class ReportFactory(factory.django.DjangoModelFactory):
    """An open report of a user (the target is made with it)."""

    class Meta:
        model = "social.Report"

    reporter = factory.SubFactory(UserFactory)
    target_type = "user"
    target_id = factory.LazyFunction(lambda: UserFactory().pk)
    reason = "spam"


# -- Likes, bookmarks and shares -----------------------------------------------------------


class VideoLikeFactory(factory.django.DjangoModelFactory):
    """A like row on a new public video. Rows only: `like_count` does not move and nobody
    is notified; use `social.services.engagement.video_like` where those matter."""

    class Meta:
        model = "social.VideoLike"

    video = factory.SubFactory("tests.videos.factories.VideoFactory")
    user = factory.SubFactory(UserFactory)


class BookmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "social.Bookmark"

    video = factory.SubFactory("tests.videos.factories.VideoFactory")
    user = factory.SubFactory(UserFactory)
