"""The Django admin for follows, blocks, likes, comments and the report review queue."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import ModerationAction, User
from social.models import Comment, Report
from social.services.comments import comment_create, comment_delete, comment_hide, comment_like
from social.services.reports import report_create
from tests.accounts.factories import UserFactory
from tests.social.factories import SocialGraph
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

COMMENTS = "/admin/social/comment/"
REPORTS = "/admin/social/report/"


def rows(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(client: Client, url: str, action: str, objects: list):
    return client.post(
        url, {"action": action, "_selected_action": [str(obj.pk) for obj in objects]}, follow=True
    )


# -- follows, blocks and the read-only lists ---------------------------------------------


def test_follows_and_blocks_are_listed_and_searched_by_username(admin_client):
    ana, bob, cid = (UserFactory(username=name) for name in ("ana", "bob", "cid"))
    graph = SocialGraph()
    graph.follow(ana, bob)
    graph.follow(cid, bob)
    graph.block(ana, cid)

    follows = rows(admin_client.get("/admin/social/follow/?q=cid"))
    blocks = rows(admin_client.get("/admin/social/block/?q=ana"))

    assert [(f.follower.username, f.followed.username) for f in follows] == [("cid", "bob")]
    assert [(b.blocker.username, b.blocked.username) for b in blocks] == [("ana", "cid")]
    follow = follows[0]
    page = admin_client.get(f"/admin/social/follow/{follow.pk}/change/")
    assert page.status_code == 200
    assert admin_client.get("/admin/social/follow/add/").status_code == 403


@pytest.mark.parametrize("model", ["videolike", "commentlike", "bookmark", "share"])
def test_engagement_lists_are_read_only(admin_client, model):
    video = VideoFactory()
    comment = comment_create(author=UserFactory(), video=video, text="hi")
    comment_like(comment=comment, user=UserFactory())
    assert admin_client.get(f"/admin/social/{model}/").status_code == 200
    assert admin_client.get(f"/admin/social/{model}/add/").status_code == 403


# -- comments -----------------------------------------------------------------------------


@pytest.fixture
def comments():
    video = VideoFactory()
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    return {
        "kind": comment_create(author=ana, video=video, text="A kind word"),
        "rude": comment_create(author=bob, video=video, text="A rude word"),
        "gone": comment_create(author=bob, video=video, text="Regret"),
        "video": video,
    }


def test_comments_are_searched_by_text_and_author(admin_client, comments):
    assert rows(admin_client.get(COMMENTS + "?q=rude")) == [comments["rude"]]
    assert {c.text for c in rows(admin_client.get(COMMENTS + "?q=bob"))} == {
        "A rude word",
        "Regret",
    }


def test_comments_are_filtered_by_hidden_and_deleted(admin_client, comments, admin_user):
    comment_hide(comment=comments["rude"], actor=admin_user)
    comment_delete(comment=comments["gone"], actor=admin_user)

    assert rows(admin_client.get(COMMENTS + "?is_hidden__exact=1")) == [comments["rude"]]
    assert rows(admin_client.get(COMMENTS + "?deleted=yes")) == [comments["gone"]]
    assert {c.pk for c in rows(admin_client.get(COMMENTS + "?deleted=no"))} == {
        comments["kind"].pk,
        comments["rude"].pk,
    }
    page = admin_client.get(f"/admin/social/comment/{comments['rude'].pk}/change/")
    assert page.status_code == 200


def test_hiding_and_showing_comments_keeps_the_counters(admin_client, comments):
    response = run_action(admin_client, COMMENTS, "hide", [comments["rude"], comments["kind"]])

    assert ("success", "Hid 2 comment(s).") in messages_of(response)
    assert Comment.objects.filter(is_hidden=True).count() == 2
    comments["video"].refresh_from_db()
    assert comments["video"].comment_count == 1

    run_action(admin_client, COMMENTS, "hide", [comments["rude"]])  # again: nothing changes
    comments["video"].refresh_from_db()
    assert comments["video"].comment_count == 1

    response = run_action(admin_client, COMMENTS, "unhide", [comments["rude"]])
    assert ("success", "Showed 1 comment(s) again.") in messages_of(response)
    comments["video"].refresh_from_db()
    assert comments["video"].comment_count == 2


def test_deleting_comments_goes_through_the_service(admin_client, comments):
    response = run_action(admin_client, COMMENTS, "delete_comments", [comments["rude"]])

    assert ("success", "Deleted 1 comment(s).") in messages_of(response)
    rude = Comment.objects.get(pk=comments["rude"].pk)
    assert (rude.deleted_at is not None, rude.text) == (True, "")
    comments["video"].refresh_from_db()
    assert comments["video"].comment_count == 2
    choices = admin_client.get(COMMENTS).context["action_form"].fields["action"].choices
    assert "delete_selected" not in {name for name, _ in choices}  # no hard delete


# -- reports ------------------------------------------------------------------------------


@pytest.fixture
def reported():
    owner = UserFactory(username="owner")
    video = VideoFactory(owner=owner, title="Spam video")
    comment = comment_create(author=owner, video=video, text="Buy now")
    reporter, second = UserFactory(username="reporter"), UserFactory(username="second")

    def report(target_type, target, who=reporter, reason="spam"):
        report, _ = report_create(
            reporter=who, target_type=target_type, target_id=target.pk, reason=reason
        )
        return report

    return {
        "owner": owner,
        "video": video,
        "comment": comment,
        "video_report": report("video", video),
        "video_report_2": report("video", video, who=second),
        "comment_report": report("comment", comment, reason="hate"),
        "user_report": report("user", owner, reason="harassment"),
    }


def test_the_review_queue_lists_and_filters_reports(admin_client, reported):
    page = admin_client.get(REPORTS)
    assert len(rows(page)) == 4
    assert "Spam video" in page.content.decode()
    assert rows(admin_client.get(REPORTS + "?reason__exact=hate")) == [reported["comment_report"]]
    assert rows(admin_client.get(REPORTS + "?target_type__exact=user")) == [reported["user_report"]]
    assert len(rows(admin_client.get(REPORTS + "?status__exact=open"))) == 4
    assert rows(admin_client.get(REPORTS + "?q=reporter")) != []
    detail = admin_client.get(f"/admin/social/report/{reported['comment_report'].pk}/change/")
    assert detail.status_code == 200


def test_dismissing_records_the_reviewer(admin_client, reported, admin_user):
    response = run_action(admin_client, REPORTS, "dismiss", [reported["video_report"]])

    assert ("success", "Dismissed 1 report(s).") in messages_of(response)
    report = Report.objects.get(pk=reported["video_report"].pk)
    assert (report.status, report.reviewed_by, report.reviewed_at is not None) == (
        "dismissed",
        admin_user,
        True,
    )
    assert Report.objects.get(pk=reported["video_report_2"].pk).status == "open"

    again = run_action(admin_client, REPORTS, "dismiss", [reported["video_report"]])
    assert ("success", "Dismissed 0 report(s).") in messages_of(again)
    assert any("already reviewed" in text for level, text in messages_of(again))


def test_hiding_a_reported_video_makes_it_private_and_closes_its_reports(
    admin_client, reported, admin_user
):
    response = run_action(admin_client, REPORTS, "hide_target", [reported["video_report"]])

    assert ("success", "Hid the targets of 1 report(s).") in messages_of(response)
    reported["video"].refresh_from_db()
    assert reported["video"].visibility == Video.Visibility.PRIVATE
    for key in ("video_report", "video_report_2"):
        report = Report.objects.get(pk=reported[key].pk)
        assert (report.status, report.reviewed_by) == ("actioned", admin_user)
    assert Report.objects.get(pk=reported["comment_report"].pk).status == "open"


def test_hiding_a_reported_comment_hides_it(admin_client, reported):
    run_action(admin_client, REPORTS, "hide_target", [reported["comment_report"]])
    reported["comment"].refresh_from_db()
    assert reported["comment"].is_hidden is True
    assert Report.objects.get(pk=reported["comment_report"].pk).status == "actioned"


def test_an_account_cannot_be_hidden(admin_client, reported):
    response = run_action(admin_client, REPORTS, "hide_target", [reported["user_report"]])
    assert any("suspend a user instead" in text for _, text in messages_of(response))
    assert Report.objects.get(pk=reported["user_report"].pk).status == "open"


def test_suspending_the_owner_goes_through_moderation(admin_client, reported, admin_user):
    response = run_action(admin_client, REPORTS, "suspend_owner", [reported["comment_report"]])

    assert ("success", "Suspended the owners for 1 report(s).") in messages_of(response)
    owner = User.objects.get(pk=reported["owner"].pk)
    assert owner.status == User.Status.SUSPENDED
    action = ModerationAction.objects.get(target=owner)
    assert (action.actor, action.action) == (admin_user, "suspend")
    report = Report.objects.get(pk=reported["comment_report"].pk)
    assert (report.status, report.reviewed_by, report.resolution) == (
        "actioned",
        admin_user,
        "owner was suspended.",
    )


def test_a_refused_suspension_leaves_the_report_open(admin_client, admin_user):
    report, _ = report_create(
        reporter=UserFactory(), target_type="user", target_id=admin_user.pk, reason="spam"
    )
    response = run_action(admin_client, REPORTS, "suspend_owner", [report])
    assert any(level == "warning" for level, _ in messages_of(response))
    report.refresh_from_db()
    assert report.status == "open"
    assert User.objects.get(pk=admin_user.pk).status == User.Status.ACTIVE


def test_a_gone_target_cannot_be_acted_on(admin_client, reported):
    Video.objects.filter(pk=reported["video"].pk).delete()
    response = run_action(admin_client, REPORTS, "hide_target", [reported["video_report"]])
    assert any("no longer exists" in text for _, text in messages_of(response))
    assert "(gone)" in admin_client.get(REPORTS).content.decode()


def test_a_deleted_comment_s_text_stays_visible_to_staff_in_the_admin(admin_client, reported):
    comment_delete(comment=reported["comment"], actor=reported["owner"])

    queue = admin_client.get(REPORTS).content.decode()
    assert "“Buy now” by owner" in queue
    listing = admin_client.get(COMMENTS).content.decode()
    assert "(deleted) Buy now" in listing
    detail = admin_client.get(f"{COMMENTS}{reported['comment'].pk}/change/")
    assert detail.status_code == 200
    assert "Buy now" in detail.content.decode()
    assert rows(admin_client.get(COMMENTS + "?q=Buy")) == [reported["comment"]]
