from django.urls import path

from apps.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/switch/", views.site_switch, name="site_switch"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/sectors/", views.site_sectors, name="site_sectors"),
    path("jobs/<int:pk>/", views.job_progress, name="job"),
]
