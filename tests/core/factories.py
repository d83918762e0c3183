"""Factories for the test-only models of `tests.testapp`."""

import factory

from tests.testapp.models import Entry


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    title = factory.Sequence(lambda n: f"Entry {n}")
    rank = 0
