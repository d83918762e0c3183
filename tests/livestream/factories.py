"""Factories for live streams (rows for lists and privacy, made with a known key) and
the gift catalogue."""

import factory
from django.utils import timezone

from livestream.keys import stream_key_digest
from livestream.models import Gift, Stream, StreamSession
from tests.accounts.factories import UserFactory


class StreamFactory(factory.django.DjangoModelFactory):
    """An idle stream whose key is `key-<n>` (its digest stored, as the service does)."""

    class Meta:
        model = Stream

    class Params:
        key = factory.Sequence(lambda n: f"key-{n}")

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Stream {n}")
    visibility = Stream.Visibility.PUBLIC
    key_digest = factory.LazyAttribute(lambda stream: stream_key_digest(stream.key))
    key_rotated_at = factory.LazyFunction(timezone.now)


class StreamSessionFactory(factory.django.DjangoModelFactory):
    """A broadcast under way (its stream should be `live`)."""

    class Meta:
        model = StreamSession

    stream = factory.SubFactory(StreamFactory, status=Stream.Status.LIVE)
    started_at = factory.LazyFunction(timezone.now)
    last_callback_at = factory.LazyFunction(timezone.now)


class GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gift

    name = factory.Sequence(lambda n: f"Gift {n}")
    coins = 10
