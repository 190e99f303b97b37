from __future__ import annotations

from django.urls import path

from doorstroom.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("nieuw/", views.facility_create, name="create"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/wijzigen/", views.facility_edit, name="edit"),
]
