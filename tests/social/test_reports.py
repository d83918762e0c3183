"""Abuse reports: filing them (`POST reports/`) and the staff review list."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from social.models import Report
from social.services.comments import comment_create, comment_delete
from social.services.reports import report_create, report_dismiss
from tests.accounts.factories import AdminFactory, ModeratorFactory, UserFactory
from tests.social.factories import SocialGraph
from tests.videos.factories import VideoFactory
from videos.models import Video

URL = "/api/v1/reports/"


def code_of(response) -> tuple[int, str, str | None]:
    error = response.json()["errors"][0]
    return response.status_code, error["code"], error["attr"]


@pytest.fixture
def world(db, make_auth_client):
    owner = UserFactory(username="owner")
    reporter = UserFactory(username="reporter")
    staff = ModeratorFactory(username="staff")
    video = VideoFactory(owner=owner, title="Bad video")
    comment = comment_create(author=owner, video=video, text="bad words")
    private = VideoFactory(owner=owner, visibility=Video.Visibility.PRIVATE)
    return {
        "owner": owner,
        "reporter": reporter,
        "staff": staff,
        "video": video,
        "comment": comment,
        "private": private,
        "client": make_auth_client(reporter),
        "owner_client": make_auth_client(owner),
        "staff_client": make_auth_client(staff),
    }


def body(target_type: str, target, **extra) -> dict:
    return {"target_type": target_type, "target_id": str(target.pk), "reason": "spam", **extra}


# -- filing -------------------------------------------------------------------------------


@pytest.mark.parametrize("target_type", ["video", "comment", "user"])
def test_a_report_is_filed_and_answered(world, target_type):
    target = {"video": world["video"], "comment": world["comment"], "user": world["owner"]}[
        target_type
    ]

    response = world["client"].post(URL, body(target_type, target, details="Look at this."))

    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {
        "id",
        "target_type",
        "target_id",
        "reason",
        "details",
        "status",
        "created_at",
    }
    assert (answer["target_type"], answer["target_id"], answer["status"]) == (
        target_type,
        str(target.pk),
        "open",
    )
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.details) == (
        world["reporter"],
        "spam",
        "Look at this.",
    )


def test_anonymous_callers_cannot_report(world):
    response = APIClient().post(URL, body("video", world["video"]))
    assert response.status_code == 401


@pytest.mark.parametrize("case", ["unknown", "private_video", "deleted_comment", "wrong_type"])
def test_a_target_the_reporter_cannot_see_is_invalid(world, case):
    comment_delete(comment=world["comment"], actor=world["owner"])
    targets = {
        "unknown": ("video", uuid.uuid4()),
        "private_video": ("video", world["private"].pk),
        "deleted_comment": ("comment", world["comment"].pk),
        "wrong_type": ("comment", world["video"].pk),
    }
    target_type, target_id = targets[case]
    response = world["client"].post(
        URL, {"target_type": target_type, "target_id": str(target_id), "reason": "spam"}
    )
    assert code_of(response) == (400, "invalid_target", "target_id")
    assert not Report.objects.exists()


def test_content_across_a_block_is_invalid_but_the_account_can_be_reported(world):
    SocialGraph().block(world["owner"], world["reporter"])
    video = world["client"].post(URL, body("video", world["video"]))
    account = world["client"].post(URL, body("user", world["owner"]))
    assert code_of(video) == (400, "invalid_target", "target_id")
    assert account.status_code == 201


@pytest.mark.parametrize("target_type", ["video", "comment", "user"])
def test_one_cannot_report_oneself_or_one_s_own_content(world, target_type):
    target = {"video": world["video"], "comment": world["comment"], "user": world["owner"]}[
        target_type
    ]
    response = world["owner_client"].post(URL, body(target_type, target))
    assert code_of(response) == (400, "cannot_report_own", None)


def test_one_open_report_per_reporter_and_target(world):
    first = world["client"].post(URL, body("video", world["video"]))
    assert first.status_code == 201
    again = world["client"].post(URL, body("video", world["video"], reason="hate"))
    assert (again.status_code, again.json()) == (200, first.json())  # as first filed
    assert Report.objects.count() == 1

    other_reporter = world["staff_client"].post(URL, body("video", world["video"]))
    assert other_reporter.status_code == 201

    report_dismiss(report=Report.objects.get(reporter=world["reporter"]), reviewer=world["staff"])
    assert world["client"].post(URL, body("video", world["video"])).status_code == 201


@pytest.mark.parametrize(
    ("change", "code", "attr"),
    [
        ({"reason": "rude"}, "invalid_choice", "reason"),
        ({"reason": None}, "null", "reason"),
        ({"target_type": "playlist"}, "invalid_choice", "target_type"),
        ({"target_id": "nope"}, "invalid", "target_id"),
        ({"details": "x" * 2001}, "max_length", "details"),
    ],
)
def test_bad_input_is_refused(world, change, code, attr):
    response = world["client"].post(URL, {**body("video", world["video"]), **change}, format="json")
    assert code_of(response) == (400, code, attr)


def test_missing_fields_are_required(world):
    response = world["client"].post(URL, {}, format="json")
    assert response.status_code == 400
    assert {(e["code"], e["attr"]) for e in response.json()["errors"]} == {
        ("required", "target_type"),
        ("required", "target_id"),
        ("required", "reason"),
    }


@pytest.mark.django_db(transaction=True)
def test_simultaneous_duplicate_reports_open_one():
    reporter, video = UserFactory(), VideoFactory()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def file() -> None:
        barrier.wait()
        try:
            _, created = report_create(
                reporter=reporter, target_type="video", target_id=video.pk, reason="spam"
            )
            outcomes.append("filed" if created else "already_there")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=file) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_there"] * 3 + ["filed"]
    assert Report.objects.count() == 1


# -- the review list ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("user", 403), ("moderator", 200), ("admin", 200)]
)
def test_only_staff_list_reports(db, make_auth_client, role, expected):
    clients = {
        "anonymous": lambda: APIClient(),
        "user": lambda: make_auth_client(UserFactory()),
        "moderator": lambda: make_auth_client(ModeratorFactory()),
        "admin": lambda: make_auth_client(AdminFactory()),
    }
    assert clients[role]().get(URL).status_code == expected


def test_the_list_shows_open_reports_newest_first_with_their_target(world):
    video_report, _ = report_create(
        reporter=world["reporter"], target_type="video", target_id=world["video"].pk, reason="spam"
    )
    comment_report, _ = report_create(
        reporter=world["reporter"],
        target_type="comment",
        target_id=world["comment"].pk,
        reason="hate",
    )
    user_report, _ = report_create(
        reporter=world["reporter"], target_type="user", target_id=world["owner"].pk, reason="other"
    )
    dismissed, _ = report_create(
        reporter=UserFactory(), target_type="user", target_id=world["owner"].pk, reason="spam"
    )
    report_dismiss(report=dismissed, reviewer=world["staff"])

    results = world["staff_client"].get(URL).json()["results"]

    assert [item["id"] for item in results] == [
        str(user_report.pk),
        str(comment_report.pk),
        str(video_report.pk),
    ]
    by_type = {item["target_type"]: item for item in results}
    assert by_type["video"]["target"] == {
        "exists": True,
        "username": "owner",
        "title": "Bad video",
        "text": None,
        "video_id": str(world["video"].pk),
    }
    assert by_type["comment"]["target"] == {
        "exists": True,
        "username": "owner",
        "title": None,
        "text": "bad words",
        "video_id": str(world["video"].pk),
    }
    assert by_type["user"]["target"] == {
        "exists": True,
        "username": "owner",
        "title": None,
        "text": None,
        "video_id": None,
    }
    assert by_type["user"]["reporter"]["username"] == "reporter"
    assert by_type["user"]["reviewed_by"] is None


def test_the_list_filters_by_status(world):
    report, _ = report_create(
        reporter=world["reporter"], target_type="video", target_id=world["video"].pk, reason="spam"
    )
    report_dismiss(report=report, reviewer=world["staff"], resolution="Fine.")

    assert world["staff_client"].get(URL).json()["results"] == []
    [item] = world["staff_client"].get(URL + "?status=dismissed").json()["results"]
    assert (item["status"], item["resolution"], item["reviewed_by"]["username"]) == (
        "dismissed",
        "Fine.",
        "staff",
    )
    assert world["staff_client"].get(URL + "?status=actioned").json()["results"] == []
    response = world["staff_client"].get(URL + "?status=closed")
    assert code_of(response) == (400, "invalid_choice", "status")


def test_a_deleted_target_shows_as_gone(world):
    report_create(
        reporter=world["reporter"], target_type="video", target_id=world["video"].pk, reason="spam"
    )
    Video.objects.filter(pk=world["video"].pk).delete()
    [item] = world["staff_client"].get(URL).json()["results"]
    assert item["target"]["exists"] is False


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_list_costs_the_same_queries_at_any_page_size(
    world, django_assert_num_queries, page_size
):
    for _ in range(8):
        reporter = UserFactory()
        for target_type, target in (
            ("video", world["video"]),
            ("comment", world["comment"]),
            ("user", world["owner"]),
        ):
            report_create(
                reporter=reporter, target_type=target_type, target_id=target.pk, reason="spam"
            )
    # some with a reviewer to show, which the page joins too
    Report.objects.filter(target_type="user").update(reviewed_by=world["staff"])
    with django_assert_num_queries(2):  # authentication, then the page
        response = world["staff_client"].get(URL + f"?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_a_deleted_comment_keeps_its_text_for_staff_only(world):
    comment_create(  # a reply keeps the deleted comment listed, as a placeholder
        author=world["reporter"],
        video=world["video"],
        text="a reply",
        parent_id=world["comment"].pk,
    )
    report_create(
        reporter=world["reporter"],
        target_type="comment",
        target_id=world["comment"].pk,
        reason="hate",
    )
    comment_delete(comment=world["comment"], actor=world["owner"])

    [item] = world["staff_client"].get(URL).json()["results"]
    assert item["target"] == {
        "exists": True,
        "username": "owner",
        "title": None,
        "text": "bad words",
        "video_id": str(world["video"].pk),
    }
    # Everyone else, staff on the public endpoints included, sees the placeholder.
    for client in (APIClient(), world["client"], world["staff_client"]):
        listed = client.get(f"/api/v1/videos/{world['video'].pk}/comments/").json()["results"]
        assert [(c["id"], c["deleted"], c["text"], c["author"]) for c in listed] == [
            (str(world["comment"].pk), True, "", None)
        ]
        assert client.get(f"/api/v1/comments/{world['comment'].pk}/").status_code == 404
