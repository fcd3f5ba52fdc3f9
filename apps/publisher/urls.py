"""Publisher pages: the WordPress connection, the schedule, the calendar, the sync log, and
the publish actions the writer's pages post to."""

from django.urls import path

from apps.publisher.views import calendar, integration, schedule, synclog

app_name = "publisher"

urlpatterns = [
    path("", integration.integration, name="integration"),
    path("plugin/igny8-bridge.zip", integration.plugin_zip, name="plugin_zip"),
    path("sites/<int:site_pk>/connect/", integration.connect, name="connect"),
    path("sites/<int:site_pk>/core/", integration.core_connect, name="core_connect"),
    path("sites/<int:site_pk>/rotate/", integration.rotate, name="rotate"),
    path("sites/<int:site_pk>/revoke/", integration.revoke, name="revoke"),
    path("sites/<int:site_pk>/test/", integration.check, name="test"),
    path("schedule/", schedule.schedule, name="schedule"),
    path("sites/<int:site_pk>/schedule/", schedule.schedule_update, name="schedule_update"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("content/<int:pk>/reschedule/", calendar.reschedule, name="reschedule"),
    path("content/<int:pk>/unschedule/", calendar.unschedule, name="unschedule"),
    path("publish/", calendar.publish, name="publish"),
    path("sync/", synclog.sync_log, name="sync"),
]
