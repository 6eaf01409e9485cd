"""Pages of the EPCIS repository for the bureau's staff: events, one event, the trace with its
offline map, capture jobs and the upload of a document, locations.

Conventions (as in the laboratory pages):

- Every page needs ``trace.view_event`` (capture jobs ``trace.view_capturejob``, the upload
  ``trace.add_event``): anonymous users go to sign in, others without it get 403.
- Lists answer htmx with their results only.
- The event list pages by ``(event_time, id)`` cursor and never counts: thirty million rows.
"""

from openciq.trace.views.alerts import alert_detail, alert_list
from openciq.trace.views.captures import capture_detail, capture_list, capture_upload
from openciq.trace.views.events import event_by_id, event_detail, event_list
from openciq.trace.views.locations import location_detail, location_list
from openciq.trace.views.traces import trace_page

__all__ = [
    "alert_detail",
    "alert_list",
    "capture_detail",
    "capture_list",
    "capture_upload",
    "event_by_id",
    "event_detail",
    "event_list",
    "location_detail",
    "location_list",
    "trace_page",
]
