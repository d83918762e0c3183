"""Creator tiers: a creator manages theirs under `creators/me/tiers/`; anyone reads a
user's active tiers under `users/{username}/tiers/`."""

import pytest

from accounts.models import User
from payments.models import CreatorTier, Subscription
from payments.services.subscriptions import subscription_create
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_status
from tests.payments.factories import CreatorTierFactory, wallet_fund
from tests.social.factories import SocialGraph

pytestmark = pytest.mark.django_db

MY_TIERS_URL = "/api/v1/creators/me/tiers/"


def tier_url(tier) -> str:
    return f"{MY_TIERS_URL}{tier.pk}/"


@pytest.fixture
def creator_client(make_auth_client, creator):
    return make_auth_client(creator)


# -- creating and listing one's own ---------------------------------------------------


def test_a_creator_offers_a_tier(creator_client, creator):
    response = creator_client.post(
        MY_TIERS_URL,
        {"name": "Gold", "price": 500, "perks": ["Early access", "Shout-out"]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    tier = CreatorTier.objects.get()
    assert body == {
        "id": str(tier.pk),
        "name": "Gold",
        "price": 500,
        "perks": ["Early access", "Shout-out"],
        "active": True,
        "subscriber_count": 0,
        "created_at": body["created_at"],
    }
    assert (tier.creator, tier.price, tier.perks) == (creator, 500, ["Early access", "Shout-out"])


def test_only_the_creator_role_offers_tiers(make_auth_client):
    viewer = UserFactory(role=User.Role.USER, video_count=2)

    response = make_auth_client(viewer).post(
        MY_TIERS_URL, {"name": "Gold", "price": 500}, format="json"
    )

    assert error_status(response) == (403, "not_a_creator")
    assert CreatorTier.objects.count() == 0


def test_a_tier_may_be_created_inactive_and_without_perks(creator_client):
    response = creator_client.post(
        MY_TIERS_URL, {"name": "Later", "price": 1, "active": False}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["perks"], response.json()["active"]) == ([], False)


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"price": 100}, "name", "required"),
        ({"name": "  ", "price": 100}, "name", "blank"),
        ({"name": "x" * 81, "price": 100}, "name", "max_length"),
        ({"name": "Gold"}, "price", "required"),
        ({"name": "Gold", "price": 0}, "price", "min_value"),
        ({"name": "Gold", "price": "many"}, "price", "invalid"),
        ({"name": "Gold", "price": 5, "perks": ["p"] * 11}, "perks", "max_length"),
        ({"name": "Gold", "price": 5, "perks": ["x" * 201]}, "perks.0", "max_length"),
        ({"name": "Gold", "price": 5, "perks": "perk"}, "perks", "not_a_list"),
    ],
)
def test_a_tier_with_bad_fields_is_refused(creator_client, body, attr, code):
    response = creator_client.post(MY_TIERS_URL, body, format="json")

    assert response.status_code == 400
    assert (response.json()["errors"][0]["attr"], response.json()["errors"][0]["code"]) == (
        attr,
        code,
    )
    assert not CreatorTier.objects.exists()


def test_a_second_tier_of_the_same_name_is_refused(creator_client, creator):
    CreatorTierFactory(creator=creator, name="Gold")
    CreatorTierFactory(name="Silver")  # another creator's: no clash

    taken = creator_client.post(MY_TIERS_URL, {"name": "Gold", "price": 5}, format="json")
    free = creator_client.post(MY_TIERS_URL, {"name": "Silver", "price": 5}, format="json")

    assert error_status(taken) == (400, "tier_name_taken")
    assert free.status_code == 201
    assert CreatorTier.objects.filter(creator=creator).count() == 2


def test_my_tiers_list_every_one_of_mine_with_its_active_subscribers(creator_client, creator):
    gold = CreatorTierFactory(creator=creator, name="Gold", price=500)
    CreatorTierFactory(creator=creator, name="Old", price=100, active=False)
    CreatorTierFactory(name="Someone else's")
    for status in [Subscription.Status.ACTIVE] * 2 + [Subscription.Status.EXPIRED]:
        subscriber = UserFactory()
        wallet_fund(subscriber, 500)
        subscription = subscription_create(subscriber=subscriber, tier=gold)
        Subscription.objects.filter(pk=subscription.pk).update(status=status)

    results = creator_client.get(MY_TIERS_URL).json()["results"]

    assert [(tier["name"], tier["active"], tier["subscriber_count"]) for tier in results] == [
        ("Old", False, 0),
        ("Gold", True, 2),
    ]


@pytest.mark.parametrize("page_size", [1, 20])
def test_my_tiers_cost_the_same_queries_at_any_page_size(
    creator_client, creator, django_assert_num_queries, page_size
):
    for _ in range(22):
        CreatorTierFactory(creator=creator)

    with django_assert_num_queries(2):  # authentication, the page with its counts
        response = creator_client.get(MY_TIERS_URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_my_tiers_need_a_signed_in_caller(api_client):
    assert error_status(api_client.get(MY_TIERS_URL)) == (401, "not_authenticated")
    assert error_status(api_client.post(MY_TIERS_URL, {"name": "A", "price": 1})) == (
        401,
        "not_authenticated",
    )


# -- one of mine ---------------------------------------------------------------------


@pytest.fixture
def gold(creator):
    return CreatorTierFactory(creator=creator, name="Gold", price=500, perks=["Early access"])


@pytest.mark.parametrize("caller", ["anonymous", "other", "staff", "owner"])
def test_only_the_owner_reads_or_changes_a_tier(api_client, make_auth_client, gold, caller):
    if caller == "anonymous":
        client = api_client
    elif caller == "other":
        client = make_auth_client(UserFactory())
    elif caller == "staff":
        client = make_auth_client(ModeratorFactory())
    else:
        client = make_auth_client(gold.creator)

    read = client.get(tier_url(gold))
    change = client.patch(tier_url(gold), {"price": 1}, format="json")

    expected = {"anonymous": 401, "other": 404, "staff": 404, "owner": 200}[caller]
    assert (read.status_code, change.status_code) == (expected, expected)
    gold.refresh_from_db()
    assert gold.price == (1 if caller == "owner" else 500)


def test_an_unknown_or_malformed_tier_id_is_not_found(creator_client):
    assert error_status(creator_client.get(f"{MY_TIERS_URL}not-a-uuid/")) == (404, "not_found")
    assert error_status(
        creator_client.get(f"{MY_TIERS_URL}00000000-0000-0000-0000-000000000000/")
    ) == (
        404,
        "not_found",
    )


def test_a_creator_changes_any_field_of_a_tier(creator_client, gold):
    response = creator_client.patch(
        tier_url(gold),
        {"name": "Platinum", "price": 700, "perks": ["A", "B"], "active": False},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["price"], body["perks"], body["active"]) == (
        "Platinum",
        700,
        ["A", "B"],
        False,
    )
    gold.refresh_from_db()
    assert (gold.name, gold.price, gold.perks, gold.active) == ("Platinum", 700, ["A", "B"], False)


def test_renaming_a_tier_to_another_of_mine_is_refused(creator_client, creator, gold):
    CreatorTierFactory(creator=creator, name="Silver")

    taken = creator_client.patch(tier_url(gold), {"name": "Silver"}, format="json")
    same = creator_client.patch(tier_url(gold), {"name": "Gold", "price": 600}, format="json")

    assert error_status(taken) == (400, "tier_name_taken")
    assert same.status_code == 200
    gold.refresh_from_db()
    assert (gold.name, gold.price) == ("Gold", 600)


def test_a_bad_change_is_refused(creator_client, gold):
    response = creator_client.patch(tier_url(gold), {"price": 0}, format="json")

    assert error_status(response) == (400, "min_value")
    gold.refresh_from_db()
    assert gold.price == 500


def test_a_new_price_is_for_new_subscribers_only(creator_client, gold):
    early = UserFactory()
    wallet_fund(early, 500)
    subscription = subscription_create(subscriber=early, tier=gold)

    creator_client.patch(tier_url(gold), {"price": 800}, format="json")
    gold.refresh_from_db()
    late = UserFactory()
    wallet_fund(late, 800)
    later = subscription_create(subscriber=late, tier=gold)

    subscription.refresh_from_db()
    assert (subscription.price, later.price) == (500, 800)


def test_tiers_cannot_be_deleted(creator_client, gold):
    response = creator_client.delete(tier_url(gold))

    assert response.status_code == 405
    assert CreatorTier.objects.filter(pk=gold.pk).exists()


# -- a user's tiers, for anyone --------------------------------------------------------


def user_tiers_url(username: str) -> str:
    return f"/api/v1/users/{username}/tiers/"


def test_anyone_reads_a_users_active_tiers_cheapest_first(api_client, creator, gold):
    CreatorTierFactory(creator=creator, name="Bronze", price=100, perks=[])
    CreatorTierFactory(creator=creator, name="Retired", price=50, active=False)

    response = api_client.get(user_tiers_url("CREATOR"))

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": str(CreatorTier.objects.get(name="Bronze").pk),
            "name": "Bronze",
            "price": 100,
            "perks": [],
        },
        {"id": str(gold.pk), "name": "Gold", "price": 500, "perks": ["Early access"]},
    ]


@pytest.mark.parametrize("status", [User.Status.BANNED, User.Status.DELETED, User.Status.SUSPENDED])
def test_the_tiers_of_a_user_who_may_not_sign_in_are_not_found(api_client, creator, gold, status):
    User.objects.filter(pk=creator.pk).update(status=status)

    assert error_status(api_client.get(user_tiers_url("creator"))) == (404, "not_found")


def test_the_tiers_of_an_unknown_user_are_not_found(api_client):
    assert error_status(api_client.get(user_tiers_url("nobody"))) == (404, "not_found")


@pytest.mark.parametrize("blocker", ["viewer", "creator"])
def test_a_block_either_way_hides_a_users_tiers(make_auth_client, creator, gold, blocker):
    viewer = UserFactory()
    if blocker == "viewer":
        SocialGraph().block(viewer, creator)
    else:
        SocialGraph().block(creator, viewer)

    response = make_auth_client(viewer).get(user_tiers_url("creator"))

    assert error_status(response) == (404, "not_found")


@pytest.mark.parametrize("page_size", [1, 20])
def test_a_users_tiers_cost_the_same_queries_at_any_page_size(
    api_client, creator, django_assert_num_queries, page_size
):
    for _ in range(22):
        CreatorTierFactory(creator=creator)

    with django_assert_num_queries(2):  # the user, the page
        response = api_client.get(user_tiers_url("creator"), {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
