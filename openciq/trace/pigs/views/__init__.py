"""Pages of the live-pig supervision under ``/trace/pigs/``.

Conventions (as in the laboratory and declaration pages): every state change is a POST to its
own URL calling one service; a refused form is shown again with status 200, the service's message
above it and its field messages next to their fields; out-of-scope objects answer 404, a missing
permission 403. The pig list pages by id (millions of rows); farms and batches use counted
django-tables2 pages.
"""

from openciq.trace.pigs.views.animals import (
    animal_alert_resolve,
    animal_death,
    animal_detail,
    animal_list,
    animal_lookup,
    animal_tag,
    tag_replace,
    treatment_record,
)
from openciq.trace.pigs.views.batches import (
    batch_action,
    batch_alert_resolve,
    batch_cancel,
    batch_declare,
    batch_detail,
    batch_hold,
    batch_list,
    batch_receive,
    worklist,
)
from openciq.trace.pigs.views.farms import farm_detail, farm_list, farm_register, range_issue

__all__ = [
    "animal_alert_resolve",
    "animal_death",
    "animal_detail",
    "animal_list",
    "animal_lookup",
    "animal_tag",
    "batch_action",
    "batch_alert_resolve",
    "batch_cancel",
    "batch_declare",
    "batch_detail",
    "batch_hold",
    "batch_list",
    "batch_receive",
    "farm_detail",
    "farm_list",
    "farm_register",
    "range_issue",
    "tag_replace",
    "treatment_record",
    "worklist",
]
