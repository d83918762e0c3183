"""Staff actions (suspend, ban, reinstate, change role) and the moderation log API."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from accounts.exceptions import LastAdmin
from accounts.models import AuthSession, ModerationAction, User
from accounts.services.moderation import user_ban, user_role_change, user_suspend
from tests.accounts.factories import PASSWORD, AdminFactory, ModeratorFactory, UserFactory
from tests.conftest import error_body

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"
SESSIONS = "/api/v1/auth/sessions/"
MODERATION_LOG = "/api/v1/moderation-log/"

Role, Status, Action = User.Role, User.Status, ModerationAction.Action
FACTORIES = {
    Role.USER: UserFactory,
    Role.CREATOR: lambda **kw: UserFactory(role=Role.CREATOR, **kw),
    Role.MODERATOR: ModeratorFactory,
    Role.ADMIN: AdminFactory,
}


def action_url(username: str, action: str) -> str:
    return f"/api/v1/users/{username}/{action}/"


def iso(moment) -> str | None:
    return serializers.DateTimeField().to_representation(moment) if moment else None


NOT_AUTHENTICATED = error_body("not_authenticated", "Authentication credentials were not provided.")
PERMISSION_DENIED = error_body(
    "permission_denied", "You do not have permission to perform this action."
)
INSUFFICIENT_ROLE = error_body(
    "insufficient_role", "Your role does not allow this action on this account."
)
SESSION_ENDED = error_body("session_ended", "This session has ended; sign in again.")
CANNOT_MODERATE_SELF = error_body(
    "cannot_moderate_self", "Staff cannot take this action on their own account."
)


def staff_view_of(user: User) -> dict:
    """The user object as staff see it (private fields included)."""
    user.refresh_from_db()
    return {
        "id": str(user.pk),
        "username": user.username,
        "display_name": user.display_name,
        "bio": "",
        "avatar_url": None,
        "is_private": False,
        "email_verified": True,
        "role": user.role,
        "status": user.status,
        "follower_count": 0,
        "following_count": 0,
        "video_count": 0,
        "is_following": False,
        "follow_status": None,
        "created_at": iso(user.date_joined),
        "email": user.email,
        "phone_number": "",
        "last_login": iso(user.last_login),
        "two_factor_enabled": False,
    }


def log_rows(target: User) -> list[dict]:
    return list(
        ModerationAction.objects.filter(target=target)
        .order_by("created_at")
        .values(
            "actor",
            "action",
            "reason",
            "until",
            "previous_status",
            "previous_role",
            "new_role",
        )
    )


# -- the permission matrix -------------------------------------------------------------

ACTIONS = ["suspend", "ban", "reinstate", "role"]
ACTORS = [None, Role.USER, Role.CREATOR, Role.MODERATOR, Role.ADMIN]


def request_body(action: str, target: User) -> dict:
    if action == "role":
        return {"role": Role.CREATOR if target.role != Role.CREATOR else Role.USER}
    return {"reason": "Spam in comments"}


def expected_refusal(actor_role: str | None, target_role: str, action: str):
    if actor_role is None:
        return 401, NOT_AUTHENTICATED
    if actor_role in (Role.USER, Role.CREATOR):
        return 403, PERMISSION_DENIED
    if action == "role" and actor_role != Role.ADMIN:
        return 403, PERMISSION_DENIED
    if actor_role == Role.MODERATOR and target_role in (Role.MODERATOR, Role.ADMIN):
        return 403, INSUFFICIENT_ROLE
    return None


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target_role", [Role.USER, Role.CREATOR, Role.MODERATOR, Role.ADMIN])
@pytest.mark.parametrize("actor_role", ACTORS)
def test_staff_action_permission_matrix(
    api_client, make_auth_client, actor_role, target_role, action
):
    actor = FACTORIES[actor_role]() if actor_role else None
    client = make_auth_client(actor) if actor else api_client
    target = FACTORIES[target_role](username="target")
    if action == "reinstate":
        User.objects.filter(pk=target.pk).update(status=Status.SUSPENDED)
        target.refresh_from_db()
    target_client = make_auth_client(target)
    before = (target.status, target.role)
    body = request_body(action, target)

    response = client.post(action_url("target", action), body)

    refusal = expected_refusal(actor_role, target_role, action)
    target.refresh_from_db()
    if refusal is not None:
        assert (response.status_code, response.json()) == refusal
        if actor_role is None:
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert (target.status, target.role) == before
        assert AuthSession.objects.get(pk=target_client.session_id).ended_at is None
        assert not ModerationAction.objects.exists()
        return

    assert response.status_code == 200, response.json()
    after = {
        "suspend": (Status.SUSPENDED, target_role),
        "ban": (Status.BANNED, target_role),
        "reinstate": (Status.ACTIVE, target_role),
        "role": (Status.ACTIVE, body.get("role")),
    }[action]
    assert (target.status, target.role) == after
    assert response.json() == staff_view_of(target)
    assert target_client.get(SESSIONS).json() == SESSION_ENDED
    assert AuthSession.objects.get(pk=target_client.session_id).end_reason == "moderation"
    action_recorded = {
        "suspend": Action.SUSPEND,
        "ban": Action.BAN,
        "reinstate": Action.REINSTATE,
        "role": Action.ROLE_CHANGE,
    }[action]
    assert log_rows(target) == [
        {
            "actor": actor.pk,
            "action": action_recorded,
            "reason": body.get("reason", ""),
            "until": None,
            "previous_status": before[0],
            "previous_role": target_role if action == "role" else "",
            "new_role": body["role"] if action == "role" else "",
        }
    ]


# -- suspending ------------------------------------------------------------------------


def test_a_suspension_with_an_end_lifts_itself_at_the_next_sign_in_after_it(
    api_client, make_auth_client, monkeypatch
):
    moderator = ModeratorFactory()
    target = UserFactory(username="target")
    until = timezone.now() + timedelta(hours=2)

    response = make_auth_client(moderator).post(
        action_url("target", "suspend"), {"reason": "Cooling off", "until": until.isoformat()}
    )

    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.status, target.suspended_until) == (Status.SUSPENDED, until)
    refused = api_client.post(LOGIN, {"username": "target", "password": PASSWORD})
    assert (refused.status_code, refused.json()) == (
        401,
        error_body("account_inactive", "This account cannot sign in."),
    )

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    signed_in = api_client.post(LOGIN, {"username": "target", "password": PASSWORD})

    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["status"] == "active"
    target.refresh_from_db()
    assert (target.status, target.suspended_until) == (Status.ACTIVE, None)
    assert log_rows(target) == [
        {
            "actor": moderator.pk,
            "action": Action.SUSPEND,
            "reason": "Cooling off",
            "until": until,
            "previous_status": Status.ACTIVE,
            "previous_role": "",
            "new_role": "",
        },
        {
            "actor": None,
            "action": Action.REINSTATE,
            "reason": "The suspension ended.",
            "until": None,
            "previous_status": Status.SUSPENDED,
            "previous_role": "",
            "new_role": "",
        },
    ]


def test_a_suspension_without_an_end_lasts_until_reinstated(api_client, make_auth_client):
    moderator = make_auth_client(ModeratorFactory())
    target = UserFactory(username="target")

    assert moderator.post(action_url("target", "suspend"), {"reason": "x"}).status_code == 200
    target.refresh_from_db()
    assert (target.status, target.suspended_until) == (Status.SUSPENDED, None)
    login = {"username": "target", "password": PASSWORD}
    assert api_client.post(LOGIN, login).status_code == 401

    reinstated = moderator.post(action_url("target", "reinstate"), {"reason": "Appeal upheld"})

    assert reinstated.status_code == 200
    assert reinstated.json()["status"] == "active"
    assert api_client.post(LOGIN, login).status_code == 200


def test_suspending_a_suspended_account_replaces_its_end(make_auth_client):
    moderator = ModeratorFactory()
    target = UserFactory(username="target")
    first = timezone.now() + timedelta(days=1)
    user_suspend(actor=moderator, target=target, reason="First", until=first)
    second = timezone.now() + timedelta(days=7)

    response = make_auth_client(moderator).post(
        action_url("target", "suspend"), {"reason": "Again", "until": second.isoformat()}
    )

    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.status, target.suspended_until) == (Status.SUSPENDED, second)
    assert [(row["previous_status"], row["until"]) for row in log_rows(target)] == [
        (Status.ACTIVE, first),
        (Status.SUSPENDED, second),
    ]


def test_banning_a_suspended_account_clears_the_suspension_end(make_auth_client):
    moderator = ModeratorFactory()
    target = UserFactory(username="target")
    user_suspend(
        actor=moderator, target=target, reason="x", until=timezone.now() + timedelta(days=1)
    )

    response = make_auth_client(moderator).post(action_url("target", "ban"), {"reason": "y"})

    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.status, target.suspended_until) == (Status.BANNED, None)
    assert log_rows(target)[-1]["previous_status"] == Status.SUSPENDED


@pytest.mark.parametrize("action", ["suspend", "ban"])
def test_a_banned_account_is_not_suspended_or_banned_again(make_auth_client, action):
    target = UserFactory(username="target", status=Status.BANNED)

    response = make_auth_client(ModeratorFactory()).post(
        action_url("target", action), {"reason": "x"}
    )

    assert (response.status_code, response.json()) == (
        400,
        error_body("already_banned", "This account is banned; reinstate it first."),
    )
    target.refresh_from_db()
    assert target.status == Status.BANNED
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.PENDING, Status.DEACTIVATED])
def test_only_a_suspended_or_banned_account_is_reinstated(make_auth_client, status):
    UserFactory(username="target", status=status)

    response = make_auth_client(ModeratorFactory()).post(action_url("target", "reinstate"))

    assert (response.status_code, response.json()) == (
        400,
        error_body("not_suspended_or_banned", "This account is neither suspended nor banned."),
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_a_deleted_account_is_left_alone(make_auth_client, action):
    target = UserFactory(username="target", status=Status.DELETED)

    response = make_auth_client(AdminFactory()).post(
        action_url("target", action), request_body(action, target)
    )

    assert (response.status_code, response.json()) == (
        400,
        error_body("account_deleted", "This account has been deleted."),
    )


@pytest.mark.parametrize(
    ("factory", "action"),
    # Moderators may not change roles at all (the matrix covers it).
    [(ModeratorFactory, action) for action in ACTIONS if action != "role"]
    + [(AdminFactory, action) for action in ACTIONS],
)
def test_staff_cannot_act_on_their_own_account(make_auth_client, factory, action):
    actor = factory(username="me")
    client = make_auth_client(actor)

    response = client.post(action_url("me", action), request_body(action, actor))

    assert (response.status_code, response.json()) == (400, CANNOT_MODERATE_SELF)
    assert client.get(SESSIONS).status_code == 200


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unknown_username_is_not_found(make_auth_client, action):
    response = make_auth_client(AdminFactory()).post(
        action_url("nobody", action), {"reason": "x", "role": "user"}
    )

    assert (response.status_code, response.json()) == (
        404,
        error_body("not_found", "No account has this username."),
    )


def test_the_username_in_the_url_matches_whatever_its_case(make_auth_client):
    target = UserFactory(username="Target.Name")

    response = make_auth_client(ModeratorFactory()).post(
        action_url("target.name", "ban"), {"reason": "x"}
    )

    assert response.status_code == 200
    assert response.json()["id"] == str(target.pk)


def test_a_moderator_may_not_change_roles_even_of_users(make_auth_client):
    UserFactory(username="target")

    response = make_auth_client(ModeratorFactory()).post(
        action_url("target", "role"), {"role": "creator"}
    )

    assert (response.status_code, response.json()) == (403, PERMISSION_DENIED)


# -- input validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        ({}, "required", "This field is required."),
        ({"reason": ""}, "blank", "This field may not be blank."),
        ({"reason": "   "}, "blank", "This field may not be blank."),
        (
            {"reason": "x" * 1001},
            "max_length",
            "Ensure this field has no more than 1000 characters.",
        ),
    ],
)
@pytest.mark.parametrize("action", ["suspend", "ban"])
def test_suspend_and_ban_need_a_reason_of_1_to_1000_characters(
    make_auth_client, action, body, code, detail
):
    target = UserFactory(username="target")

    response = make_auth_client(ModeratorFactory()).post(action_url("target", action), body)

    assert (response.status_code, response.json()) == (
        400,
        error_body(code, detail, attr="reason", kind="validation_error"),
    )
    target.refresh_from_db()
    assert target.status == Status.ACTIVE


def test_a_reason_of_1000_characters_is_accepted(make_auth_client):
    target = UserFactory(username="target")

    response = make_auth_client(ModeratorFactory()).post(
        action_url("target", "ban"), {"reason": "x" * 1000}
    )

    assert response.status_code == 200
    assert log_rows(target)[0]["reason"] == "x" * 1000


@pytest.mark.parametrize(
    ("until", "code", "detail"),
    [
        (
            "2001-01-01T00:00:00Z",
            "invalid_until",
            "The end of a suspension must be in the future.",
        ),
        (
            "not a date",
            "invalid",
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
    ],
)
def test_a_suspension_end_must_be_a_future_moment(make_auth_client, until, code, detail):
    target = UserFactory(username="target")

    response = make_auth_client(ModeratorFactory()).post(
        action_url("target", "suspend"), {"reason": "x", "until": until}
    )

    assert (response.status_code, response.json()) == (
        400,
        error_body(code, detail, attr="until", kind="validation_error"),
    )
    target.refresh_from_db()
    assert target.status == Status.ACTIVE
    assert not ModerationAction.objects.exists()


def test_an_unknown_role_is_refused(make_auth_client):
    UserFactory(username="target")

    response = make_auth_client(AdminFactory()).post(
        action_url("target", "role"), {"role": "superhero"}
    )

    assert (response.status_code, response.json()) == (
        400,
        error_body(
            "invalid_choice",
            '"superhero" is not a valid choice.',
            attr="role",
            kind="validation_error",
        ),
    )


def test_giving_an_account_the_role_it_has_is_refused(make_auth_client):
    UserFactory(username="target", role=Role.CREATOR)

    response = make_auth_client(AdminFactory()).post(
        action_url("target", "role"), {"role": "creator"}
    )

    assert (response.status_code, response.json()) == (
        400,
        error_body("role_unchanged", "The account already has this role."),
    )


# -- roles and the admin site ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "role", "admin_site"),
    [
        (Role.USER, Role.ADMIN, True),
        (Role.USER, Role.MODERATOR, False),
        (Role.CREATOR, Role.ADMIN, True),
        (Role.ADMIN, Role.MODERATOR, False),
        (Role.ADMIN, Role.USER, False),
        (Role.MODERATOR, Role.CREATOR, False),
    ],
)
def test_the_admin_site_follows_the_role(make_auth_client, start, role, admin_site):
    target = FACTORIES[start](username="target")

    response = make_auth_client(AdminFactory()).post(
        action_url("target", "role"), {"role": role, "reason": "Reorganisation"}
    )

    assert response.status_code == 200
    assert response.json()["role"] == role
    target.refresh_from_db()
    assert (target.role, target.is_staff, target.is_superuser) == (role, admin_site, admin_site)
    assert log_rows(target)[0]["reason"] == "Reorganisation"


@pytest.mark.parametrize("action", ["suspend", "ban"])
def test_an_admin_may_suspend_or_ban_another_admin(make_auth_client, action):
    target = AdminFactory(username="target")

    response = make_auth_client(AdminFactory()).post(
        action_url("target", action), {"reason": "Compromised account"}
    )

    assert response.status_code == 200
    target.refresh_from_db()
    assert target.status in (Status.SUSPENDED, Status.BANNED)


@pytest.mark.parametrize(
    "act",
    [
        lambda actor, target: user_role_change(actor=actor, target=target, role=Role.USER),
        lambda actor, target: user_ban(actor=actor, target=target, reason="x"),
        lambda actor, target: user_suspend(actor=actor, target=target, reason="x"),
    ],
    ids=["demote", "ban", "suspend"],
)
def test_the_last_admin_who_can_sign_in_always_remains(act):
    """Two admins demoting each other at once: the second finds the first's change.

    The actor is a stale copy, as in a request that authenticated just before another
    admin demoted it; the target is then the last admin.
    """
    actor, target = AdminFactory(), AdminFactory()
    UserFactory(role=Role.ADMIN, status=Status.BANNED)  # an admin who cannot sign in
    User.objects.filter(pk=actor.pk).update(role=Role.USER)

    with pytest.raises(LastAdmin):
        act(actor, target)

    target.refresh_from_db()
    assert (target.role, target.status) == (Role.ADMIN, Status.ACTIVE)
    assert not ModerationAction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    first, second = AdminFactory(), AdminFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor: User, target: User) -> None:
        barrier.wait()
        try:
            user_role_change(actor=actor, target=target, role=Role.USER)
            outcomes.append("demoted")
        except LastAdmin:
            outcomes.append("last_admin")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["demoted", "last_admin"]
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert ModerationAction.objects.count() == 1


# -- the moderation log ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_role", "status_code"),
    [
        (None, 401),
        (Role.USER, 403),
        (Role.CREATOR, 403),
        (Role.MODERATOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_the_moderation_log_is_for_staff(api_client, make_auth_client, actor_role, status_code):
    client = make_auth_client(FACTORIES[actor_role]()) if actor_role else api_client

    response = client.get(MODERATION_LOG)

    assert response.status_code == status_code
    if status_code == 401:
        assert response.json() == NOT_AUTHENTICATED
    elif status_code == 403:
        assert response.json() == PERMISSION_DENIED
    else:
        assert response.json() == {"next": None, "previous": None, "results": []}


def test_the_moderation_log_lists_actions_newest_first(make_auth_client):
    moderator = ModeratorFactory(username="mod")
    admin = AdminFactory(username="boss")
    target = UserFactory(username="target")
    until = timezone.now() + timedelta(days=1)
    suspended = user_suspend(actor=moderator, target=target, reason="Spam", until=until)
    promoted = user_role_change(actor=admin, target=suspended, role=Role.CREATOR)

    response = make_auth_client(moderator).get(MODERATION_LOG)

    assert response.status_code == 200
    first, second = ModerationAction.objects.order_by("created_at")
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": str(second.pk),
                "created_at": iso(second.created_at),
                "action": "role_change",
                "reason": "",
                "until": None,
                "actor": {"id": str(admin.pk), "username": "boss"},
                "target": {"id": str(promoted.pk), "username": "target"},
                "previous_status": "suspended",
                "previous_role": "user",
                "new_role": "creator",
            },
            {
                "id": str(first.pk),
                "created_at": iso(first.created_at),
                "action": "suspend",
                "reason": "Spam",
                "until": iso(until),
                "actor": {"id": str(moderator.pk), "username": "mod"},
                "target": {"id": str(target.pk), "username": "target"},
                "previous_status": "active",
                "previous_role": "",
                "new_role": "",
            },
        ],
    }


def test_the_moderation_log_shows_a_null_actor_for_the_system(make_auth_client, api_client):
    moderator = ModeratorFactory()
    target = UserFactory(username="target")
    user_suspend(actor=moderator, target=target, reason="x")
    User.objects.filter(pk=target.pk).update(suspended_until=timezone.now() - timedelta(1))
    assert api_client.post(LOGIN, {"username": "target", "password": PASSWORD}).status_code == 200

    results = make_auth_client(moderator).get(MODERATION_LOG).json()["results"]

    assert [(entry["action"], entry["actor"]) for entry in results] == [
        ("reinstate", None),
        ("suspend", {"id": str(moderator.pk), "username": moderator.username}),
    ]


def test_the_moderation_log_filters_by_target_username(make_auth_client):
    moderator = ModeratorFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    user_ban(actor=moderator, target=alice, reason="a")
    user_ban(actor=moderator, target=bob, reason="b")
    client = make_auth_client(moderator)

    for query, reasons in [("ALICE", ["a"]), ("bob", ["b"]), ("nobody", [])]:
        results = client.get(MODERATION_LOG, {"target": query}).json()["results"]
        assert [entry["reason"] for entry in results] == reasons


def test_the_moderation_log_pages_with_a_cursor(make_auth_client):
    moderator = ModeratorFactory()
    for number in range(5):
        user_ban(actor=moderator, target=UserFactory(), reason=f"r{number}")
    client = make_auth_client(moderator)

    first = client.get(MODERATION_LOG, {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    assert [entry["reason"] for entry in first["results"]] == ["r4", "r3", "r2"]
    assert [entry["reason"] for entry in second["results"]] == ["r1", "r0"]
    assert second["next"] is None


def test_a_bad_moderation_log_cursor_is_refused(make_auth_client):
    response = make_auth_client(ModeratorFactory()).get(MODERATION_LOG, {"cursor": "forged"})

    assert (response.status_code, response.json()) == (
        400,
        error_body(
            "invalid_cursor",
            "The cursor is invalid or has been tampered with.",
            attr="cursor",
            kind="validation_error",
        ),
    )


@pytest.mark.parametrize("page_size", [2, 10])
def test_the_moderation_log_runs_a_fixed_number_of_queries(
    make_auth_client, django_assert_num_queries, page_size
):
    moderator = ModeratorFactory()
    for _ in range(10):
        user_ban(actor=moderator, target=UserFactory(), reason="x")
    client = make_auth_client(moderator)

    # One to authenticate (session and user), one for the page with actor and target.
    with django_assert_num_queries(2):
        response = client.get(MODERATION_LOG, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
