from django.urls import path

from apps.accounts import settings_views, team_views, views

urlpatterns = [
    path("team/", team_views.team, name="team"),
    path("team/invite/", team_views.invite, name="team_invite"),
    path(
        "team/invitations/<int:pk>/resend/", team_views.invitation_resend, name="invitation_resend"
    ),
    path(
        "team/invitations/<int:pk>/revoke/", team_views.invitation_revoke, name="invitation_revoke"
    ),
    path("team/members/<int:pk>/role/", team_views.member_role, name="member_role"),
    path("team/members/<int:pk>/remove/", team_views.member_remove, name="member_remove"),
    path("team/members/<int:pk>/sites/", team_views.member_sites, name="member_sites"),
    path("profile/", views.profile, name="profile"),
    path(
        "profile/notifications/",
        views.profile_notification_emails,
        name="profile_notification_emails",
    ),
    path("settings/", settings_views.workspace_settings, name="workspace_settings"),
]
