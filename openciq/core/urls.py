from django.urls import path

from openciq.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("audit/", views.audit_log, name="audit_log"),
]
