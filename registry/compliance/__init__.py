"""Compliance summaries for the Department for Transport: aggregates, never a person.

Per licensing authority and for England and Wales together, over a period (by default the
last complete calendar quarter) with licensed drivers counted at a snapshot date (by default
the period's last day; DfT's own statistics use 1 April). docs/compliance.md defines every
figure.

The package, one module per job:

- period.py: the reporting period and the snapshot date;
- shape.py: what a summary holds (its Struct fields are the CSV columns) and the rankings;
- statements.py: the set-based SQL the figures come from;
- figures.py: running the statements on one snapshot and assembling the summary;
- suppression.py: disclosure control for publication ([c]);
- csv_files.py: the summary and the rankings as CSV;
- spreadsheet.py: the summary and a time series as an ODS file laid out as GSS asks.

Callers use the names below (`from registry import compliance; compliance.summarise(...)`).
"""

from __future__ import annotations

from registry.compliance.csv_files import (
    FIGURE_COLUMNS,
    PERIOD_COLUMNS,
    RANKING_COLUMNS,
    SUMMARY_COLUMNS,
    TOP_COLUMNS,
    rankings_csv,
    summary_csv,
    summary_row,
)
from registry.compliance.figures import (
    LICENSED_FIELDS,
    SECOND_SHARE,
    SUMMARY_SETTINGS,
    holidays_for,
    summarise,
    summarise_authority,
)
from registry.compliance.period import (
    FINANCIAL_YEAR,
    QUARTER,
    Period,
    PeriodError,
    financial_year_bounds,
    financial_year_label,
    financial_year_of,
    last_complete_financial_year,
    last_complete_quarter,
    quarter_bounds,
    resolve_period,
)
from registry.compliance.shape import (
    ADDITIVE,
    COUNT_FIELDS,
    MEDIANS,
    NATIONAL_CODE,
    NATIONAL_NAME,
    REGION_CODES,
    SHARES,
    TOP_AUTHORITIES,
    AuthorityReport,
    AuthoritySummary,
    ComplianceSummary,
    NationalSummary,
    Ranked,
    TopAuthority,
    pct,
    rankings,
)
from registry.compliance.spreadsheet import held_anything, summary_ods
from registry.compliance.statements import (
    ALERTS,
    CONCERNS,
    ENTRIES_MADE,
    GRANTS_AND_SEARCHES,
    LAST_DRIVER,
    LICENSED_AT_SNAPSHOT,
    LISTED_AUTHORITIES,
    REQUESTS,
    REQUESTS_OVERDUE,
    SEARCHES_MADE,
    STATEMENTS,
)
from registry.compliance.suppression import (
    SUPPRESS_MAX,
    SUPPRESSED,
    apply_suppression,
    suppress_row,
)
from registry.today import LONDON, london_today

__all__ = [
    "ADDITIVE",
    "ALERTS",
    "CONCERNS",
    "COUNT_FIELDS",
    "ENTRIES_MADE",
    "FIGURE_COLUMNS",
    "FINANCIAL_YEAR",
    "GRANTS_AND_SEARCHES",
    "LAST_DRIVER",
    "LICENSED_AT_SNAPSHOT",
    "LICENSED_FIELDS",
    "LISTED_AUTHORITIES",
    "LONDON",
    "MEDIANS",
    "NATIONAL_CODE",
    "NATIONAL_NAME",
    "PERIOD_COLUMNS",
    "QUARTER",
    "RANKING_COLUMNS",
    "REGION_CODES",
    "REQUESTS",
    "REQUESTS_OVERDUE",
    "SEARCHES_MADE",
    "SECOND_SHARE",
    "SHARES",
    "STATEMENTS",
    "SUMMARY_COLUMNS",
    "SUMMARY_SETTINGS",
    "SUPPRESSED",
    "SUPPRESS_MAX",
    "TOP_AUTHORITIES",
    "TOP_COLUMNS",
    "AuthorityReport",
    "AuthoritySummary",
    "ComplianceSummary",
    "NationalSummary",
    "Period",
    "PeriodError",
    "Ranked",
    "TopAuthority",
    "apply_suppression",
    "financial_year_bounds",
    "financial_year_label",
    "financial_year_of",
    "held_anything",
    "holidays_for",
    "last_complete_financial_year",
    "last_complete_quarter",
    "london_today",
    "pct",
    "quarter_bounds",
    "rankings",
    "rankings_csv",
    "resolve_period",
    "summarise",
    "summarise_authority",
    "summary_csv",
    "summary_ods",
    "summary_row",
    "suppress_row",
]
