"""The admin for the gift catalogue (staff add, edit and retire gifts) and for the
gifts sent (records of coins that moved: read-only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from livestream.models import Gift, GiftSent
from livestream.services.gifts import gift_send
from livestream.services.streams import stream_publish_start
from tests.accounts.factories import UserFactory
from tests.livestream.factories import GiftFactory, StreamFactory
from tests.payments.factories import CreatorFactory, wallet_fund

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded gift images go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


# The smallest valid GIF: the image field checks the file is an image.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def test_staff_add_a_gift_with_its_image(admin_client):
    response = admin_client.post(
        "/admin/livestream/gift/add/",
        {
            "name": "Rose",
            "coins": 10,
            "image": SimpleUploadedFile("rose.gif", GIF, content_type="image/gif"),
            "active": "on",
            "position": 1,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    gift = Gift.objects.get()
    assert (gift.name, gift.coins, gift.active) == ("Rose", 10, True)
    assert gift.image.name.startswith("gifts/") and gift.image.name.endswith(".gif")


def test_a_gift_costs_at_least_a_coin(admin_client):
    response = admin_client.post(
        "/admin/livestream/gift/add/", {"name": "Free", "coins": 0, "position": 0}
    )

    assert response.status_code == 200  # the form again, with the error
    assert not Gift.objects.exists()


def test_gifts_are_retired_not_deleted(admin_client):
    gift = GiftFactory()

    assert admin_client.get(f"/admin/livestream/gift/{gift.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/livestream/gift/").status_code == 200


def test_gifts_sent_are_read_only_records(admin_client):
    creator = CreatorFactory()
    StreamFactory(owner=creator, key="k")
    stream = stream_publish_start(key="k")
    viewer = UserFactory()
    wallet_fund(viewer, 10)
    sent = gift_send(sender=viewer, stream_id=stream.pk, gift_id=GiftFactory().pk, quantity=1)

    listing = admin_client.get("/admin/livestream/giftsent/")
    page = admin_client.get(f"/admin/livestream/giftsent/{sent.pk}/change/")

    assert (listing.status_code, page.status_code) == (200, 200)
    assert admin_client.get("/admin/livestream/giftsent/add/").status_code == 403
    assert GiftSent.objects.count() == 1
