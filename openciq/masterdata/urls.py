from django.urls import path

from openciq.core.views import app_urls
from openciq.masterdata import views

app_name = "masterdata"

urlpatterns = [
    path("enterprises/<int:pk>/reclassify/", views.enterprise_reclassify, name="enterprise_reclassify"),
    path(
        "class-changes/<int:pk>/approve/",
        views.class_change_decide,
        {"decision": "approve"},
        name="class_change_approve",
    ),
    path(
        "class-changes/<int:pk>/reject/",
        views.class_change_decide,
        {"decision": "reject"},
        name="class_change_reject",
    ),
    *app_urls("masterdata"),
]
