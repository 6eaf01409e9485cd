"""Webhook delivery of subscriptions: matching events posted to each subscriber, once.

A subscription remembers ``delivered_through``, the last event (in repository order) its
subscriber acknowledged with a 2xx answer. A delivery sends the next events after it, in order, in
one EPCISQueryDocument (at most ``batch`` events; the rest follow at once in further callbacks),
and moves the mark only when the subscriber answered 2xx: an answer lost or refused means the same
events are sent again later, never skipped, and an acknowledged event is never sent again. Failed
callbacks are retried with exponential back-off (10 s doubling, at most an hour).

Callbacks are signed when the subscription has a ``signatureToken``: header ``GS1-Signature``
carries ``sha256=<hex HMAC-SHA256 of the body under the token>``.

``openciq epcis deliver`` runs :func:`deliver_due` in a loop (a worker process); stream
subscriptions are due at every pass, scheduled ones at their next time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.db import transaction
from django.utils import timezone

from openciq.trace import query_params as qp
from openciq.trace import rendering, selectors
from openciq.trace.choices import SubscriptionStatus
from openciq.trace.models import Delivery, Subscription

log = logging.getLogger(__name__)
BATCH = 1000
TIMEOUT = 10.0
MAX_BACKOFF = dt.timedelta(hours=1)


def signature(token: str, body: bytes) -> str:
    """The ``GS1-Signature`` header value for ``body``."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=10 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(subscription: Subscription, *, now: dt.datetime | None = None) -> Delivery | None:
    """One callback for ``subscription`` if it has something to send (or ``reportIfEmpty``);
    returns the delivery recorded, or ``None`` when there was nothing to do."""
    now = now or timezone.now()
    query = qp.parse_query_document({"query": subscription.query.parameters})
    events = list(
        selectors.event_queryset(query)
        .filter(id__gt=subscription.delivered_through)
        .select_related("read_point", "biz_location")
        .order_by("id")[:BATCH]
    )
    schedule = qp.parse_schedule(subscription.schedule) if subscription.schedule else None
    if not events and not subscription.report_if_empty:
        if schedule is not None:
            Subscription.objects.filter(pk=subscription.pk).update(next_run_at=schedule.next_after(now))
        return None
    document = rendering.query_document(
        [rendering.render_event(event) for event in events],
        query_name=subscription.query.name,
        subscription_id=str(subscription.subscription_id),
    )
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "GS1-EPCIS-Version": "2.0.0"}
    if subscription.signature_token:
        headers["GS1-Signature"] = signature(subscription.signature_token, body)
    status: int | None = None
    error = ""
    try:
        status = _post(subscription.dest, body, headers)
    except (OSError, ValueError) as exc:
        error = str(exc)[:500]
    ok = status is not None and 200 <= status < 300
    last = events[-1].pk if events else subscription.delivered_through
    with transaction.atomic():
        record = Delivery.objects.create(
            subscription=subscription,
            attempted_at=now,
            first_event=events[0].pk if events else 0,
            last_event=last if events else 0,
            event_count=len(events),
            response_status=status,
            error=error or ("" if ok else f"HTTP {status}"),
        )
        changes: dict[str, Any]
        if ok:
            more = len(events) == BATCH
            changes = {
                "delivered_through": last,
                "attempts": 0,
                "status": SubscriptionStatus.ACTIVE,
                "last_delivery_at": now,
                "last_error": "",
                "next_run_at": now
                if (subscription.stream or more)
                else schedule.next_after(now)
                if schedule
                else None,
            }
        else:
            attempts = subscription.attempts + 1
            changes = {
                "attempts": attempts,
                "status": SubscriptionStatus.FAILING,
                "last_error": record.error,
                "next_run_at": now + _backoff(attempts),
            }
        # The mark moves only with a 2xx, and only forwards (a concurrent worker cannot undo it).
        Subscription.objects.filter(pk=subscription.pk, delivered_through__lte=last).update(**changes)
    if not ok:
        log.warning(
            "subscription %s: callback to %s failed: %s",
            subscription.subscription_id,
            subscription.dest,
            record.error,
        )
    return record


def deliver_due(*, now: dt.datetime | None = None) -> int:
    """Run every subscription that is due; returns the number of callbacks made."""
    now = now or timezone.now()
    due = (
        Subscription.objects.select_related("query")
        .filter(next_run_at__lte=now)
        .exclude(status=SubscriptionStatus.CANCELLED)
    )
    made = 0
    for pk in list(due.order_by("next_run_at", "id").values_list("pk", flat=True)):
        # One worker per subscription at a time: the row stays locked through its callback.
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("query")
                .filter(pk=pk)
                .first()
            )
            if subscription is not None and deliver(subscription, now=now) is not None:
                made += 1
    return made
