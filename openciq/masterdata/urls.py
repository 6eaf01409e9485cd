from django.urls import path

from openciq.core.views import app_urls
from openciq.masterdata import views

app_name = "masterdata"

urlpatterns = [
    path("enterprises/<int:pk>/reclassify/", views.enterprise_reclassify, name="enterprise_reclassify"),
    *app_urls("masterdata"),
]
