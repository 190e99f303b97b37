from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language

from doorstroom.accounts.permissions import public
from doorstroom.journey.urls import framework_patterns, waiting_patterns

urlpatterns = [
    path("", include("doorstroom.web.urls")),
    path("account/", include("doorstroom.accounts.urls")),
    path("referentie/", include("doorstroom.reference.urls")),
    path("organisaties/", include("doorstroom.organisations.urls")),
    path("clienten/", include("doorstroom.clients.urls")),
    path("clienten/", include("doorstroom.journey.urls")),
    path("wachtlijsten/", include(waiting_patterns)),
    path("voorzieningen/", include("doorstroom.facilities.urls")),
    path("afwegingskader/", include(framework_patterns)),
    path("monitor/", include("doorstroom.monitor.urls")),
    path("prognose/", include("doorstroom.forecast.urls")),
    path("woningen/", include("doorstroom.housing.urls")),
    path("financien/", include("doorstroom.finance.urls")),
    path("toegangslog/", include("doorstroom.audit.urls")),
    path("taken/", include("doorstroom.jobs.urls")),
    path("i18n/taal/", public(set_language), name="set_language"),
]

handler400 = "doorstroom.web.views.bad_request"
handler403 = "doorstroom.web.views.permission_denied"
handler404 = "doorstroom.web.views.page_not_found"
handler500 = "doorstroom.web.views.server_error"
