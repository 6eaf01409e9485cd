"""Reading an instrument's CSV export of results, through one column mapping per instrument.

Instruments (LC-MS/MS, ICP-MS, GC) export one result per row: a sample identifier, an analyte
keyword, the result and often its unit, under a header line that may follow a few lines of
preamble (instrument name, method, date). A :class:`ColumnMapping`, kept with the instrument,
names the columns; :func:`parse` turns the bytes into :class:`ImportRow` values and reports every
problem as a :class:`RowError` with its line number, so the analyst can fix the file.

This module only reads: it does not look samples, keywords or units up. An import is all or
nothing: a caller imports the rows only when the error list is empty.

CSV as written by the instruments: RFC 4180 quoting, read with Python's ``csv`` module; a field
may span lines, and a row's line number is the line on which it starts.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["ColumnMapping", "ImportRow", "RowError", "parse"]

FILE = "file"  # the column of an error about the file as a whole

# A decimal number without sign, optionally in exponent form (ICP-MS software writes 1.2E-03).
_UNSIGNED = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(r"[+-]?" + _UNSIGNED)  # a blank-corrected result may be negative
_CENSORED_RE = re.compile(r"<\s*(" + _UNSIGNED + ")")  # below this limit: "<0.01" or "< 0.01"
_NOT_DETECTED = "ND"


@dataclass(frozen=True)
class ColumnMapping:
    """How one instrument's export is laid out. Column names are stripped, and match the header's
    names after stripping.

    ``unit_column`` empty means the export has no unit column; ``skip_lines`` counts the lines of
    preamble before the header; ``decimal_comma`` reads ``0,05`` as 0.05 (use it with ``;`` as
    the delimiter, or with quoted results). Raises ``ValueError`` for an unusable mapping.
    """

    sample_column: str
    keyword_column: str
    result_column: str
    unit_column: str = ""
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    skip_lines: int = 0
    decimal_comma: bool = False

    def __post_init__(self) -> None:
        for field in fields(self):
            if field.name.endswith("_column"):
                object.__setattr__(self, field.name, getattr(self, field.name).strip())
        if not (self.sample_column and self.keyword_column and self.result_column):
            raise ValueError("the sample, keyword and result columns must be named")
        if len(set(self.columns())) != len(self.columns()):
            raise ValueError("each mapped column must be a different column")
        if len(self.delimiter) != 1 or self.delimiter in '\r\n"':
            raise ValueError(f"unusable delimiter {self.delimiter!r}")
        if self.skip_lines < 0:
            raise ValueError("skip_lines must not be negative")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None

    def columns(self) -> list[str]:
        """The header names this mapping needs, in the order errors report them."""
        names = [self.sample_column, self.keyword_column, self.result_column, self.unit_column]
        return [name for name in names if name]


@dataclass(frozen=True)
class ImportRow:
    """One result row. ``result`` is a decimal number with a point (``"0.05"``, ``"1.2E-03"``),
    a censored ``"<"`` form meaning "below that limit" (``"<0.01"``), or ``"ND"`` (not detected).
    """

    line: int
    sample: str
    keyword: str
    result: str
    unit: str


@dataclass(frozen=True)
class RowError:
    """A problem on ``line`` (1-based; 0 for the file as a whole) in ``column`` (or ``"file"``)."""

    line: int
    column: str
    message: str


def parse(
    data: bytes, mapping: ColumnMapping, *, max_rows: int = 10000
) -> tuple[list[ImportRow], list[RowError]]:
    """The result rows of ``data`` and the errors found, each list in file order.

    Blank lines (and lines of delimiters only) are skipped. File-level problems — bad encoding, no
    header, a mapped column missing from the header, a CSV syntax error, more than ``max_rows``
    rows — end the reading; row-level problems are collected for every row.
    """
    try:
        text = data.decode(mapping.encoding)
    except UnicodeDecodeError:
        message = _("The file is not valid %(encoding)s text.") % {"encoding": mapping.encoding}
        return [], [RowError(0, FILE, message)]
    stream = io.StringIO(text.removeprefix("\ufeff"), newline="")
    for _line in range(mapping.skip_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=mapping.delimiter, strict=True)
    try:
        return _read(reader, mapping, max_rows=max_rows)
    except csv.Error as error:
        line = mapping.skip_lines + reader.line_num
        message = _("The file is not valid CSV: %(error)s.") % {"error": error}
        return [], [RowError(line, FILE, message)]


def _read(reader: Reader, mapping: ColumnMapping, *, max_rows: int) -> tuple[list[ImportRow], list[RowError]]:
    header: list[str] | None = None
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    count = 0
    while True:
        line = mapping.skip_lines + reader.line_num + 1  # the line the next record starts on
        record = next(reader, None)
        if record is None:
            break
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip() for cell in record]
            errors = _header_errors(header, mapping, line)
            if errors:
                return [], errors
            continue
        count += 1
        if count > max_rows:
            message = _("The file has more than %(count)d result rows; split it.") % {"count": max_rows}
            return rows, [*errors, RowError(line, FILE, message)]
        row, row_errors = _row(dict(zip(header, record, strict=False)), mapping, line)
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
    if header is None:
        return [], [RowError(0, FILE, _("The file has no header line."))]
    return rows, errors


def _header_errors(header: list[str], mapping: ColumnMapping, line: int) -> list[RowError]:
    errors = []
    for column in mapping.columns():
        if column not in header:
            message = _('The column "%(column)s" is missing from the header.')
        elif header.count(column) > 1:
            message = _('The column "%(column)s" appears more than once in the header.')
        else:
            continue
        errors.append(RowError(line, column, message % {"column": column}))
    return errors


def _row(cells: dict[str, str], mapping: ColumnMapping, line: int) -> tuple[ImportRow | None, list[RowError]]:
    """One data row, or None and the row's errors. A short row's missing cells count as empty."""
    sample, keyword, raw = (
        cells.get(column, "").strip()
        for column in (mapping.sample_column, mapping.keyword_column, mapping.result_column)
    )
    errors = [
        RowError(line, column, _('The column "%(column)s" is empty.') % {"column": column})
        for column, value in (
            (mapping.sample_column, sample),
            (mapping.keyword_column, keyword),
            (mapping.result_column, raw),
        )
        if not value
    ]
    result = _normalised_result(raw, decimal_comma=mapping.decimal_comma)
    if raw and result is None:
        message = _('The column "%(column)s" holds "%(value)s": not a number, a "<" limit or ND.')
        errors.append(
            RowError(line, mapping.result_column, message % {"column": mapping.result_column, "value": raw})
        )
    if errors or result is None:
        return None, errors
    unit = cells.get(mapping.unit_column, "").strip() if mapping.unit_column else ""
    return ImportRow(line=line, sample=sample, keyword=keyword, result=result, unit=unit), []


def _normalised_result(raw: str, *, decimal_comma: bool) -> str | None:
    """The result with a decimal point and no inner spaces, or None when it is not acceptable."""
    text = raw.replace(",", ".") if decimal_comma else raw
    if _NUMBER_RE.fullmatch(text):
        return text
    censored = _CENSORED_RE.fullmatch(text)
    if censored:
        return "<" + censored.group(1)
    if text.upper() == _NOT_DETECTED:
        return _NOT_DETECTED
    return None
