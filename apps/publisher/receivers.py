"""An article a person approves is brought to the dispatcher's attention at once.

The writer approves articles without knowing the publisher (it must not import it), so the
one place every approval passes is the model's `post_save`. This only moves the site's row
in the public index forward (one UPDATE, nothing when the site has no schedule); placing the
article in a slot is the dispatcher's job a minute later (`slots_assign`).
"""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from apps.writer.models import Content, EditorialStatus, PublishingStatus


@receiver(post_save, sender=Content, dispatch_uid="publisher_content_approved")
def content_approved(sender, instance: Content, update_fields=None, **kwargs) -> None:  # noqa: ANN001
    if update_fields is not None and "status" not in update_fields:
        return
    if instance.status != EditorialStatus.APPROVED or instance.deleted_at is not None:
        return
    if instance.publishing_status != PublishingStatus.NOT_PUBLISHED:
        return
    from django.db.models import Q

    from apps.schedule.models import PublishIndex

    now = timezone.now()
    PublishIndex.objects.filter(
        Q(next_due_at__isnull=True) | Q(next_due_at__gt=now),
        account__schema_name=connection.schema_name,
        site_id=instance.site_id,
    ).update(next_due_at=now, updated=now)
