from django.urls import path

from apps.workspace.views import ai as ai_views
from apps.workspace.views import notifications as notification_views
from apps.workspace.views import prompts as prompt_views
from apps.workspace.views import workspace as views

app_name = "workspace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/switch/", views.site_switch, name="site_switch"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/sectors/", views.site_sectors, name="site_sectors"),
    path("jobs/<int:pk>/", views.job_progress, name="job"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/read-all/",
        notification_views.notifications_mark_all_read,
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_mark_read,
        name="notification_read",
    ),
    path("sites/<int:pk>/content/", prompt_views.site_content, name="site_content"),
    path("settings/ai/", ai_views.ai_settings, name="ai_settings"),
    path("settings/ai/test/", ai_views.ai_test_connection, name="ai_test"),
    path("settings/prompts/", prompt_views.prompt_list, name="prompts"),
    path("settings/prompts/<str:function>/", prompt_views.prompt_edit, name="prompt_edit"),
    path(
        "settings/prompts/<str:function>/preview/",
        prompt_views.prompt_preview,
        name="prompt_preview",
    ),
    path("settings/prompts/<str:function>/reset/", prompt_views.prompt_reset, name="prompt_reset"),
]
