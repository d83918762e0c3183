"""`core.expressions`: flags every app's selectors annotate, and a term SQLite's
planner leaves off its indexes."""

import pytest
from django.db import connection
from django.db.models import OuterRef, UUIDField

from core.expressions import Unindexed, row_exists
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


def test_unindexed_is_the_same_value_that_sqlite_matches_to_no_index():
    mine, theirs = UserFactory(), UserFactory()
    videos = [VideoFactory(owner=mine), VideoFactory(owner=mine), VideoFactory(owner=theirs)]
    queryset = Video.objects.alias(
        owner_key=Unindexed("owner_id", output_field=UUIDField())
    ).filter(owner_key__in=[mine.pk])

    assert sorted(queryset.values_list("pk", flat=True)) == sorted(v.pk for v in videos[:2])
    sql = str(queryset.query)
    plan = queryset.explain()
    if connection.vendor == "sqlite":
        assert '+"videos_video"."owner_id" IN' in sql
        assert "owner_id" not in plan  # the owner's index is not used
    else:
        assert '"videos_video"."owner_id" IN' in sql
        assert '+"videos_video"' not in sql
