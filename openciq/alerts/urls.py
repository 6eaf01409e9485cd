from django.urls import path  # noqa: F401

from openciq.core.views import app_urls

app_name = "alerts"

urlpatterns = [
    *app_urls("alerts"),
]
