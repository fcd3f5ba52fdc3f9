from django.urls import path

from apps.accounts.views import pages as views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("workspaces/", views.workspace_chooser, name="chooser"),
    path("workspaces/new/", views.workspace_new, name="workspace_new"),
    path("workspaces/suggest-slug/", views.slug_suggestion, name="slug_suggestion"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("profile/", views.profile, name="profile"),
    path(
        "profile/notifications/",
        views.profile_notification_emails,
        name="profile_notification_emails",
    ),
]
