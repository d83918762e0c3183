"""The world the fuzzer meets: a signed-in user with real neighbours, so generated
requests reach real objects as well as missing ones (the pytest fixture and the live
run, `tests/fuzz/live.py`, build the same)."""

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import AuthSession, User
from accounts.services.sessions import ClientInfo, session_start
from ads.models import Advertiser, Campaign, Creative
from ads.services.advertisers import advertiser_create, advertiser_fund
from ads.services.campaigns import campaign_create
from ads.services.creatives import creative_create
from livestream.models import ChatBan, ChatMessage, Gift, Stream, StreamModerator
from livestream.services.chat import chat_ban_create, chat_message_post, stream_moderator_add
from livestream.services.gifts import gift_send
from livestream.services.streams import stream_create, stream_publish_start
from livestream.services.viewers import stream_watch
from notifications.models import Notification
from payments.models import CoinPackage, CreatorTier, Payout, Subscription, TopUp
from payments.services.payouts import payout_request
from payments.services.subscriptions import subscription_create, tier_create
from payments.services.tips import tip_send
from payments.services.top_ups import top_up_create
from social.models import Comment
from social.services.comments import comment_create
from social.services.engagement import video_like
from social.services.follows import follow_create
from tests.accounts.factories import UserFactory
from tests.fuzz.hooks import HOOK_SECRET
from tests.livestream.factories import GiftFactory
from tests.payments.factories import wallet_fund
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
    tier: CreatorTier
    subscription: Subscription
    top_up: TopUp
    payout: Payout
    stream: Stream
    creator_stream: Stream
    chat_message: ChatMessage
    moderator: StreamModerator
    ban: ChatBan
    gift: Gift
    viewer_token: str
    own_video: Video
    advertiser: Advertiser
    campaign: Campaign
    creative: Creative


def fuzz_world_build() -> FuzzWorld:
    """`fuzzer` follows `creator`, whose public ready video `fuzzer` commented on and
    `creator` liked back; `fuzzer` has a notification and a session of its own. Both are
    creators: `fuzzer` has coins, earnings (a tip from `creator`), a tier of its own, a
    subscription to `creator`'s tier, a pending top-up and a pending payout.

    Both are live: `fuzzer`'s public stream, where `fuzzer` posted in the chat, named
    `creator` a moderator and banned `troll`, and `creator` sent a gift of the
    catalogue; and `creator`'s followers-only stream, which `fuzzer` watches (its
    viewer token) and has the coins to send gifts to."""
    user = UserFactory(username="fuzzer", role=User.Role.CREATOR)
    creator = UserFactory(username="creator", role=User.Role.CREATOR)
    video = VideoFactory(owner=creator, title="A ready public video")
    own_video = VideoFactory(owner=user, title="The fuzzer's own video")
    follow_create(follower=user, followed=creator)
    follow_create(follower=creator, followed=user)
    comment = comment_create(author=user, video=video, text="First!")
    video_like(video=own_video, user=creator)
    notification = Notification.objects.filter(recipient=user).latest("created_at")
    session, tokens = session_start(user=user, client=ClientInfo(ip_address="127.0.0.1"))
    wallet_fund(user, 100_000)
    wallet_fund(creator, 1_100)
    tip_send(sender=creator, recipient=user, amount=1_000)
    tier = tier_create(creator=user, name="Fuzz tier", price=100)
    subscription = subscription_create(
        subscriber=user, tier=tier_create(creator=creator, name="Gold", price=200)
    )
    top_up = top_up_create(
        user=user,
        package=CoinPackage.objects.order_by("position").first(),
        base_url="http://localhost",
    )
    payout = payout_request(creator=user, amount=100)
    stream = _stream_live(owner=user, title="The fuzzer's live stream")
    creator_stream = _stream_live(
        owner=creator, title="Followers only", visibility=Stream.Visibility.FOLLOWERS
    )
    chat_message = chat_message_post(stream=stream, author=user, text="Welcome!")
    moderator = stream_moderator_add(stream=stream, user=creator).moderator
    ban, _ = chat_ban_create(
        stream=stream, moderator=user, target=UserFactory(username="troll"), reason="Spam"
    )
    gift = GiftFactory(name="Rose", coins=10)
    gift_send(sender=creator, stream_id=stream.pk, gift_id=gift.pk, quantity=1)
    viewer_token = stream_watch(stream=creator_stream, viewer=user).viewer_token
    advertiser = advertiser_fund(
        advertiser=advertiser_create(owner=user, name="Fuzz ads"), amount=1_000
    )
    campaign = campaign_create(
        advertiser=advertiser,
        name="Fuzz campaign",
        start_at=timezone.now(),
        total_budget=500,
        daily_budget=50,
        bid_millicoins=2_500,
    )
    creative = creative_create(
        campaign=campaign,
        video_id=own_video.pk,
        headline="Watch this",
        call_to_action="Watch",
        click_url="https://example.com/",
    )
    return FuzzWorld(
        user=user,
        session=session,
        access_token=tokens.access_token,
        creator=creator,
        video=video,
        comment=comment,
        notification=notification,
        tier=tier,
        subscription=subscription,
        top_up=top_up,
        payout=payout,
        stream=stream,
        creator_stream=creator_stream,
        chat_message=chat_message,
        moderator=moderator,
        ban=ban,
        gift=gift,
        viewer_token=viewer_token,
        own_video=own_video,
        advertiser=advertiser,
        campaign=campaign,
        creative=creative,
    )


def _stream_live(*, owner: User, title: str, visibility: str = Stream.Visibility.PUBLIC) -> Stream:
    """A new stream of `owner`, live: its publisher started with its key."""
    created = stream_create(owner=owner, title=title, visibility=visibility)
    return stream_publish_start(key=created.key, publisher_ref="fuzz")


def fuzz_world_ids(world: FuzzWorld) -> dict[str, list[str]]:
    """Path parameter -> the world's objects it may name (each example takes one)."""
    return {
        "username": [world.creator.username],
        "video_id": [str(world.video.pk)],
        "comment_id": [str(world.comment.pk)],
        "notification_id": [str(world.notification.pk)],
        "session_id": [str(world.session.pk)],
        "tier_id": [str(world.tier.pk)],
        "subscription_id": [str(world.subscription.pk)],
        "top_up_id": [str(world.top_up.pk)],
        "payout_id": [str(world.payout.pk)],
        # The fuzzer's own stream (owner, moderation) and one it watches (gifts).
        "stream_id": [str(world.stream.pk), str(world.creator_stream.pk)],
        "message_id": [str(world.chat_message.pk)],
        # The fuzzer's own advertiser, its campaign and the campaign's creative.
        "advertiser_id": [str(world.advertiser.pk)],
        "campaign_id": [str(world.campaign.pk)],
        "creative_id": [str(world.creative.pk)],
    }


def fuzz_world_bodies(world: FuzzWorld) -> dict[str, dict[str, str]]:
    """Operation id -> body fields the world has real values for: a gift of the
    catalogue, the viewer token `watch/` gave the fuzzer, users to moderate."""
    return {
        "live_streams_gifts_create": {"gift": str(world.gift.pk)},
        "live_streams_heartbeat": {"viewer_token": world.viewer_token},
        # Users the fuzzer's stream does not list yet as what the operation makes them.
        "live_moderators_create": {"username": "troll"},
        "live_chat_bans_create": {"username": world.creator.username},
        "live_chat_timeouts_create": {"username": "troll"},
        # A video the fuzzer may promote.
        "ads_campaigns_creatives_create": {"video": str(world.own_video.pk)},
    }


def fuzz_world_queries() -> dict[str, str]:
    """Query parameter -> the value the world's server knows: the media server's hooks
    take the hook secret (`LIVE_HOOK_SECRET`: `HOOK_SECRET`)."""
    return {"secret": HOOK_SECRET}
