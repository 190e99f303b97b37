from __future__ import annotations

from django.urls import path

from doorstroom.reference import views

app_name = "reference"
urlpatterns = [
    path("regios/", views.regions, name="regions"),
    path("regios/<slug:slug>/", views.region_detail, name="region"),
    path("gemeenten/", views.municipalities, name="municipalities"),
    path("inwoners/inlezen/", views.population_import, name="population_import"),
]
