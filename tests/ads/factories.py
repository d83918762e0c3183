"""Factories for advertisers, campaigns and creatives (rows as the services leave them)."""

from datetime import timedelta

import factory
from django.utils import timezone

from ads.models import Advertiser, Campaign, Creative
from tests.accounts.factories import UserFactory
from tests.videos.factories import VideoFactory


class AdvertiserFactory(factory.django.DjangoModelFactory):
    """An active advertiser with no coins (fund it through the service to spend)."""

    class Meta:
        model = Advertiser

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Advertiser {n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    """A draft CPM campaign that started an hour ago, with no targeting."""

    class Meta:
        model = Campaign

    advertiser = factory.SubFactory(AdvertiserFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    start_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    total_budget = 1_000
    daily_budget = 100
    pricing = Campaign.Pricing.CPM
    bid_millicoins = 2_000  # 2 coins per thousand impressions
    pacing = Campaign.Pacing.ASAP


class CreativeFactory(factory.django.DjangoModelFactory):
    """An approved creative promoting a ready, public video of the advertiser's owner."""

    class Meta:
        model = Creative

    campaign = factory.SubFactory(CampaignFactory)
    video = factory.SubFactory(
        VideoFactory, owner=factory.SelfAttribute("..campaign.advertiser.owner")
    )
    headline = factory.Sequence(lambda n: f"Headline {n}")
    call_to_action = "Learn more"
    click_url = "https://example.com/landing"
    review_status = Creative.Review.APPROVED
    reviewed_at = factory.LazyFunction(timezone.now)
