from django.urls import path  # noqa: F401

from openciq.core.views import app_urls

app_name = "declarations"

urlpatterns = [
    *app_urls("declarations"),
]
