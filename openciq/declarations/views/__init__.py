"""Pages of export supervision: declarations and their life cycle, the inspector's worklist and
inspection orders, sample requests, an enterprise's record, certificates (with the public
verification pages) and the risk rules.

Conventions:

- A refused form is re-rendered with status 200, whether the form itself or the service refused
  it (a ``ServiceError``, including ``TransitionNotAllowed``, whose message shows as an error
  alert above the form). Field errors the service names show next to their field.
- Out-of-scope objects answer 404 (the selectors do not find them); a missing permission 403.
- Lists of declarations and certificates page without ``COUNT(*)`` over millions of rows and
  not past the first 10,000 rows (``ShallowPaginator``).
"""

from openciq.declarations.views._common import ShallowPaginator
from openciq.declarations.views.certificates import (
    certificate_detail,
    certificate_import,
    certificate_issue,
    certificate_list,
    certificate_pdf,
    certificate_replace,
    certificate_revoke,
    certificate_signed,
    certificate_verify_public,
    certificate_verify_upload,
    certificate_xml,
    public_keys,
)
from openciq.declarations.views.declarations import (
    ACTIONS,
    attachment_file,
    declaration_action,
    declaration_attach,
    declaration_detail,
    declaration_edit,
    declaration_history,
    declaration_list,
    enterprise_history,
)
from openciq.declarations.views.orders import (
    order_assign,
    order_complete,
    order_detail,
    order_photo,
    order_photo_file,
    order_record,
    order_start,
    sample_request_create,
    sample_result,
    samplerequest_list,
    worklist,
)
from openciq.declarations.views.risk import (
    riskruleset_activate,
    riskruleset_detail,
    riskruleset_edit,
    riskruleset_list,
    risksignal_list,
)

__all__ = [
    "ACTIONS",
    "ShallowPaginator",
    "attachment_file",
    "certificate_detail",
    "certificate_import",
    "certificate_issue",
    "certificate_list",
    "certificate_pdf",
    "certificate_replace",
    "certificate_revoke",
    "certificate_signed",
    "certificate_verify_public",
    "certificate_verify_upload",
    "certificate_xml",
    "declaration_action",
    "declaration_attach",
    "declaration_detail",
    "declaration_edit",
    "declaration_history",
    "declaration_list",
    "enterprise_history",
    "order_assign",
    "order_complete",
    "order_detail",
    "order_photo",
    "order_photo_file",
    "order_record",
    "order_start",
    "public_keys",
    "riskruleset_activate",
    "riskruleset_detail",
    "riskruleset_edit",
    "riskruleset_list",
    "risksignal_list",
    "sample_request_create",
    "sample_result",
    "samplerequest_list",
    "worklist",
]
