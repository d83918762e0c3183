"""Videos app: Celery tasks; each only calls a service."""

import logging

from celery import shared_task

from videos.models import Video
from videos.services.processing import SourceMissing, video_process
from videos.services.trending import trending_compute

logger = logging.getLogger(__name__)


@shared_task
def video_process_task(video_id: str) -> None:
    """Process an uploaded video (see `video_process`); a video deleted before its
    turn came, or ready with its source gone, is skipped."""
    try:
        video_process(video_id=video_id)
    except Video.DoesNotExist:
        logger.info("Video %s was deleted before it was processed.", video_id)
    except SourceMissing:
        logger.warning("Video %s is ready and its source file is missing: left ready.", video_id)


@shared_task
def trending_compute_task() -> None:
    """Recompute trending scores (run by Celery beat: `CELERY_BEAT_SCHEDULE`)."""
    result = trending_compute()
    logger.info(
        "Trending: scored %d video(s), %d trending, %d reset, %d old bucket(s) pruned.",
        result.scored,
        result.trending,
        result.reset,
        result.pruned,
    )
