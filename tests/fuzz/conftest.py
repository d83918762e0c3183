"""The world the fuzzer meets: a signed-in user with real neighbours, so generated
requests reach real objects as well as missing ones."""

from dataclasses import dataclass

import pytest
from django.core import signals
from django.db import close_old_connections

from accounts.models import AuthSession, User
from accounts.services.sessions import ClientInfo, session_start
from notifications.models import Notification
from social.models import Comment
from social.services.comments import comment_create
from social.services.engagement import video_like
from social.services.follows import follow_create
from tests.accounts.factories import UserFactory
from tests.videos.factories import VideoFactory
from videos.models import Video


@dataclass(frozen=True)
class FuzzWorld:
    user: User
    session: AuthSession
    access_token: str
    creator: User
    video: Video
    comment: Comment
    notification: Notification


@pytest.fixture
def _keep_connection():
    """The WSGI handler closes the database connection around each request, as it
    should in production; the test's transaction lives on that connection, so keep it
    open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, settings, _keep_connection) -> FuzzWorld:
    """`fuzzer` follows `creator`, whose public ready video `fuzzer` commented on and
    `creator` liked back; `fuzzer` has a notification and a session of its own."""
    # The werkzeug client the WSGI transport uses sends `Host: localhost`.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    user = UserFactory(username="fuzzer")
    creator = UserFactory(username="creator")
    video = VideoFactory(owner=creator, title="A ready public video")
    own_video = VideoFactory(owner=user, title="The fuzzer's own video")
    follow_create(follower=user, followed=creator)
    follow_create(follower=creator, followed=user)
    comment = comment_create(author=user, video=video, text="First!")
    video_like(video=own_video, user=creator)
    notification = Notification.objects.filter(recipient=user).latest("created_at")
    session, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
    return FuzzWorld(
        user=user,
        session=session,
        access_token=tokens.access_token,
        creator=creator,
        video=video,
        comment=comment,
        notification=notification,
    )
