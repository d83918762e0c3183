"""Processing counts its outcomes for Prometheus (`videoplatform_uploads_processed`)."""

import pytest
from prometheus_client import REGISTRY

from tests.videos.test_processing import video_with_source
from videos.models import Video
from videos.services.processing import video_process

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

METRIC = "videoplatform_uploads_processed_total"


def processed(outcome: str) -> float:
    return REGISTRY.get_sample_value(METRIC, {"outcome": outcome}) or 0.0


@pytest.mark.parametrize(
    ("source", "outcome"),
    [("video_small", Video.Status.READY), ("text_file", Video.Status.FAILED)],
)
def test_each_processed_upload_is_counted_by_outcome(
    request, source, outcome, django_capture_on_commit_callbacks
):
    video = video_with_source(request.getfixturevalue(source))
    before = {status: processed(status) for status in ("ready", "failed")}

    with django_capture_on_commit_callbacks(execute=True):
        assert video_process(video_id=video.pk).status == outcome

    expected = {**before, outcome: before[outcome] + 1}
    assert {status: processed(status) for status in ("ready", "failed")} == expected
