from django.apps import AppConfig


class PublisherConfig(AppConfig):
    name = "apps.publisher"
    label = "publisher"
    verbose_name = "Publisher"

    def ready(self) -> None:
        from apps.publisher import receivers  # noqa: F401  (an approval wakes the schedule)

        # The scheduling index tells publishing's index when a site is switched or the
        # workspace's zone changes (it does not import the publisher).
        from apps.publisher.services.index import index_refresh
        from apps.publisher.services.schedule import schedules_replan
        from apps.schedule.signals import site_refreshed, zone_changed

        def _site_refreshed(sender, *, site, account, **kwargs) -> None:  # noqa: ANN001
            index_refresh(site=site, account=account)

        def _zone_changed(sender, *, account, **kwargs) -> None:  # noqa: ANN001
            schedules_replan(account=account)

        site_refreshed.connect(_site_refreshed, dispatch_uid="publisher.index_refresh", weak=False)
        zone_changed.connect(_zone_changed, dispatch_uid="publisher.schedules_replan", weak=False)
