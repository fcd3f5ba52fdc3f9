"""Background job of the optimizer: a thin entry point into services.optimize."""

from __future__ import annotations

from django.db import connection

from apps.accounts.models import User
from apps.workspace.models import Job
from apps.writer.models import Content
from apps.writer.services import optimize as services
from igny8 import jobs


@jobs.job(kind="optimize", time_limit=600)
def optimize_content(record: Job, content_id: int, use_model: bool = True) -> dict:
    content = Content.objects.alive().select_related("site", "sector").filter(pk=content_id).first()
    if content is None:
        return {"message": "The article was moved to the trash; nothing was optimized."}
    user = User.objects.filter(pk=record.created_by_id).first() if record.created_by_id else None
    outcome = services.content_optimize(
        content=content,
        user=user,
        job=record,
        run_key=f"{connection.schema_name}:job:{record.pk}:optimize",
        use_model=use_model,
    )
    return outcome.as_result()
