from __future__ import annotations

from django.urls import path

from doorstroom.finance import views

app_name = "finance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("begrotingen/nieuw/", views.budget_set_create, name="budget_set_create"),
    path("begrotingen/<int:pk>/", views.budget_set, name="budget_set"),
    path("begrotingen/<int:pk>/wijzigen/", views.budget_set_edit, name="budget_set_edit"),
    path("begrotingen/<int:pk>/importeren/", views.budget_import, name="budget_import"),
    path("begrotingen/<int:pk>/regel/", views.budget_line, name="budget_line"),
    path("begrotingen/<int:pk>/vaststellen/", views.budget_adopt, name="budget_adopt"),
    path(
        "begrotingen/<int:pk>/nieuwe-versie/", views.budget_new_version, name="budget_new_version"
    ),
    path("begrotingen/<int:pk>/verdeling/", views.distribution, name="distribution"),
    path(
        "begrotingen/<int:pk>/verdeling/opslaan/",
        views.distribution_store,
        name="distribution_store",
    ),
    path("ingroeipaden/nieuw/", views.path_create, name="path_create"),
    path("kosten/", views.costs, name="costs"),
    path("tarieven/nieuw/", views.tariff_create, name="tariff_create"),
    path("fonds/", views.fund, name="fund"),
    path("fonds/instellingen/", views.fund_edit, name="fund_edit"),
    path("fonds/betaling/", views.fund_payment, name="fund_payment"),
    path("fonds/voorschotten/", views.fund_advances, name="fund_advances"),
    path("fonds/berekenen/", views.fund_store, name="fund_store"),
    path("berekeningen/<int:pk>/", views.calculation, name="calculation"),
    path("berekeningen/<int:pk>/controle/", views.calculation_check, name="calculation_check"),
    path("berekeningen/<int:pk>/afrekening/<str:code>/", views.statement, name="statement"),
    path("masterplan/", views.masterplan, name="masterplan"),
]
