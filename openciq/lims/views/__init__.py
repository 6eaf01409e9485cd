"""Pages of the laboratories: the worklist, samples, analyses, worksheets and turnaround.

Conventions (as in the declarations pages):

- Every state change is a POST to its own URL calling one service; a refused form is shown again
  with status 200, the service's message above it and its field messages next to their fields.
  GET on an action URL shows the action's form on a page of its own.
- Out-of-scope objects answer 404 (the selectors do not find them); a missing permission 403.
- Lists of samples, analyses and worksheets page by id (``?before=`` / ``?after=``): no
  ``COUNT(*)`` and no deep ``OFFSET`` over the big tables.
"""

from openciq.lims.views.analyses import ANALYSIS_ACTIONS, analysis_action, analysis_list, analysis_submit
from openciq.lims.views.samples import (
    SAMPLE_ACTIONS,
    report_pdf,
    request_report,
    sample_action,
    sample_by_number,
    sample_detail,
    sample_history,
    sample_label,
    sample_labels,
    sample_list,
    sample_partition,
    sample_register,
    sample_report,
)
from openciq.lims.views.worklists import turnaround, worklist
from openciq.lims.views.worksheets import (
    instrument_release,
    worksheet_create,
    worksheet_detail,
    worksheet_history,
    worksheet_import,
    worksheet_list,
    worksheet_retract,
)

__all__ = [
    "ANALYSIS_ACTIONS",
    "SAMPLE_ACTIONS",
    "analysis_action",
    "analysis_list",
    "analysis_submit",
    "instrument_release",
    "report_pdf",
    "request_report",
    "sample_action",
    "sample_by_number",
    "sample_detail",
    "sample_history",
    "sample_label",
    "sample_labels",
    "sample_list",
    "sample_partition",
    "sample_register",
    "sample_report",
    "turnaround",
    "worklist",
    "worksheet_create",
    "worksheet_detail",
    "worksheet_history",
    "worksheet_import",
    "worksheet_list",
    "worksheet_retract",
]
