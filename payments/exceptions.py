"""The payments app's errors, each with a stable code a client can switch on.

Users the caller may not see (unknown, blocked either way, not signed-in-able) answer
DRF's `NotFound` (`not_found`, 404), as elsewhere. Each section belongs to one services
module; append new ones at the end.
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied

from core.exceptions import FieldRejection

# The ledger (services/ledger.py) and spending


class InsufficientFunds(APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "Your wallet does not hold enough coins for this."
    default_code = "insufficient_funds"


class WalletInDebt(APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "A refunded purchase left your wallet in debt; top up to settle it first."
    default_code = "wallet_in_debt"


# What spending coins may answer (tips, subscriptions).
SPENDING = (WalletInDebt, InsufficientFunds)


# Idempotency (idempotency.py)


class IdempotencyKeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The Idempotency-Key header must be 1 to 255 printable ASCII characters."
    default_code = "invalid_idempotency_key"


class IdempotencyKeyMissing(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This request moves coins: send an Idempotency-Key header with it."
    default_code = "idempotency_key_required"


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used with a different request; use a new key."
    )
    default_code = "idempotency_key_reused"


# Top-ups, providers and webhooks (services/top_ups.py, providers/)


class PackageUnavailable(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This coin package is not for sale."
    default_code = "package_unavailable"


class PaymentProviderError(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The payment provider could not be reached or refused; try again later."
    default_code = "payment_provider_error"


class WebhookSignatureInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The Stripe-Signature header is missing or does not match the payload."
    default_code = "invalid_signature"


class WebhookSignatureExpired(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The signature's timestamp is outside the tolerated window."
    default_code = "signature_expired"


class WebhookPayloadMalformed(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The event is not a JSON object with an id, a type and a data object."
    default_code = "malformed_payload"


class CheckoutClosed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This checkout is already paid, declined or expired."
    default_code = "checkout_closed"


class TopUpNotRefundable(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Only a paid top-up that was not refunded yet can be refunded."
    default_code = "top_up_not_refundable"


# Tips (services/tips.py)

TIP_TOO_SMALL = FieldRejection("amount", "min_value", "A tip is at least 1 coin.")
TIP_TOO_LARGE = FieldRejection(
    "amount", "max_value", "A tip is at most {limit} coins.", limit=lambda: settings.TIP_MAX_COINS
)


class CannotTipSelf(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot tip yourself."
    default_code = "cannot_tip_self"


class RecipientNotCreator(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Only creators can receive tips."
    default_code = "recipient_not_creator"


class VideoNotByRecipient(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The video is not one of the recipient's."
    default_code = "video_not_by_recipient"


# Creator tiers and subscriptions (services/subscriptions.py)


class NotACreator(PermissionDenied):
    default_detail = "Only creators can offer subscription tiers."
    default_code = "not_a_creator"


class TierNameTaken(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You already have a tier with this name."
    default_code = "tier_name_taken"


class TierUnavailable(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This tier takes no new subscribers."
    default_code = "tier_unavailable"


class CannotSubscribeSelf(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot subscribe to yourself."
    default_code = "cannot_subscribe_self"


class AlreadySubscribed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "You already have a subscription to this creator."
    default_code = "already_subscribed"


class SubscriptionEnded(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This subscription has already ended."
    default_code = "subscription_ended"


# Payouts (services/payouts.py)


class PayoutBelowMinimum(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "A payout must be at least the minimum amount."
    default_code = "payout_below_minimum"


class InsufficientEarnings(APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "Your available earnings do not cover this payout."
    default_code = "insufficient_earnings"


class PayoutNotPending(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Only a pending payout can be approved or rejected."
    default_code = "payout_not_pending"


class NotStaff(PermissionDenied):
    default_detail = "Only staff can do this."
    default_code = "not_staff"
