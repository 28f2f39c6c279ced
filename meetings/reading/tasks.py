"""Background jobs of the reading aids (Celery; inline without a broker)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="reading.speak_meeting",
    autoretry_for=(OSError,),
    retry_backoff=5,
    max_retries=5,
)
def speak_meeting(public_id: str) -> bool:
    """A meeting page changed (published, corrected, withdrawn): its speech files."""
    from meetings.reading import speech
    from meetings.site.locks import job_lock

    with job_lock(f"speech:{public_id}"):
        return bool(speech.speak_meeting(public_id).get("audio"))
