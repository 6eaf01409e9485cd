from django.urls import path

from openciq.core.views import app_urls
from openciq.lims import views

app_name = "lims"


def _sample_action(verb: str) -> object:
    return path(f"samples/<int:pk>/{verb}/", views.sample_action, {"verb": verb}, name=f"sample_{verb}")


def _analysis_action(verb: str) -> object:
    return path(f"analyses/<int:pk>/{verb}/", views.analysis_action, {"verb": verb}, name=f"analysis_{verb}")


urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("turnaround/", views.turnaround, name="turnaround"),
    path("samples/", views.sample_list, name="sample_list"),
    path("samples/add/", views.sample_register, name="sample_register"),
    path("samples/labels/", views.sample_labels, name="sample_labels"),
    path("samples/by-number/<str:number>/", views.sample_by_number, name="sample_by_number"),
    path("samples/<int:pk>/", views.sample_detail, name="sample_detail"),
    path("samples/<int:pk>/history/", views.sample_history, name="sample_history"),
    path("samples/<int:pk>/partition/", views.sample_partition, name="sample_partition"),
    path("samples/<int:pk>/label/", views.sample_label, name="sample_label"),
    path("samples/<int:pk>/report/", views.sample_report, name="sample_report"),
    *[_sample_action(verb) for verb in views.SAMPLE_ACTIONS],
    path("reports/<int:pk>/", views.report_pdf, name="report_pdf"),
    path("sample-requests/<int:pk>/report/", views.request_report, name="request_report"),
    path("analyses/", views.analysis_list, name="analysis_list"),
    path("analyses/<int:pk>/submit/", views.analysis_submit, name="analysis_submit"),
    *[_analysis_action(verb) for verb in views.ANALYSIS_ACTIONS],
    path("worksheets/", views.worksheet_list, name="worksheet_list"),
    path("worksheets/add/", views.worksheet_create, name="worksheet_create"),
    path("worksheets/<int:pk>/", views.worksheet_detail, name="worksheet_detail"),
    path("worksheets/<int:pk>/history/", views.worksheet_history, name="worksheet_history"),
    path("worksheets/<int:pk>/import/", views.worksheet_import, name="worksheet_import"),
    path("worksheets/<int:pk>/retract/", views.worksheet_retract, name="worksheet_retract"),
    path("instruments/<int:pk>/release/", views.instrument_release, name="instrument_release"),
    *app_urls("lims"),
]
