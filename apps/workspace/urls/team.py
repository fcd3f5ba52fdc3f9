"""The team page: members, invitations and their site grants.

The workspace's (the grants are its SiteAccess rows); the people and invitations are accounts',
reached through accounts' services. URL names stay un-namespaced, as they were under accounts.
"""

from django.urls import path

from apps.workspace.views import team as team_views

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
]
