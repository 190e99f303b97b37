from __future__ import annotations

from django.urls import path

from doorstroom.monitor import views

app_name = "monitor"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("gemeenten/", views.municipalities, name="municipalities"),
    path("routes/", views.pathways, name="pathways"),
    path("rapport/", views.quarterly_report, name="report"),
    path("doelen/", views.targets, name="targets"),
    path("doelen/nieuw/", views.target_edit, name="target_create"),
    path("doelen/<int:pk>/", views.target_edit, name="target_edit"),
    path("doelen/<int:pk>/verwijderen/", views.target_delete, name="target_delete"),
]
