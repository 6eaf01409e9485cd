from django.urls import include, path
from django.views.i18n import set_language

from openciq.api import api

urlpatterns = [
    path("", include("openciq.core.urls")),
    path("", include("openciq.ops.urls")),
    path("accounts/", include("openciq.accounts.urls")),
    path("masterdata/", include("openciq.masterdata.urls")),
    path("declarations/", include("openciq.declarations.urls")),
    path("alerts/", include("openciq.alerts.urls")),
    path("lims/", include("openciq.lims.urls")),
    path("trace/vegetables/", include("openciq.trace.vegetables.urls")),
    path("trace/pigs/", include("openciq.trace.pigs.urls")),
    path("trace/containers/", include("openciq.trace.containers.urls")),
    path("trace/", include("openciq.trace.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
