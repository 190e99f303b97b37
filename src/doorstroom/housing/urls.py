from __future__ import annotations

from django.urls import path

from doorstroom.housing import views

app_name = "housing"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("afspraken/nieuw/", views.agreement_create, name="agreement_create"),
    path("aanbod/", views.home_list, name="homes"),
    path("aanbod/nieuw/", views.home_create, name="home_create"),
    path("rondes/", views.round_list, name="rounds"),
    path("rondes/uitvoeren/", views.round_run, name="round_run"),
    path("rondes/<int:pk>/", views.round_detail, name="round"),
    path("voorstel/<uuid:reference>/goedkeuren/", views.proposal_approve, name="approve"),
    path("voorstel/<uuid:reference>/afwijzen/", views.proposal_reject, name="reject"),
    path("voorstel/<uuid:reference>/wijzigen/", views.proposal_edit, name="edit"),
    path("voorstel/<uuid:reference>/verhuizing/", views.proposal_move_in, name="move_in"),
    path("voorstellen/", views.association_list, name="association_proposals"),
    path("voorstellen/<uuid:reference>/", views.association_answer, name="answer"),
    path("profiel/<uuid:pseudonym>/", views.profile_edit, name="profile"),
    path("terugblik/", views.replay, name="replay"),
]
