from django.urls import path

from apps.planner.views import clusters as views

urlpatterns = [
    path("clusters/", views.cluster_list, name="clusters"),
    path("clusters/run/", views.clusters_run, name="clusters_run"),
    path("clusters/merge/", views.clusters_merge, name="clusters_merge"),
    path("clusters/dissolve/", views.clusters_dissolve, name="clusters_dissolve"),
    path("clusters/ideas/", views.clusters_ideas, name="clusters_ideas"),
    path("clusters/name/", views.clusters_name, name="clusters_name"),
    path("clusters/jobs/<int:pk>/", views.job_progress, name="cluster_job"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster"),
    path("clusters/<int:pk>/rename/", views.cluster_rename, name="cluster_rename"),
    path("clusters/<int:pk>/move/", views.cluster_move_keywords, name="cluster_move"),
]
