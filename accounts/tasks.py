"""Accounts app: Celery tasks; each only calls a service."""

from celery import shared_task

from accounts.models import User
from accounts.services.emails import email_verification_send, password_reset_send
from accounts.services.passwords import password_reset_send_to_address


@shared_task
def email_verification_send_task(user_id: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        email_verification_send(user=user)


@shared_task
def password_reset_send_task(user_id: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        password_reset_send(user=user)


@shared_task
def password_reset_request_task(email: str) -> None:
    password_reset_send_to_address(email=email)
