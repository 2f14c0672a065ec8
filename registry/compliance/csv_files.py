"""The summary as CSV files: the authority and national rows, and the rankings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from registry.compliance.shape import (
    REGION_CODES,
    TOP_AUTHORITIES,
    AuthorityReport,
    AuthoritySummary,
    ComplianceSummary,
)
from registry.compliance.suppression import SUPPRESSED

# UTF-8 with a byte-order mark (so Excel reads the encoding right), comma separated, CRLF
# line ends and quoting as RFC 4180, ISO 8601 dates. Empty cells carry the GSS shorthand: [c]
# hidden by disclosure control, [z] not applicable (a share or median with nothing to be
# computed from, a top authority that does not exist).

PERIOD_COLUMNS = ("period_start", "period_end", "snapshot_date", "as_at")
FIGURE_COLUMNS = tuple(
    name
    for name in AuthoritySummary.__struct_fields__
    if name not in ("residents_top_licensing_authorities", "suppressed", "region")
)
TOP_COLUMNS = tuple(
    f"residents_top{i}_{part}"
    for i in range(1, TOP_AUTHORITIES + 1)
    for part in ("code", "name", "drivers")
)
# Columns are only ever added at the end, so older readers keep working.
REGION_COLUMNS = ("region_code", "region")
SUMMARY_COLUMNS = (*PERIOD_COLUMNS, *FIGURE_COLUMNS, *TOP_COLUMNS, *REGION_COLUMNS)
NOT_APPLICABLE = "[z]"
RANKING_COLUMNS = ("ranking", "rank", "code", "name", "pct", "numerator", "denominator")


def _cell(value: object, hidden: bool) -> str:
    if hidden:
        return SUPPRESSED
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def summary_row(meta: object, row: AuthoritySummary) -> list[str]:
    cells = [_cell(getattr(meta, name), False) for name in PERIOD_COLUMNS]
    cells += [_cell(getattr(row, name), name in row.suppressed) for name in FIGURE_COLUMNS]
    for i in range(TOP_AUTHORITIES):
        tops = row.residents_top_licensing_authorities
        if i < len(tops):
            cells += [tops[i].code, tops[i].name, _cell(tops[i].drivers, tops[i].drivers is None)]
        else:
            cells += [NOT_APPLICABLE] * 3
    region = row.region or NOT_APPLICABLE
    return [*cells, REGION_CODES.get(row.region, NOT_APPLICABLE), region]


def _csv(header: Iterable[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def summary_csv(
    summary: ComplianceSummary | AuthorityReport, *, national: bool = True, authorities: bool = True
) -> str:
    """The summary as CSV: the national row first (code K04000001), then each region's, then
    each authority's."""
    rows = []
    if isinstance(summary, AuthorityReport):
        rows.append(summary_row(summary, summary.authority))
    else:
        if national:
            rows.append(summary_row(summary, summary.national.totals))
            rows += [summary_row(summary, r) for r in summary.regions]
        if authorities:
            rows += [summary_row(summary, r) for r in summary.authorities]
    return _csv(SUMMARY_COLUMNS, rows)


def rankings_csv(summary: ComplianceSummary) -> str:
    rows = []
    for ranking, entries in (
        ("out_of_area_drivers_pct", summary.national.ranking_out_of_area),
        ("granted_or_renewed_after_search_pct", summary.national.ranking_search_compliance),
    ):
        for e in entries:
            rows.append(
                [
                    ranking,
                    str(e.rank),
                    e.code,
                    e.name,
                    str(e.pct),
                    _cell(e.numerator, e.numerator is None),
                    _cell(e.denominator, e.denominator is None),
                ]
            )
    return _csv(RANKING_COLUMNS, rows)
