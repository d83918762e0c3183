"""Notifications app: Celery tasks; each only calls a service."""

from typing import Any

from celery import shared_task

from notifications.emails import notification_email_send
from notifications.services import notification_fan_out


@shared_task
def notification_email_send_task(
    *,
    recipient_id: str,
    type: str,
    actor_id: str | None = None,
    notification_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    notification_email_send(
        recipient_id=recipient_id,
        type=type,
        actor_id=actor_id,
        notification_id=notification_id,
        data=data,
    )


@shared_task
def notification_fan_out_task(
    *,
    actor_id: str,
    type: str,
    target_content_type_id: int,
    target_object_id: str,
    data: dict[str, Any] | None = None,
    subscribers_only: bool = False,
) -> int:
    return notification_fan_out(
        actor_id=actor_id,
        type=type,
        target_content_type_id=target_content_type_id,
        target_object_id=target_object_id,
        data=data,
        subscribers_only=subscribers_only,
    )
