"""What the scheduling index announces, for the publishing index beside it to follow.

Publishing (a tenant app) keeps its own public index (apps.publisher.services.index) and
connects to these at ready(); this app does not import the publisher.
"""

from django.dispatch import Signal

# A site was switched off or on: sent with `site` and `account`, before its row changes.
site_refreshed = Signal()
# The workspace's timezone changed and its schedules were re-timed: sent with `account`.
zone_changed = Signal()
