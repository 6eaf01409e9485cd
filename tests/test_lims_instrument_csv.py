"""Reading instrument CSV exports through a column mapping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from openciq.lims.instrument_csv import ColumnMapping, ImportRow, RowError, parse

MAPPING = ColumnMapping(
    sample_column="Sample ID", keyword_column="Analyte", result_column="Conc", unit_column="Unit"
)


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English for the tests that read them."""
    with translation.override("en"):
        yield


def rows_of(text: str, mapping: ColumnMapping = MAPPING, **kwargs: int) -> list[ImportRow]:
    rows, errors = parse(text.encode(), mapping, **kwargs)
    assert errors == []
    return rows


def errors_of(data: str | bytes, mapping: ColumnMapping = MAPPING, **kwargs: int) -> list[RowError]:
    return parse(data.encode() if isinstance(data, str) else data, mapping, **kwargs)[1]


def test_a_plain_export() -> None:
    text = "Sample ID,Analyte,Conc,Unit\nS-001,Pb,0.05,mg/kg\nS-002,Cd, 0.012 ,mg/kg\n"
    assert rows_of(text) == [
        ImportRow(line=2, sample="S-001", keyword="Pb", result="0.05", unit="mg/kg"),
        ImportRow(line=3, sample="S-002", keyword="Cd", result="0.012", unit="mg/kg"),
    ]


def test_a_thousand_rows_in_file_order() -> None:
    lines = ["Sample ID,Analyte,Conc,Unit"] + [f"S-{i:04d},As,{i / 1000},mg/kg" for i in range(1000)]
    rows = rows_of("\r\n".join(lines) + "\r\n")
    assert len(rows) == 1000
    assert rows[0] == ImportRow(line=2, sample="S-0000", keyword="As", result="0.0", unit="mg/kg")
    assert rows[-1] == ImportRow(line=1001, sample="S-0999", keyword="As", result="0.999", unit="mg/kg")


def test_decimal_comma_with_semicolon_delimiter() -> None:
    mapping = ColumnMapping(
        sample_column="Probe",
        keyword_column="Parameter",
        result_column="Wert",
        delimiter=";",
        decimal_comma=True,
    )
    rows = rows_of("Probe;Parameter;Wert\nP1;Hg;0,005\nP2;Pb;<0,01\nP3;Cd;1,2E-03\n", mapping)
    assert [(r.sample, r.result, r.unit) for r in rows] == [
        ("P1", "0.005", ""),
        ("P2", "<0.01", ""),
        ("P3", "1.2E-03", ""),
    ]


def test_preamble_lines_are_skipped_and_lines_still_counted() -> None:
    mapping = ColumnMapping(
        sample_column="Sample ID", keyword_column="Analyte", result_column="Conc", skip_lines=3
    )
    text = 'Instrument: ICP-MS 7900\nMethod: "heavy, metals\nExported 2026-05-04\nSample ID,Analyte,Conc\nS1,Pb,0.1\n'
    assert rows_of(text, mapping) == [ImportRow(line=5, sample="S1", keyword="Pb", result="0.1", unit="")]


def test_a_byte_order_mark_is_ignored() -> None:
    data = "\ufeffSample ID,Analyte,Conc,Unit\nS1,Pb,0.1,mg/kg\n".encode()
    rows, errors = parse(data, MAPPING)
    assert (rows[0].sample, errors) == ("S1", [])
    # also when the mapping names plain utf-8, which keeps the mark
    plain = ColumnMapping(
        sample_column="Sample ID", keyword_column="Analyte", result_column="Conc", encoding="utf-8"
    )
    assert parse(data, plain)[0][0].sample == "S1"


def test_another_encoding() -> None:
    mapping = ColumnMapping(
        sample_column="样品编号", keyword_column="项目", result_column="结果", encoding="gb18030"
    )
    rows, errors = parse("样品编号,项目,结果\nS1,铅,0.1\n".encode("gb18030"), mapping)
    assert (rows[0].keyword, errors) == ("铅", [])


def test_blank_lines_and_delimiter_only_lines_are_skipped() -> None:
    text = "\nSample ID,Analyte,Conc,Unit\n\nS1,Pb,0.1,mg/kg\n,,,\n   \nS2,Pb,0.2,mg/kg\n\n"
    assert [(r.line, r.sample) for r in rows_of(text)] == [(4, "S1"), (7, "S2")]


def test_a_quoted_field_over_two_lines_keeps_the_line_it_starts_on() -> None:
    text = 'Sample ID,Analyte,Conc,Unit\n"S1\nbis",Pb,0.1,mg/kg\nS2,Pb,0.2,mg/kg\n'
    assert [(r.line, r.sample) for r in rows_of(text)] == [(2, "S1\nbis"), (4, "S2")]


def test_header_names_and_columns_are_matched_after_stripping_and_extra_columns_ignored() -> None:
    mapping = ColumnMapping(sample_column=" Sample ID ", keyword_column="Analyte", result_column="Conc")
    text = "Flag, Sample ID ,Analyte,Conc,Unit,Dilution\nok,S1,Pb,0.1,mg/kg,10\n"
    assert rows_of(text, mapping) == [ImportRow(line=2, sample="S1", keyword="Pb", result="0.1", unit="")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.05", "0.05"),
        ("-0.002", "-0.002"),
        ("12", "12"),
        (".5", ".5"),
        ("1.2E-03", "1.2E-03"),
        ("<0.01", "<0.01"),
        ("< 0.01", "<0.01"),
        ("ND", "ND"),
        ("nd", "ND"),
    ],
)
def test_accepted_result_forms(raw: str, expected: str) -> None:
    assert rows_of(f"Sample ID,Analyte,Conc,Unit\nS1,Pb,{raw},mg/kg\n")[0].result == expected


@pytest.mark.parametrize("raw", ["abc", "0,05", "1.2.3", ">10", "<-1", "NaN", "inf", "1e", "0.05 mg/kg", "<"])
def test_refused_result_forms(raw: str) -> None:
    text = f'Sample ID,Analyte,Conc,Unit\nS1,Pb,"{raw}",mg/kg\n'
    errors = errors_of(text)
    assert [(e.line, e.column) for e in errors] == [(2, "Conc")]
    assert raw in errors[0].message
    assert "Conc" in errors[0].message


def test_a_decimal_point_is_refused_with_decimal_comma() -> None:
    mapping = ColumnMapping(
        sample_column="Sample ID",
        keyword_column="Analyte",
        result_column="Conc",
        delimiter=";",
        decimal_comma=True,
    )
    assert [(e.line, e.column) for e in errors_of("Sample ID;Analyte;Conc\nS1;Pb;1.234,5\n", mapping)] == [
        (2, "Conc")
    ]


@pytest.mark.usefixtures("english")
def test_each_empty_required_column_is_an_error_naming_it() -> None:
    text = "Sample ID,Analyte,Conc,Unit\n,Pb,0.1,mg/kg\nS2,,,mg/kg\nS3,Pb\nS4,Pb,0.4,\n"
    rows, errors = parse(text.encode(), MAPPING)
    assert [(e.line, e.column) for e in errors] == [
        (2, "Sample ID"),
        (3, "Analyte"),
        (3, "Conc"),
        (4, "Conc"),
    ]
    assert errors[0].message == 'The column "Sample ID" is empty.'
    assert rows == [ImportRow(line=5, sample="S4", keyword="Pb", result="0.4", unit="")]  # unit may be empty


@pytest.mark.usefixtures("english")
def test_missing_header_columns_are_each_named() -> None:
    errors = errors_of("Sample,Analyte,Result\nS1,Pb,0.1\n")
    assert [(e.line, e.column) for e in errors] == [(1, "Sample ID"), (1, "Conc"), (1, "Unit")]
    assert errors[0].message == 'The column "Sample ID" is missing from the header.'


def test_a_duplicated_header_column_is_an_error() -> None:
    errors = errors_of("Sample ID,Analyte,Conc,Conc,Unit\nS1,Pb,0.1,0.2,mg/kg\n")
    assert [(e.line, e.column) for e in errors] == [(1, "Conc")]


def test_bad_encoding_is_one_file_error() -> None:
    errors = errors_of("Sample ID,Analyte,Conc,Unit\nS1,铅含量,0.1,mg/kg\n".encode("gb18030"))
    assert [(e.line, e.column) for e in errors] == [(0, "file")]
    assert "utf-8-sig" in errors[0].message


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_a_file_without_header_is_a_file_error(data: bytes) -> None:
    assert [(e.line, e.column) for e in errors_of(data)] == [(0, "file")]


def test_a_header_without_rows_gives_no_rows_and_no_errors() -> None:
    assert rows_of("Sample ID,Analyte,Conc,Unit\n") == []


def test_more_rows_than_allowed_is_an_error_on_the_first_row_too_many() -> None:
    text = "Sample ID,Analyte,Conc,Unit\n" + "".join(f"S{i},Pb,0.1,mg/kg\n" for i in range(4))
    assert len(rows_of(text, max_rows=4)) == 4
    rows, errors = parse(text.encode(), MAPPING, max_rows=3)
    assert [row.sample for row in rows] == ["S0", "S1", "S2"]
    assert [(e.line, e.column) for e in errors] == [(5, "file")]
    assert "3" in errors[0].message


def test_broken_csv_quoting_is_a_file_error() -> None:
    errors = errors_of('Sample ID,Analyte,Conc,Unit\nS1,Pb,0.1,mg/kg\nS2,"Pb"x,0.1,mg/kg\n')
    assert [(e.line, e.column) for e in errors] == [(3, "file")]


@pytest.mark.parametrize(
    "overrides",
    [
        {"sample_column": " "},
        {"keyword_column": "Sample ID"},
        {"delimiter": ";;"},
        {"delimiter": '"'},
        {"skip_lines": -1},
        {"encoding": "no-such-codec"},
    ],
)
def test_an_unusable_mapping_is_refused(overrides: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "sample_column": "Sample ID",
        "keyword_column": "Analyte",
        "result_column": "Conc",
    }
    with pytest.raises(ValueError):
        ColumnMapping(**{**fields, **overrides})  # type: ignore[arg-type]
