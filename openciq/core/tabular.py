"""Reading and writing tabular files (CSV and XLSX) for import and export, through tablib."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import tablib
from django.utils.translation import gettext as _

from openciq.core.errors import ValidationFailed

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """Rows of an uploaded CSV or XLSX file as dicts keyed by the header row."""
    fmt = name.rsplit(".", 1)[-1].lower()
    if fmt not in CONTENT_TYPES:
        raise ValidationFailed(
            _("Only .csv and .xlsx files can be imported."), fields={"file": [_("Unsupported file type.")]}
        )
    try:
        if fmt == "csv":
            text = content.decode("utf-8-sig")
            dataset = tablib.Dataset().load(text, format="csv")
        else:
            dataset = tablib.Dataset().load(content, format="xlsx")
    except (UnicodeDecodeError, ValueError, KeyError, tablib.UnsupportedFormat) as exc:
        raise ValidationFailed(
            _("The file could not be read: %(error)s") % {"error": exc}, fields={"file": [str(exc)]}
        ) from exc
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    rows = []
    for raw in dataset:
        values = ["" if v is None else str(v).strip() for v in raw]
        if any(values):
            rows.append(dict(zip(headers, values, strict=False)))
    return rows


def write_rows(fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    dataset = tablib.Dataset(headers=list(headers))
    for row in rows:
        dataset.append(["" if v is None else v for v in row])
    data = dataset.export(fmt)
    return data.encode("utf-8-sig") if isinstance(data, str) else data
