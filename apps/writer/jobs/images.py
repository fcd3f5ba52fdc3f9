"""Background jobs of the writer's images: thin entry points into the image services."""

from __future__ import annotations

from django.db import connection

from apps.workspace.models import Job
from apps.writer.models import Content
from apps.writer.services import images as services
from igny8 import jobs


@jobs.job(kind="image_prompts", time_limit=600)
def image_prompts(record: Job, content_id: int) -> dict:
    content = Content.objects.alive().select_related("site", "sector").filter(pk=content_id).first()
    if content is None:
        return {"message": "The article was deleted; no prompts were written."}
    jobs.progress(record, done=0, total=1, message="Writing image prompts…")
    outcome = services.image_prompts_write(
        content=content, run_key=f"{connection.schema_name}:job:{record.pk}:image-prompts"
    )
    return {
        "message": outcome.message(),
        "images": len(outcome.images),
        "credits": outcome.credits,
    }


@jobs.job(kind="images", time_limit=1500)
def generate_images(record: Job, image_ids: list[int]) -> dict:
    def report(done: int, total: int, message: str) -> None:
        jobs.progress(record, done=done, total=total, message=message)

    outcome = services.images_generate(image_ids=image_ids, job=record, progress=report)
    return outcome.as_result()
