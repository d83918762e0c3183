"""The notification email: one sentence, as plain text and HTML."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.models import User
from accounts.selectors import user_can_act
from notifications.models import Notification
from notifications.texts import notification_text


def notification_email_send(
    *,
    recipient_id: str,
    type: str,
    actor_id: str | None = None,
    notification_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Email the recipient about one event; returns whether a message went.

    With `notification_id` the sentence tells the group as it is now ("ana and 4
    others ..."); without (in-app off, or fan-out) it tells the single event.
    """
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None or not recipient.email or not user_can_act(recipient):
        return False
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    actor_count = 1
    notification = (
        Notification.objects.select_related("actor").filter(pk=notification_id).first()
        if notification_id
        else None
    )
    if notification is not None:
        actor, actor_count, data = notification.actor, notification.actor_count, notification.data
    sentence = notification_text(
        type=type,
        actor_username=actor.username if actor is not None else None,
        actor_count=actor_count,
        data=data,
    )
    context = {
        "recipient": recipient,
        "sentence": sentence,
        "site_name": settings.SITE_NAME,
        "link": f"{settings.FRONTEND_URL}/notifications",
    }
    message = EmailMultiAlternatives(
        subject=f"{sentence} - {settings.SITE_NAME}",
        body=render_to_string("notifications/notification_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(
        render_to_string("notifications/notification_email.html", context), "text/html"
    )
    message.send()
    return True
