"""Factories for videos: ready videos without real media, for lists and privacy."""

import factory
from django.utils import timezone

from tests.accounts.factories import UserFactory
from videos.models import Category, Video


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class VideoFactory(factory.django.DjangoModelFactory):
    """A processed video; its files are names only (nothing in the storage)."""

    class Meta:
        model = Video

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Video {n}")
    description = ""
    status = Video.Status.READY
    visibility = Video.Visibility.PUBLIC
    source_file = factory.LazyAttribute(lambda video: f"videos/{video.media_key}/source.mp4")
    media_key = factory.Faker("hexify", text="^" * 32, upper=False)
    duration_seconds = 12.0
    width = 640
    height = 360
    published_at = factory.LazyFunction(timezone.now)
