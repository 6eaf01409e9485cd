"""Pages of the vegetables-to-Hong-Kong supervision, mounted at ``/trace/vegetables/``."""

from django.urls import URLPattern, path

from openciq.trace.vegetables import views

app_name = "vegetables"

urlpatterns: list[URLPattern] = [
    path("", views.worklist, name="worklist"),
    path("bases/", views.base_list, name="base_list"),
    path("bases/new/", views.base_register, name="base_register"),
    path("bases/<int:pk>/", views.base_detail, name="base_detail"),
    path("bases/<int:pk>/plots/", views.plot_add, name="plot_add"),
    path("lots/", views.lot_list, name="lot_list"),
    path("lots/new/", views.lot_harvest, name="lot_harvest"),
    path("lots/<int:pk>/", views.lot_detail, name="lot_detail"),
    path("crates/", views.crate_list, name="crate_list"),
    path("crates/new/", views.crate_register, name="crate_register"),
    path("shipments/", views.shipment_list, name="shipment_list"),
    path("shipments/new/", views.shipment_create, name="shipment_create"),
    path("shipments/<int:pk>/", views.shipment_detail, name="shipment_detail"),
    path("shipments/<int:pk>/<slug:verb>/", views.shipment_action, name="shipment_action"),
]
