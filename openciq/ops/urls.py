from django.urls import path
from django_prometheus import exports

from openciq.ops import views

app_name = "ops"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", exports.ExportToDjangoView, name="metrics"),
]
