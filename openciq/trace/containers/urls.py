"""Pages of the container e-seal flow, mounted at ``/trace/containers/``."""

from typing import Any

from django.urls import path

from openciq.trace.containers import views

app_name = "containers"


def _trip_action(verb: str) -> Any:
    return path(f"trips/<int:pk>/{verb}/", views.trip_action, {"verb": verb}, name=f"trip_{verb}")


urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("trips/", views.trip_list, name="trip_list"),
    path("trips/new/", views.trip_seal, name="trip_seal"),
    path("trips/<int:pk>/", views.trip_detail, name="trip_detail"),
    *[_trip_action(verb) for verb in views.TRIP_ACTIONS],
    path(
        "alerts/<int:pk>/acknowledge/", views.alert_action, {"verb": "acknowledge"}, name="alert_acknowledge"
    ),
    path("alerts/<int:pk>/resolve/", views.alert_action, {"verb": "resolve"}, name="alert_resolve"),
    path("containers/", views.container_list, name="container_list"),
    path("containers/new/", views.container_add, name="container_add"),
    path("containers/<int:pk>/", views.container_detail, name="container_detail"),
    path("seals/", views.seal_list, name="seal_list"),
    path("seals/new/", views.seal_add, name="seal_add"),
    path("seals/<int:pk>/", views.seal_detail, name="seal_detail"),
    path("seals/<int:pk>/retire/", views.seal_retire, name="seal_retire"),
    path("clearance/", views.clearance, name="clearance"),
]
