"""Row locks (`SELECT ... FOR UPDATE`), taken in one order everywhere (as Saleor's
`lock_objects`), so two transactions may wait for each other but never in a circle.

A transaction that locks rows of more than one kind takes them in this order:

1. users (`users_lock`, `user_lock`), in primary-key order;
2. the rows of what changes between them, each kind in primary-key order: follows,
   then subscriptions; or the one report, top-up, payout or subscription a change is
   about;
3. ledger accounts (`rows_lock`), in primary-key order, last: a posting
   (`payments.services.ledger.ledger_post`) locks its accounts as its final step.

PostgreSQL honours these locks; on SQLite the database-wide write lock (`IMMEDIATE`
transactions) already serialises writers. Call the helpers inside a transaction.

Users are locked `FOR NO KEY UPDATE`: it shuts out every other lock of this module and
every change of the row, but not the key-share locks PostgreSQL takes to check a
reference to the user (a tip's, a notification's, any row's with a foreign key to
users). Those checks run at commit (Django's foreign keys are deferred), in no order
of ours: with `FOR UPDATE`, a follow between a tipper and the creator held one of the
two users and waited for the other, whose check the tip's commit had passed, while
that commit waited for the first (a deadlock PostgreSQL logged).
"""

from collections.abc import Iterable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)


def rows_lock(queryset: QuerySet[M], **options) -> list[M]:
    """Lock the rows of `queryset` in primary-key order; returns them, freshly read.
    `options` go to `select_for_update` (`of=("self",)`, ...)."""
    return list(queryset.select_for_update(**options).order_by("pk"))


def users_lock(user_ids: Iterable = (), *, where: Q | None = None) -> dict:
    """Lock the rows of the users with these ids, and of those `where` matches, in
    primary-key order (step 1); returns the locked users, freshly read, by id (ids
    with no user are left out)."""
    condition = Q(pk__in=list(user_ids))
    if where is not None:
        condition |= where
    users = rows_lock(get_user_model().objects.filter(condition), no_key=True)
    return {user.pk: user for user in users}


def user_lock(user):
    """Lock and re-read one user's row (step 1); `DoesNotExist` when it is gone."""
    return get_user_model().objects.select_for_update(no_key=True).get(pk=user.pk)
