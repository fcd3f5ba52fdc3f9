"""The public host: landing, signup and login, workspace chooser, invitations, platform admin."""

from django.contrib import admin
from django.urls import include, path

from apps.workspace.views.workspace import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz),
    path("", include("apps.accounts.urls.public")),
    path("", include("apps.billing.urls.public")),
]
