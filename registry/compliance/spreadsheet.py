"""The summary as an OpenDocument spreadsheet (ODS), laid out as the Government Statistical
Service asks for statistics released in spreadsheets: a cover sheet, a notes sheet, then one
table per sheet, each sheet's title in its first cell, no merged or blank cells inside a table,
and the shorthand [c] (confidential: hidden by disclosure control), [x] (not available) and
[z] (not applicable) in place of empty cells.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from registry.compliance.csv_files import FIGURE_COLUMNS, NOT_APPLICABLE, TOP_COLUMNS
from registry.compliance.shape import REGION_CODES, AuthoritySummary, ComplianceSummary
from registry.compliance.suppression import SUPPRESSED

NOT_AVAILABLE = "[x]"
SOURCE = "Source: Crosscheck, the national register of taxi and private hire driver licensing."

NOTES = [
    (
        "Note 1",
        "Licensed drivers are counted on the snapshot date (31 March for a financial year, the "
        "last day for a quarter): licences first granted by then, not expired, revoked or "
        "surrendered by then. Suspended licences count.",
    ),
    (
        "Note 2",
        "Searched first: a grant or renewal preceded by a register search for that driver by "
        "that authority no earlier than 90 days before it took effect (section 3 of the Taxis and "
        "Private Hire Vehicles (Safeguarding and Road Safety) Act 2022).",
    ),
    (
        "Note 3",
        "Out of area: drivers licensed by an authority other than the one they live in, as a "
        "share of licensed drivers whose home authority is known.",
    ),
    (
        "Note 4",
        "Working days exclude weekends and bank holidays in England and Wales.",
    ),
    (
        "Note 5",
        "Disclosure control: counts from 1 to 4 are shown as [c], with enough other cells that "
        "none can be worked out from the rest; shares and medians that would reveal them are "
        "[c] too. Zeros are shown.",
    ),
    (
        "Note 6",
        "Regions are the ONS regions of England; Wales is shown beside them. National figures "
        "are for England and Wales (K04000001). Counts add up; shares are worked out again from "
        "the counts; medians are over every item.",
    ),
]
SHORTHAND = [
    ("[c]", "confidential: hidden by disclosure control (note 5)"),
    ("[x]", "not available: a year before the register held any licences"),
    ("[z]", "not applicable: nothing to work a share or median out from"),
]


def _label(column: str) -> str:
    return column.replace("_pct", " (%)").replace("_", " ").capitalize()


def _cell(value: object) -> TableCell:
    if isinstance(value, bool) or value is None:
        value = NOT_APPLICABLE if value is None else str(value)
    if isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
        return cell
    if isinstance(value, date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.isoformat()))
        return cell
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=str(value)))
    return cell


def _sheet(name: str, rows: Sequence[Sequence[object]]) -> Table:
    table = Table(name=name)
    for row in rows:
        line = TableRow()
        for value in row:
            line.addElement(_cell(value))
        table.addElement(line)
    return table


def _figures(row: AuthoritySummary) -> list[object]:
    cells: list[object] = []
    for name in FIGURE_COLUMNS:
        value = getattr(row, name)
        cells.append(SUPPRESSED if name in row.suppressed else value)
    tops = row.residents_top_licensing_authorities
    for i in range(len(TOP_COLUMNS) // 3):
        if i < len(tops):
            top = tops[i]
            cells += [top.code, top.name, SUPPRESSED if top.drivers is None else top.drivers]
        else:
            cells += [NOT_APPLICABLE] * 3
    return cells


def _table_rows(title: str, rows: list[AuthoritySummary]) -> list[Sequence[object]]:
    header = ["Code", "Name", "Region", *(_label(c) for c in (*FIGURE_COLUMNS[3:], *TOP_COLUMNS))]
    lines: list[Sequence[object]] = [
        [title],
        ["This worksheet contains one table. Shorthand is explained on the cover sheet."],
        [SOURCE],
        header,
    ]
    for row in rows:
        region = row.region or NOT_APPLICABLE
        lines.append([row.code, row.name, region, *_figures(row)[3:]])
    return lines


def _period_words(summary: ComplianceSummary) -> str:
    return (
        f"Period {summary.period_start.isoformat()} to {summary.period_end.isoformat()}; "
        f"licensed drivers counted on {summary.snapshot_date.isoformat()}"
    )


SERIES_COLUMNS = (
    "licensed_drivers_total",
    "out_of_area_drivers",
    "out_of_area_drivers_pct",
    "licences_granted_or_renewed",
    "granted_or_renewed_after_search",
    "granted_or_renewed_after_search_pct",
    "register_searches_made",
    "register_entries_made",
    "alerts_received",
    "alerts_acknowledged",
    "requests_received",
    "requests_answered_within_20_working_days_pct",
    "concerns_made",
    "concerns_made_within_10_working_days_pct",
)


def _series_rows(series: list[tuple[str, ComplianceSummary]]) -> list[Sequence[object]]:
    lines: list[Sequence[object]] = [
        ["Table 3: England and Wales, by financial year"],
        ["This worksheet contains one table. Shorthand is explained on the cover sheet."],
        [SOURCE],
        ["Financial year", "Snapshot date", *(_label(c) for c in SERIES_COLUMNS)],
    ]
    for label, summary in series:
        totals = summary.national.totals
        values = [
            SUPPRESSED if c in totals.suppressed else getattr(totals, c) for c in SERIES_COLUMNS
        ]
        if not held_anything(summary):
            values = [NOT_AVAILABLE] * len(SERIES_COLUMNS)
        lines.append([label, summary.snapshot_date, *values])
    return lines


def held_anything(summary: ComplianceSummary) -> bool:
    """False for a year before the register held anything: its figures are not available,
    rather than zero."""
    totals = summary.national.totals
    return any(
        getattr(totals, c) for c in ("licensed_drivers_total", "licences_granted_or_renewed")
    ) or bool(totals.register_searches_made)


def summary_ods(
    summary: ComplianceSummary, series: list[tuple[str, ComplianceSummary]] | None = None
) -> bytes:
    """The summary (and, if given, the national time series by financial year) as ODS."""
    tables = [
        ("Table_1", "Table 1: licensing authorities", _table_rows, summary.authorities),
        (
            "Table_2",
            "Table 2: England and Wales, and each region",
            _table_rows,
            [summary.national.totals, *summary.regions],
        ),
    ]
    control = (
        "Counts from 1 to 4 are hidden ([c])"
        if summary.suppression_applied
        else "Exact figures: NOT for publication"
    )
    cover: list[Sequence[object]] = [
        ["Taxi and private hire driver licensing: compliance with the register"],
        [_period_words(summary)],
        [f"Made on {summary.as_at.isoformat()}. {control}."],
        [SOURCE],
        ["Contents"],
        ["Sheet", "What it holds"],
        ["Notes", "Definitions behind the figures"],
        *([name, title] for name, title, _, _ in tables),
    ]
    if series:
        cover.append(["Table_3", "Table 3: England and Wales, by financial year"])
    cover += [["Shorthand"], *([code, meaning] for code, meaning in SHORTHAND)]
    cover += [["Region codes"], *([code, name] for name, code in REGION_CODES.items())]

    book = OpenDocumentSpreadsheet()
    book.spreadsheet.addElement(_sheet("Cover_sheet", cover))
    notes: list[Sequence[object]] = [
        ["Notes"],
        ["This worksheet contains one table."],
        ["Note number", "Note text"],
        *(list(note) for note in NOTES),
    ]
    book.spreadsheet.addElement(_sheet("Notes", notes))
    for name, title, make, rows in tables:
        book.spreadsheet.addElement(_sheet(name, make(title, rows)))
    if series:
        book.spreadsheet.addElement(_sheet("Table_3", _series_rows(series)))
    out = io.BytesIO()
    book.write(out)
    return out.getvalue()
