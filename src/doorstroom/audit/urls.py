from __future__ import annotations

from django.urls import path

from doorstroom.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("controleren/", views.verify, name="verify"),
]
