from django.urls import path

from openciq.alerts import views
from openciq.alerts.choices import FilingVerb
from openciq.core.views import app_urls

app_name = "alerts"

FILINGS = "packaging-filings"

urlpatterns = [
    path(f"{FILINGS}/", views.filing_list, name="packagingfiling_list"),
    path(f"{FILINGS}/add/", views.filing_edit, name="packagingfiling_add"),
    path(f"{FILINGS}/<int:pk>/", views.filing_detail, name="packagingfiling_detail"),
    path(f"{FILINGS}/<int:pk>/edit/", views.filing_edit, name="packagingfiling_edit"),
    path(f"{FILINGS}/<int:pk>/history/", views.filing_history, name="packagingfiling_history"),
    path(f"{FILINGS}/<int:pk>/certificate/", views.filing_certificate, name="packagingfiling_certificate"),
    path(f"{FILINGS}/<int:pk>/renew/", views.filing_renew, name="packagingfiling_renew"),
    # One URL per step of the life cycle: /alerts/packaging-filings/7/approve/ …
    *(
        path(
            f"{FILINGS}/<int:pk>/{verb}/",
            views.filing_transition,
            {"verb": verb.value},
            name=f"packagingfiling_{verb.value}",
        )
        for verb in FilingVerb
    ),
    *app_urls("alerts"),
]
