from django.urls import path

from apps.accounts.views import pages as views
from apps.accounts.views import workspace_settings as settings_views

# The team page (members, invitations, site grants) is the workspace's: apps.workspace.urls.team.
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path(
        "profile/notifications/",
        views.profile_notification_emails,
        name="profile_notification_emails",
    ),
    path("settings/", settings_views.workspace_settings, name="workspace_settings"),
]
