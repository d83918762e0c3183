"""The human sentence for each notification type, shared by the API and the emails."""

from collections.abc import Mapping
from typing import Any

from notifications.models import NotificationType

# "{actors}" becomes "ana", "ana and 1 other" or "ana and 4 others".
SENTENCES: dict[str, str] = {
    NotificationType.NEW_FOLLOWER: "{actors} started following you",
    NotificationType.FOLLOW_REQUEST: "{actors} asked to follow you",
    NotificationType.FOLLOW_ACCEPTED: "{actors} accepted your follow request",
    NotificationType.VIDEO_LIKE: "{actors} liked your video",
    NotificationType.VIDEO_COMMENT: "{actors} commented on your video",
    NotificationType.COMMENT_REPLY: "{actors} replied to your comment",
    NotificationType.COMMENT_LIKE: "{actors} liked your comment",
    NotificationType.MENTION: "{actors} mentioned you in a comment",
    NotificationType.NEW_VIDEO_FROM_FOLLOWING: "{actors} posted a new video",
    NotificationType.VIDEO_PROCESSED: "Your video is ready to watch",
    NotificationType.VIDEO_FAILED: "Your video could not be processed",
    # Payments: `data` carries the figures ("coins", "tier", "creator").
    NotificationType.TIP_RECEIVED: "{actors} sent you a tip of {coins} coins",
    NotificationType.NEW_SUBSCRIBER: "{actors} subscribed to your {tier} tier",
    NotificationType.SUBSCRIPTION_RENEWED: "Your subscription to {creator} was renewed",
    NotificationType.SUBSCRIPTION_PAST_DUE: (
        "Your subscription to {creator} could not be renewed: top up your wallet to keep it"
    ),
    NotificationType.SUBSCRIPTION_EXPIRED: "Your subscription to {creator} expired",
    NotificationType.SUBSCRIPTION_ENDED: (
        "Your subscription to {creator} ended: {coins} coins for the unused part went back "
        "to your wallet"
    ),
    NotificationType.PAYOUT_PAID: "Your payout of {coins} coins was paid",
    NotificationType.PAYOUT_REJECTED: "Your payout of {coins} coins was rejected",
    # Live streams: `data` carries "stream_title".
    NotificationType.LIVE_STARTED: "{actors} is live: {stream_title}",
    NotificationType.STREAM_REMINDER: "{actors} goes live in {minutes} minutes: {stream_title}",
    NotificationType.GIFT_RECEIVED: "{actors} sent you gifts during {stream_title}",
    # Ads: `data` carries "headline", "campaign" and "decision".
    NotificationType.AD_CREATIVE_REVIEWED: 'Your ad "{headline}" in {campaign} was {decision}',
}
FALLBACK_SENTENCE = "You have a new notification"


def actors_phrase(*, username: str | None, actor_count: int) -> str:
    name = username or "Someone"
    others = actor_count - 1
    if others <= 0:
        return name
    return f"{name} and {others} other{'s' if others > 1 else ''}"


def notification_text(
    *,
    type: str,
    actor_username: str | None,
    actor_count: int,
    data: Mapping[str, Any] | None = None,
) -> str:
    """E.g. "ana and 4 others liked your video"; a video's title is quoted when given,
    payments' figures come from `data` (a sentence missing one falls back), and a
    rejected payout or ad says why when staff said."""
    try:
        sentence = SENTENCES.get(type, FALLBACK_SENTENCE).format(
            **{key: value for key, value in (data or {}).items() if key != "actors"},
            actors=actors_phrase(username=actor_username, actor_count=actor_count),
        )
    except (KeyError, IndexError):
        sentence = FALLBACK_SENTENCE
    reason = (data or {}).get("reason")
    if reason and type in (NotificationType.PAYOUT_REJECTED, NotificationType.AD_CREATIVE_REVIEWED):
        sentence = f"{sentence}: {reason}"
    title = (data or {}).get("video_title")
    if title and type in (NotificationType.VIDEO_PROCESSED, NotificationType.VIDEO_FAILED):
        sentence = sentence.replace("Your video", f'Your video "{title}"')
    return sentence
