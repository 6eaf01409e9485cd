"""Pages of the live-pig supervision, mounted at ``/trace/pigs/`` (the API is at
``/api/v1/pigs/``)."""

from django.urls import URLPattern, path

from openciq.trace.pigs import views

app_name = "pigs"

urlpatterns: list[URLPattern] = [
    path("", views.worklist, name="worklist"),
    path("farms/", views.farm_list, name="farm_list"),
    path("farms/new/", views.farm_register, name="farm_register"),
    path("farms/<int:pk>/", views.farm_detail, name="farm_detail"),
    path("farms/<int:pk>/ranges/new/", views.range_issue, name="range_issue"),
    path("animals/", views.animal_list, name="animal_list"),
    path("animals/new/", views.animal_tag, name="animal_tag"),
    path("animals/lookup/", views.animal_lookup, name="animal_lookup"),
    path("animals/<int:pk>/", views.animal_detail, name="animal_detail"),
    path("animals/<int:pk>/replace-tag/", views.tag_replace, name="tag_replace"),
    path("animals/<int:pk>/death/", views.animal_death, name="animal_death"),
    path(
        "animals/<int:pk>/alerts/<int:alert_pk>/resolve/",
        views.animal_alert_resolve,
        name="animal_alert_resolve",
    ),
    path("treatments/new/", views.treatment_record, name="treatment_record"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_declare, name="batch_declare"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("batches/<int:pk>/hold/", views.batch_hold, name="batch_hold"),
    path("batches/<int:pk>/receive/", views.batch_receive, name="batch_receive"),
    path(
        "batches/<int:pk>/alerts/<int:alert_pk>/resolve/",
        views.batch_alert_resolve,
        name="batch_alert_resolve",
    ),
    path("batches/<int:pk>/<slug:verb>/", views.batch_action, name="batch_action"),
]
