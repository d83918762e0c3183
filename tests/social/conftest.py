"""Fixtures shared by the engagement tests (likes, bookmarks, shares)."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.social.factories import SocialGraph
from tests.videos.factories import VideoFactory
from videos.models import Video

# Who may like or bookmark (201), or is refused, each video of `videos`: the same rule
# for both (the video's privacy and blocks either way).
ENGAGE_STATUS = {
    "public": {
        "anonymous": 401,
        "stranger": 201,
        "follower": 201,
        "blocked": 404,
        "blocker": 404,
        "owner": 201,
        "staff": 201,
    },
    "followers": {
        "anonymous": 401,
        "stranger": 404,
        "follower": 201,
        "blocked": 404,
        "blocker": 404,
        "owner": 201,
        "staff": 201,
    },
}
ENGAGE_MATRIX = [(kind, viewer) for kind, row in ENGAGE_STATUS.items() for viewer in row]


@pytest.fixture
def graph() -> SocialGraph:
    """Follows and blocks made through the social services."""
    return SocialGraph()


@pytest.fixture
def people(make_auth_client, graph):
    """An owner, an accepted follower, a stranger, a user the owner blocked, a user who
    blocked the owner, and a moderator; each with a signed-in client, plus anonymous."""
    users = {
        "owner": UserFactory(username="owner"),
        "follower": UserFactory(username="follower"),
        "stranger": UserFactory(username="stranger"),
        "blocked": UserFactory(username="blocked"),
        "blocker": UserFactory(username="blocker"),
        "staff": ModeratorFactory(username="staff"),
    }
    graph.follow(users["follower"], users["owner"])
    graph.block(users["owner"], users["blocked"])
    graph.block(users["blocker"], users["owner"])
    clients = {name: make_auth_client(user) for name, user in users.items()}
    clients["anonymous"] = APIClient()
    return users, clients


@pytest.fixture
def videos(people):
    """The owner's public video and followers-only video."""
    users, _ = people
    return {
        "public": VideoFactory(owner=users["owner"], visibility=Video.Visibility.PUBLIC),
        "followers": VideoFactory(owner=users["owner"], visibility=Video.Visibility.FOLLOWERS),
    }
