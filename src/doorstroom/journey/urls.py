from __future__ import annotations

from django.urls import path

from doorstroom.journey import views

app_name = "journey"
urlpatterns = [
    path("aanmelden/", views.intake, name="intake"),
    path("<uuid:pseudonym>/beoordelen/", views.assess, name="assess"),
    path("<uuid:pseudonym>/besluiten/", views.decide, name="decide"),
    path("<uuid:pseudonym>/second-opinion/", views.second_opinion, name="second_opinion"),
    path("<uuid:pseudonym>/wachtlijst/", views.waiting_list_add, name="waiting_list_add"),
    path("<uuid:pseudonym>/aanbod/", views.offer, name="offer"),
    path("<uuid:pseudonym>/aanbod-afgewezen/", views.offer_decline, name="offer_decline"),
    path("<uuid:pseudonym>/plaatsen/", views.place, name="place"),
    path("<uuid:pseudonym>/overplaatsen/", views.transfer, name="transfer"),
    path("<uuid:pseudonym>/uitstroomklaar/", views.ready, name="ready"),
    path("<uuid:pseudonym>/uitstroom/", views.exit_, name="exit"),
    path("<uuid:pseudonym>/intrekken/", views.withdraw, name="withdraw"),
    path("<uuid:pseudonym>/verlopen/", views.expire, name="expire"),
    path("<uuid:pseudonym>/geschil/", views.dispute, name="dispute"),
    path("<uuid:pseudonym>/correctie/<uuid:event_id>/", views.correct, name="correct"),
]

waiting_patterns = (
    [
        path("", views.waiting_lists, name="overview"),
        path("<slug:product>/", views.waiting_list, name="list"),
    ],
    "waiting",
)
framework_patterns = (
    [
        path("", views.framework, name="framework"),
        path("nieuwe-versie/", views.configuration_upload, name="upload"),
        path("download/<slug:kind>/", views.configuration_download, name="download"),
    ],
    "configuration",
)
