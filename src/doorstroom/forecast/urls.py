from __future__ import annotations

from django.urls import path

from doorstroom.forecast import views

app_name = "forecast"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("scenarios/nieuw/", views.scenario_edit, name="scenario_create"),
    path("scenarios/importeren/", views.scenario_import, name="scenario_import"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="scenario"),
    path("scenarios/<int:pk>/wijzigen/", views.scenario_edit, name="scenario_edit"),
    path("scenarios/<int:pk>/verwijderen/", views.scenario_delete, name="scenario_delete"),
    path("parameters/", views.parameters, name="parameters"),
    path("model.xmile", views.xmile, name="xmile"),
    path("berekenen/", views.run_create, name="run_create"),
    path("berekeningen/<int:pk>/", views.run_detail, name="run"),
    path("capaciteit/", views.planner, name="planner"),
    path("backtest/", views.backtest, name="backtest"),
    path("voorzieningenplan/", views.facility_plan, name="facility_plan"),
    path("voorzieningenplan/normen/", views.norms_edit, name="norms"),
    path("voorzieningenplan/toets/<int:pk>/", views.assessment, name="assessment"),
]
