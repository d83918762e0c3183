"""The Django admin for users, sessions, sign-in attempts and the moderation log."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuthSession, ModerationAction, SignInAttempt, User
from accounts.services.moderation import user_ban
from accounts.services.sessions import ClientInfo, session_start
from social.services.follows import follow_create
from tests.accounts.conftest import throttle_delay_pass, two_factor_enable
from tests.accounts.factories import PASSWORD, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
SESSIONS = "/admin/accounts/authsession/"
ATTEMPTS = "/admin/accounts/signinattempt/"
MODERATION_LOG = "/admin/accounts/moderationaction/"
ADMIN_SITE_REASON = "Via the admin site"


def results(response) -> list[str]:
    """The usernames (or objects) on a changelist page, in order."""
    return [str(row) for row in response.context["cl"].result_list]


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(client: Client, url: str, action: str, objects: list) -> object:
    return client.post(
        url,
        {"action": action, "_selected_action": [str(obj.pk) for obj in objects]},
        follow=True,
    )


def start_session(user: User) -> AuthSession:
    session, _ = session_start(user=user, client=ClientInfo(ip_address="203.0.113.7"))
    return session


def form_data(form) -> dict:
    """What a browser would post back for an unchanged Django form."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or isinstance(value, FieldFile):
            continue
        data[form.add_prefix(name)] = "on" if value is True else value
    return data


# -- the user list ---------------------------------------------------------------------


def test_only_staff_reach_the_admin_site():
    client = Client()
    client.force_login(ModeratorFactory())  # a moderator is not staff on the admin site

    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_user_list_shows_status_role_and_two_factor(admin_client, admin_user):
    ada = UserFactory(username="ada", email="ada@example.com", role=User.Role.CREATOR)
    TOTPDevice.objects.create(user=ada, name="phone", confirmed=True)

    response = admin_client.get(USERS)

    assert response.status_code == 200
    assert results(response) == ["ada", "boss"]  # newest first
    rows = {row.username: row for row in response.context["cl"].result_list}
    assert rows["ada"].two_factor_enabled is True
    assert rows["boss"].two_factor_enabled is False
    html = response.content.decode()
    for header in ("Username", "Email", "Status", "Role", "2FA on", "Date joined"):
        assert header in html
    assert "ada@example.com" in html


def test_the_user_list_is_searched_by_email_and_username(admin_client):
    UserFactory(username="ada", email="lovelace@example.com")
    UserFactory(username="grace", email="hopper@example.com")

    assert results(admin_client.get(USERS, {"q": "lovelace@example"})) == ["ada"]
    assert results(admin_client.get(USERS, {"q": "GRACE"})) == ["grace"]


@pytest.mark.parametrize(("query", "expected"), [({}, ["off", "on", "boss"]), ("on", ["on"])])
def test_the_user_list_is_filtered_by_two_factor(admin_client, query, expected):
    on, off = UserFactory(username="on"), UserFactory(username="off")
    TOTPDevice.objects.create(user=on, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=off, name="unconfirmed", confirmed=False)
    params = {"two_factor": query} if query else {}

    assert results(admin_client.get(USERS, params)) == expected


def test_the_two_factor_filter_lists_users_without_it(admin_client):
    on = UserFactory(username="on")
    UserFactory(username="off")
    TOTPDevice.objects.create(user=on, name="phone", confirmed=True)

    assert results(admin_client.get(USERS, {"two_factor": "off"})) == ["off", "boss"]


@pytest.mark.parametrize(
    ("field", "value"), [("status", "banned"), ("role", "creator")], ids=["status", "role"]
)
def test_the_user_list_is_filtered_by_status_and_role(admin_client, field, value):
    UserFactory(username="match", **{field: value})
    UserFactory(username="other")

    assert results(admin_client.get(USERS, {f"{field}__exact": value})) == ["match"]


# -- the user actions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "message", "recorded"),
    [
        ("suspend", User.Status.SUSPENDED, "Suspended 2 user(s).", "suspend"),
        ("ban", User.Status.BANNED, "Banned 2 user(s).", "ban"),
    ],
)
def test_suspend_and_ban_actions_go_through_the_moderation_services(
    admin_client, admin_user, action, status, message, recorded
):
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    session = start_session(ada)

    response = run_action(admin_client, USERS, action, [ada, grace])

    assert response.status_code == 200
    assert messages_of(response) == [("success", message)]
    for user in (ada, grace):
        user.refresh_from_db()
        assert (user.status, user.suspended_until) == (status, None)
    session.refresh_from_db()
    assert session.end_reason == AuthSession.EndReason.MODERATION
    assert sorted(
        ModerationAction.objects.values_list("target__username", "actor", "action", "reason")
    ) == [
        ("ada", admin_user.pk, recorded, ADMIN_SITE_REASON),
        ("grace", admin_user.pk, recorded, ADMIN_SITE_REASON),
    ]


def test_the_reinstate_action_reinstates_and_reports_refusals(admin_client, admin_user):
    banned = UserFactory(username="banned", status=User.Status.BANNED)
    active = UserFactory(username="active")

    response = run_action(admin_client, USERS, "reinstate", [banned, active, admin_user])

    assert messages_of(response) == [
        ("success", "Reinstated 1 user(s)."),
        (
            "warning",
            "Refused: active: This account is neither suspended nor banned.; "
            "boss: Staff cannot take this action on their own account.",
        ),
    ]
    banned.refresh_from_db()
    assert banned.status == User.Status.ACTIVE
    assert list(ModerationAction.objects.values_list("target__username", "action")) == [
        ("banned", "reinstate")
    ]


def test_the_end_sessions_action_signs_users_out_everywhere(admin_client, admin_user):
    ada = UserFactory(username="ada")
    first, second = start_session(ada), start_session(ada)

    response = run_action(admin_client, USERS, "end_sessions", [ada])

    assert messages_of(response) == [("success", "Ended 2 session(s) of 1 user(s).")]
    ada.refresh_from_db()
    assert ada.status == User.Status.ACTIVE
    for session in (first, second):
        session.refresh_from_db()
        assert session.end_reason == AuthSession.EndReason.MODERATION
    assert list(
        ModerationAction.objects.values_list("target__username", "actor", "action", "reason")
    ) == [("ada", admin_user.pk, "end_sessions", ADMIN_SITE_REASON)]


# -- adding and changing a user --------------------------------------------------------


def test_the_add_form_creates_a_user_who_can_sign_in(admin_client, api_client):
    response = admin_client.post(
        f"{USERS}add/",
        {
            "username": "newcomer",
            "email": "Newcomer@EXAMPLE.com",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    user = User.objects.get(username="newcomer")
    assert response.status_code == 302
    assert response["Location"] == f"{USERS}{user.pk}/change/"
    assert (user.email, user.status, user.role) == ("Newcomer@example.com", "pending", "user")
    assert user.password.startswith("argon2")
    assert user.check_password("a long enough passphrase")
    login = api_client.post(
        "/api/v1/auth/login/", {"username": "newcomer", "password": "a long enough passphrase"}
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"email": "ADA@example.com"}, "email", "email_taken"),
        ({"username": "ADA"}, "username", "username_taken"),
        ({"username": "no spaces"}, "username", "invalid"),
        ({"password1": "short", "password2": "short"}, "password2", "password_too_short"),
        ({"email": ""}, "email", "required"),
    ],
)
def test_the_add_form_refuses_what_registration_refuses(admin_client, changes, field, code):
    UserFactory(username="ada", email="ada@example.com")
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "usable_password": "true",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    } | changes

    response = admin_client.post(f"{USERS}add/", data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert code in [error.code for error in errors[field]], errors
    assert not User.objects.filter(username__iexact=data["username"], email=data["email"]).exists()


def test_the_add_form_emails_a_verification_link(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{USERS}add/",
            {"username": "newcomer", "email": "newcomer@example.com", "usable_password": "false"},
        )

    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert (user.status, user.has_usable_password()) == ("pending", False)
    assert [message.to for message in mail.outbox] == [["newcomer@example.com"]]


def change_page_data(client: Client, user: User) -> dict:
    """What the change page posts back when nothing is changed."""
    page = client.get(f"{USERS}{user.pk}/change/")
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= form_data(inline.formset.management_form)
    return data


def test_making_an_account_public_on_the_change_page_accepts_its_follow_requests(admin_client):
    ada = UserFactory(username="ada", is_private=True)
    request, _ = follow_create(follower=UserFactory(username="fan"), followed=ada)
    data = change_page_data(admin_client, ada)
    del data["is_private"]

    response = admin_client.post(f"{USERS}{ada.pk}/change/", data)

    assert response.status_code == 302
    request.refresh_from_db()
    ada.refresh_from_db()
    assert (ada.is_private, request.status, ada.follower_count) == (False, "accepted", 1)


def test_the_profile_of_a_banned_account_is_edited_on_the_change_page(admin_client, admin_user):
    ada = UserFactory(username="ada", display_name="Ada")
    user_ban(actor=admin_user, target=ada, reason="spam")
    data = change_page_data(admin_client, ada) | {"display_name": "Removed", "bio": ""}

    response = admin_client.post(f"{USERS}{ada.pk}/change/", data)

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.display_name, ada.status) == ("Removed", User.Status.BANNED)


def test_the_email_and_its_verification_are_changed_through_the_service(admin_client):
    ada = UserFactory(username="ada", email="ada@example.com", email_verified=False)
    data = change_page_data(admin_client, ada) | {
        "email": "ada@example.org",
        "email_verified": "on",
    }

    response = admin_client.post(f"{USERS}{ada.pk}/change/", data)

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.email, ada.email_verified) == ("ada@example.org", True)


def test_an_email_another_account_holds_is_refused_on_the_change_page(admin_client):
    UserFactory(username="grace", email="grace@example.com")
    ada = UserFactory(username="ada", email="ada@example.com")
    data = change_page_data(admin_client, ada) | {"email": "GRACE@example.com"}

    response = admin_client.post(f"{USERS}{ada.pk}/change/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "An account with this email already exists."
    ]
    ada.refresh_from_db()
    assert ada.email == "ada@example.com"


def test_the_change_page_masks_the_password_and_shows_the_devices(admin_client):
    ada = UserFactory(username="ada")
    totp = TOTPDevice.objects.create(user=ada, name="Ada's phone", confirmed=True)
    StaticDevice.objects.create(user=ada, name="backup", confirmed=True)

    response = admin_client.get(f"{USERS}{ada.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert ada.password not in html
    assert ada.password.split("$")[-1] not in html  # not even the hash's digest
    assert "../password/" in html  # Django's change-password link
    assert "Ada&#x27;s phone" in html
    assert totp.key not in html
    inlines = {formset.opts.model: formset for formset in response.context["inline_admin_formsets"]}
    assert set(inlines) == {TOTPDevice, StaticDevice}
    for formset in inlines.values():
        assert (formset.has_add_permission, formset.has_change_permission) == (False, False)
        assert formset.has_delete_permission is True


def test_a_device_is_removed_from_the_change_page(admin_client):
    ada = UserFactory(username="ada", display_name="Ada")
    totp = TOTPDevice.objects.create(user=ada, name="phone", confirmed=True)
    backup = StaticDevice.objects.create(user=ada, name="backup", confirmed=True)
    page = admin_client.get(f"{USERS}{ada.pk}/change/")
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= form_data(formset.management_form)
        for form in formset.forms:
            data |= form_data(form)
            if formset.model is TOTPDevice:
                data[form.add_prefix("DELETE")] = "on"

    response = admin_client.post(f"{USERS}{ada.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not TOTPDevice.objects.filter(pk=totp.pk).exists()
    assert StaticDevice.objects.filter(pk=backup.pk).exists()
    ada.refresh_from_db()
    assert (ada.display_name, ada.status) == ("Ada", User.Status.ACTIVE)


def test_status_and_role_are_not_edited_on_the_change_page(admin_client):
    ada = UserFactory(username="ada")
    page = admin_client.get(f"{USERS}{ada.pk}/change/")
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= form_data(inline.formset.management_form)
    data |= {"status": "banned", "role": "admin", "is_staff": "on", "display_name": "Ada L."}

    response = admin_client.post(f"{USERS}{ada.pk}/change/", data)

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.display_name, ada.status, ada.role, ada.is_staff) == (
        "Ada L.",
        User.Status.ACTIVE,
        User.Role.USER,
        False,
    )


# -- sessions --------------------------------------------------------------------------


def test_the_session_list_is_filtered_by_state(admin_client):
    ada = UserFactory(username="ada")
    live, ended, expired = start_session(ada), start_session(ada), start_session(ada)
    AuthSession.objects.filter(pk=ended.pk).update(ended_at=timezone.now(), end_reason="logout")
    AuthSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))

    def listed(**params) -> set:
        response = admin_client.get(SESSIONS, params)
        assert response.status_code == 200
        return {session.pk for session in response.context["cl"].result_list}

    assert listed() == {live.pk, ended.pk, expired.pk}
    assert listed(state="live") == {live.pk}
    assert listed(state="ended") == {ended.pk}
    assert listed(state="expired") == {expired.pk}
    assert listed(end_reason__exact="logout") == {ended.pk}


def test_the_end_sessions_action_on_the_session_list(admin_client, admin_user):
    ada = UserFactory(username="ada")
    chosen, other = start_session(ada), start_session(ada)
    already_ended = start_session(ada)
    AuthSession.objects.filter(pk=already_ended.pk).update(ended_at=timezone.now())

    response = run_action(admin_client, SESSIONS, "end_selected", [chosen, already_ended])

    assert messages_of(response) == [("success", "Ended 1 session(s).")]
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.end_reason, other.ended_at) == (AuthSession.EndReason.MODERATION, None)
    assert list(
        ModerationAction.objects.values_list("target__username", "actor", "action", "reason")
    ) == [("ada", admin_user.pk, "end_sessions", ADMIN_SITE_REASON)]


def test_sessions_are_not_added_edited_or_deleted_by_hand(admin_client):
    session = start_session(UserFactory())

    assert admin_client.get(f"{SESSIONS}add/").status_code == 403
    assert admin_client.get(f"{SESSIONS}{session.pk}/delete/").status_code == 403
    page = admin_client.get(f"{SESSIONS}{session.pk}/change/")
    assert page.status_code == 200
    assert session.refresh_jti not in page.content.decode()
    assert admin_client.post(f"{SESSIONS}{session.pk}/change/", {}).status_code == 403


# -- sign-in attempts and the moderation log: read-only --------------------------------


def test_sign_in_attempts_are_read_only(admin_client):
    ada = UserFactory(username="ada")
    attempt = SignInAttempt.objects.create(
        user=ada, identifier="ada", method="login", outcome="success", ip_address="203.0.113.7"
    )

    listing = admin_client.get(ATTEMPTS, {"outcome__exact": "success"})

    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [attempt.pk]
    assert admin_client.get(f"{ATTEMPTS}{attempt.pk}/change/").status_code == 200
    assert admin_client.get(f"{ATTEMPTS}add/").status_code == 403
    assert admin_client.post(f"{ATTEMPTS}{attempt.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"{ATTEMPTS}{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SignInAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_moderation_log_is_read_only(admin_client, admin_user):
    ada = UserFactory(username="ada")
    user_ban(actor=admin_user, target=ada, reason="Spam")
    entry = ModerationAction.objects.get()

    listing = admin_client.get(MODERATION_LOG, {"q": "ada"})

    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [entry.pk]
    assert "Spam" in listing.content.decode()
    assert admin_client.get(f"{MODERATION_LOG}{entry.pk}/change/").status_code == 200
    assert admin_client.get(f"{MODERATION_LOG}add/").status_code == 403
    assert admin_client.post(f"{MODERATION_LOG}{entry.pk}/change/", {}).status_code == 403
    assert (
        admin_client.post(f"{MODERATION_LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert listing.context["action_form"] is None  # no actions, not even "delete selected"
    assert ModerationAction.objects.filter(pk=entry.pk).exists()


# -- signing in to the admin site: the API's limit and log --------------------------------

ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api/v1/auth/login/"


def admin_sign_in(client: Client, username: str, password: str):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})


def form_errors(response) -> list[str]:
    return response.context["form"].non_field_errors() if response.context else []


def admin_log(user: User) -> list[tuple[str, str]]:
    return list(
        SignInAttempt.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("method", "outcome")
    )


def test_a_staff_member_signs_in_and_it_is_logged(admin_user):
    client = Client()

    response = admin_sign_in(client, "boss", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert admin_log(admin_user) == [("admin", "success")]


def test_wrong_passwords_at_the_admin_lock_the_account_for_the_api_too(admin_user, api_client):
    client = Client()
    answers = [admin_sign_in(client, "boss", "wrong") for _ in range(40)]

    right = admin_sign_in(client, "boss", PASSWORD)
    api = api_client.post(API_LOGIN, {"username": "boss", "password": PASSWORD}, format="json")

    assert [response.status_code for response in answers] == [200] * 40
    assert all("Please enter the correct" in form_errors(r)[0] for r in answers[:10])
    assert form_errors(answers[10]) == [
        "Too many failed sign-in attempts for this account. Try again in 15 minute(s)."
    ]
    assert right.status_code == 200
    assert form_errors(right) == form_errors(answers[10])
    assert client.get("/admin/").status_code == 302  # still signed out
    assert api.status_code == 429
    assert admin_log(admin_user) == [("admin", "bad_credentials")] * 10 + [
        ("admin", "throttled")
    ] * 31 + [("login", "throttled")]


def test_an_account_locked_by_the_api_is_locked_at_the_admin(admin_user, api_client):
    for _ in range(10):
        api_client.post(API_LOGIN, {"username": "boss", "password": "wrong"}, format="json")

    response = admin_sign_in(Client(), "boss", PASSWORD)

    assert response.status_code == 200
    assert form_errors(response)[0].startswith("Too many failed sign-in attempts")


def test_a_right_password_of_someone_not_staff_is_refused_and_logged():
    member = UserFactory(username="member")

    response = admin_sign_in(Client(), "member", PASSWORD)

    assert response.status_code == 200
    assert (
        "Please enter the correct username and password for a staff account"
        in (form_errors(response)[0])
    )
    assert admin_log(member) == [("admin", "not_staff")]


def test_a_staff_member_who_may_not_sign_in_is_refused(admin_user):
    User.objects.filter(pk=admin_user.pk).update(status=User.Status.SUSPENDED)

    response = admin_sign_in(Client(), "boss", PASSWORD)

    assert response.status_code == 200
    assert admin_log(admin_user) == [("admin", "account_inactive")]


# -- staff with two-factor on give their code at the admin too ----------------------------


def admin_sign_in_with_code(client: Client, code: str | None):
    data = {"username": "boss", "password": PASSWORD, "next": "/admin/"}
    if code is not None:
        data["otp_code"] = code
    return client.post(ADMIN_LOGIN, data)


def test_the_admin_sign_in_page_asks_for_a_two_factor_code():
    response = Client().get(ADMIN_LOGIN)

    assert response.status_code == 200
    assert b'name="otp_code"' in response.content
    assert b'autocomplete="one-time-code"' in response.content


def test_staff_with_two_factor_on_cannot_sign_in_with_the_password_alone(admin_user, clock):
    two_factor_enable(admin_user, clock)
    client = Client()

    response = admin_sign_in_with_code(client, None)

    assert response.status_code == 200
    assert form_errors(response) == ["Two-factor is on for this account: enter its code as well."]
    assert client.get("/admin/").status_code == 302  # still signed out
    assert admin_log(admin_user)[-1] == ("admin", "two_factor_required")


def test_staff_with_two_factor_on_sign_in_with_a_fresh_code(admin_user, clock):
    account = two_factor_enable(admin_user, clock)
    client = Client()

    response = admin_sign_in_with_code(client, account.authenticator.next_code())

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert admin_log(admin_user)[-1] == ("admin", "success")


def test_a_backup_code_signs_staff_in_once(admin_user, clock):
    account = two_factor_enable(admin_user, clock)

    first = admin_sign_in_with_code(Client(), account.backup_codes[0])
    throttle_delay_pass(admin_user)
    again = admin_sign_in_with_code(Client(), account.backup_codes[0])

    assert first.status_code == 302
    assert again.status_code == 200
    assert form_errors(again) == ["That two-factor code is invalid or was already used."]


def test_a_wrong_code_counts_as_a_failed_sign_in_and_the_next_waits(admin_user, clock):
    account = two_factor_enable(admin_user, clock)

    wrong = admin_sign_in_with_code(Client(), "000000")
    right_too_soon = admin_sign_in_with_code(Client(), account.authenticator.next_code())

    assert form_errors(wrong) == ["That two-factor code is invalid or was already used."]
    assert form_errors(right_too_soon) == [
        "Too soon after a wrong two-factor code: wait 1 second(s), then enter the code again."
    ]
    assert admin_log(admin_user)[-2:] == [("admin", "two_factor_failed"), ("admin", "throttled")]
