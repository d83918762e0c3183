"""`core.expressions`: flags every app's selectors annotate."""

import pytest
from django.db.models import OuterRef

from core.expressions import row_exists
from social.models import VideoLike
from tests.accounts.factories import UserFactory
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db


def test_row_exists_flags_each_row_with_a_bool():
    viewer, other = UserFactory(), UserFactory()
    liked, unliked, liked_by_other = VideoFactory(), VideoFactory(), VideoFactory()
    VideoLike.objects.create(user=viewer, video=liked)
    VideoLike.objects.create(user=other, video=liked_by_other)
    flags = dict(
        Video.objects.annotate(
            liked=row_exists(VideoLike.objects.filter(user=viewer, video_id=OuterRef("pk")))
        ).values_list("pk", "liked")
    )
    assert flags == {liked.pk: True, unliked.pk: False, liked_by_other.pk: False}
    assert {type(flag) for flag in flags.values()} == {bool}
    filtered = Video.objects.annotate(
        liked=row_exists(VideoLike.objects.filter(user=viewer, video_id=OuterRef("pk")))
    ).filter(liked=True)
    assert list(filtered) == [liked]
