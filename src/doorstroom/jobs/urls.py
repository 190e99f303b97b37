from __future__ import annotations

from django.urls import path

from doorstroom.jobs import views

app_name = "jobs"
urlpatterns = [path("<uuid:job_id>/", views.job_detail, name="detail")]
