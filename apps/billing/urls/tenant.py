from django.urls import path

from apps.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.billing_home, name="home"),
    path("usage/", views.usage, name="usage"),
    path("checkout/plan/<slug:slug>/", views.checkout_plan, name="checkout_plan"),
    path("checkout/pack/<int:pk>/", views.checkout_pack, name="checkout_pack"),
    path("portal/", views.portal, name="portal"),
]
