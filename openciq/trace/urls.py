"""Pages of the EPCIS repository under ``/trace/`` (the REST binding is at ``/api/v1/epcis/``).

Generic pages of registered reference types (locations, once registered) are added for every
name not written here: the location tree and the location's page are these ones, their
add/edit/delete pages come from the registry.
"""

from typing import Any

from django.urls import path

from openciq.core.views import app_urls
from openciq.trace import views

app_name = "trace"

_PAGES: list[Any] = [
    path("events/", views.event_list, name="event_list"),
    path("events/by-id/", views.event_by_id, name="event_by_id"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("trace/", views.trace_page, name="trace"),
    path("captures/", views.capture_list, name="capture_list"),
    path("captures/new/", views.capture_upload, name="capture_upload"),
    path("captures/<uuid:capture_id>/", views.capture_detail, name="capture_detail"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/<int:pk>/", views.location_detail, name="location_detail"),
]
_OWN = {pattern.name for pattern in _PAGES}

urlpatterns = [*_PAGES, *(pattern for pattern in app_urls("trace") if pattern.name not in _OWN)]
