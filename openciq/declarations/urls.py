from django.urls import path

from openciq.core.views import app_urls
from openciq.declarations import views

app_name = "declarations"


def _action(verb: str) -> object:
    return path(
        f"declarations/<int:pk>/{verb}/", views.declaration_action, {"verb": verb}, name=f"declaration_{verb}"
    )


urlpatterns = [
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/add/", views.declaration_edit, name="declaration_add"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path("declarations/<int:pk>/edit/", views.declaration_edit, name="declaration_edit"),
    path("declarations/<int:pk>/history/", views.declaration_history, name="declaration_history"),
    *[_action(verb) for verb in views.ACTIONS],
    path("declarations/<int:pk>/issue-certificate/", views.certificate_issue, name="certificate_issue"),
    path("declarations/<int:pk>/attachments/", views.declaration_attach, name="declaration_attach"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("worklist/", views.worklist, name="worklist"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/start/", views.order_start, name="order_start"),
    path("orders/<int:pk>/assign/", views.order_assign, name="order_assign"),
    path("orders/<int:pk>/record/", views.order_record, name="order_record"),
    path("orders/<int:pk>/photos/", views.order_photo, name="order_photo"),
    path("orders/<int:pk>/photos/<int:photo_pk>/", views.order_photo_file, name="order_photo_file"),
    path("orders/<int:pk>/complete/", views.order_complete, name="order_complete"),
    path("orders/<int:pk>/samples/", views.sample_request_create, name="sample_request_create"),
    path("samples/", views.samplerequest_list, name="samplerequest_list"),
    path("samples/<int:pk>/result/", views.sample_result, name="sample_result"),
    path("enterprises/<int:enterprise_pk>/", views.enterprise_history, name="enterprise_history"),
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/import/", views.certificate_import, name="certificate_import"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/xml/", views.certificate_xml, name="certificate_xml"),
    path("certificates/<int:pk>/signed/", views.certificate_signed, name="certificate_signed"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/replace/", views.certificate_replace, name="certificate_replace"),
    path("verify/", views.certificate_verify_upload, name="certificate_verify_upload"),
    path("verify/<uuid:token>/", views.certificate_verify_public, name="certificate_verify_public"),
    path("keys.json", views.public_keys, name="public_keys"),
    path("rules/", views.riskruleset_list, name="riskruleset_list"),
    path("rules/add/", views.riskruleset_edit, name="riskruleset_add"),
    path("rules/<int:pk>/", views.riskruleset_detail, name="riskruleset_detail"),
    path("rules/<int:pk>/edit/", views.riskruleset_edit, name="riskruleset_edit"),
    path("rules/<int:pk>/activate/", views.riskruleset_activate, name="riskruleset_activate"),
    path("signals/", views.risksignal_list, name="risksignal_list"),
    *app_urls("declarations"),
]
