"""The admin for chats: messages, bans and moderators are read-mostly; staff delete
messages softly with an action."""

import pytest

from livestream.models import ChatBan, ChatMessage, Stream, StreamModerator
from livestream.services.chat import chat_message_post, chat_system_message_post
from tests.accounts.factories import UserFactory
from tests.livestream.factories import StreamFactory, StreamSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream():
    stream = StreamFactory(status=Stream.Status.LIVE, title="Show")
    StreamSessionFactory(stream=stream)
    return stream


def test_the_chat_pages_load_and_search(admin_client, stream):
    author = UserFactory(username="chatty")
    message = chat_message_post(stream=stream, author=author, text="hello world")
    chat_system_message_post(stream=stream, text="sent a rose", kind="gift", author=author)
    ChatBan.objects.create(stream=stream, user=UserFactory(), reason="spam")
    StreamModerator.objects.create(stream=stream, user=UserFactory())

    pages = [
        admin_client.get("/admin/livestream/chatmessage/"),
        admin_client.get("/admin/livestream/chatmessage/?q=hello"),
        admin_client.get(f"/admin/livestream/chatmessage/?kind=gift&stream={stream.pk}"),
        admin_client.get("/admin/livestream/chatmessage/?deleted=no&stream=nope"),
        admin_client.get(f"/admin/livestream/chatmessage/{message.pk}/change/"),
        admin_client.get("/admin/livestream/chatban/"),
        admin_client.get("/admin/livestream/streammoderator/"),
    ]

    assert [page.status_code for page in pages] == [200] * 7
    assert "hello world" in pages[1].content.decode()
    assert "hello world" not in pages[3].content.decode()  # no such stream
    assert "hello world" not in pages[2].content.decode()
    assert "sent a rose" in pages[2].content.decode()
    for model in ("chatmessage", "chatban", "streammoderator"):
        assert admin_client.get(f"/admin/livestream/{model}/add/").status_code == 403


def test_the_delete_action_deletes_softly(admin_client, admin_user, stream):
    author = UserFactory()
    spam = chat_message_post(stream=stream, author=author, text="spam")
    kept = chat_system_message_post(stream=stream, text="welcome")

    response = admin_client.post(
        "/admin/livestream/chatmessage/",
        {"action": "delete_messages", "_selected_action": [spam.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Deleted 1 chat message(s)." in response.content.decode()
    spam.refresh_from_db()
    assert (spam.deleted_by, spam.text) == (admin_user, "spam")
    assert ChatMessage.objects.get(pk=kept.pk).deleted_at is None
