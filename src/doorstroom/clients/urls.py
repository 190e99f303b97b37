from __future__ import annotations

from django.urls import path

from doorstroom.clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("zoeken/", views.client_search, name="search"),
    path("<uuid:pseudonym>/", views.client_detail, name="detail"),
    path("<uuid:pseudonym>/toegangslog/", views.client_access_log, name="access_log"),
]
