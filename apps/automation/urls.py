"""Automation routes: the current site's page, changes to one site, runs and their logs."""

from django.urls import path

from apps.automation.views import page, runs

app_name = "automation"

urlpatterns = [
    path("", page.automation, name="home"),
    path("sites/<int:site_pk>/panel/", page.panel, name="panel"),
    path("sites/<int:site_pk>/settings/", page.config_update, name="config"),
    path("sites/<int:site_pk>/reset/", page.config_reset, name="reset"),
    path("sites/<int:site_pk>/run/", page.run_now, name="run_now"),
    path("runs/", runs.run_history, name="runs"),
    path("runs/<int:pk>/", runs.run_detail, name="run"),
    path("runs/<int:pk>/log/", runs.run_log_download, name="run_log"),
    path("runs/<int:pk>/pause/", page.run_pause, name="pause"),
    path("runs/<int:pk>/resume/", page.run_resume, name="resume"),
    path("runs/<int:pk>/cancel/", page.run_cancel, name="cancel"),
]
