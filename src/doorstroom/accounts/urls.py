from __future__ import annotations

from django.urls import path

from doorstroom.accounts import views

app_name = "accounts"
urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("inloggen/code/", views.verify, name="verify"),
    path("tweestapsverificatie/", views.setup, name="setup"),
    path("uitloggen/", views.logout, name="logout"),
    path("profiel/", views.profile, name="profile"),
]
