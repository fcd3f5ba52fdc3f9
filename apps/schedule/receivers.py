"""A deleted site leaves the schedule indexes (automation's and publishing's).

Sites have no delete service (they go from the workspace admin, or with their workspace), so
the one place every deletion passes is the model's `post_delete`. This only removes an index
row; the rules live in `apps.schedule.services`.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import post_delete
from django.dispatch import receiver

from apps.workspace.models import Site


@receiver(post_delete, sender=Site, dispatch_uid="schedule_site_deleted")
def site_deleted(sender, instance: Site, **kwargs) -> None:  # noqa: ANN001
    from apps.schedule.models import PublishIndex, SiteSchedule

    for model in (SiteSchedule, PublishIndex):
        model.objects.filter(
            account__schema_name=connection.schema_name, site_id=instance.pk
        ).delete()
