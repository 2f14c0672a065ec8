"""What a summary holds: a row per authority, the national row and the two rankings. The names of
the Struct fields are the CSV column names (docs/compliance.md defines each figure).
"""

from __future__ import annotations

from datetime import date

import msgspec

NATIONAL_CODE = "K04000001"  # the ONS code for England and Wales together
NATIONAL_NAME = "England and Wales"
TOP_AUTHORITIES = 3
# ONS codes for the English regions, and Wales's own (ONS publishes Wales beside the regions).
REGION_CODES = {
    "North East": "E12000001",
    "North West": "E12000002",
    "Yorkshire and The Humber": "E12000003",
    "East Midlands": "E12000004",
    "West Midlands": "E12000005",
    "East of England": "E12000006",
    "London": "E12000007",
    "South East": "E12000008",
    "South West": "E12000009",
    "Wales": "W92000004",
}


class TopAuthority(msgspec.Struct):
    code: str
    name: str
    drivers: int | None


class AuthoritySummary(msgspec.Struct, kw_only=True):
    """One authority's figures (or, with code K04000001, the national totals). A count is
    None only when suppressed (listed in `suppressed`); a share or median is None when it
    has nothing to be computed from, or when suppressed."""

    code: str
    name: str
    nation: str
    # licensed drivers at the snapshot, by kind (as DfT's TAXI0104)
    licensed_drivers_hackney_carriage: int | None = 0
    licensed_drivers_private_hire: int | None = 0
    licensed_drivers_dual: int | None = 0
    licensed_drivers_total: int | None = 0
    # grants and renewals in the period, and the s.3 register search before them
    licences_granted: int | None = 0
    licences_renewed: int | None = 0
    licences_granted_or_renewed: int | None = 0
    granted_or_renewed_after_search: int | None = 0
    granted_or_renewed_after_search_pct: float | None = None
    # use of the register (as DfT's TAXI0118)
    register_entries_made: int | None = 0
    register_searches_made: int | None = 0
    # out-of-area licensing, at the snapshot
    out_of_area_drivers: int | None = 0
    licensed_drivers_home_unknown: int | None = 0
    out_of_area_drivers_pct: float | None = None
    residents_licensed_elsewhere: int | None = 0
    residents_top_licensing_authorities: list[TopAuthority] = []
    # alerts about out-of-area grants and adverse entries
    alerts_received: int | None = 0
    alerts_acknowledged: int | None = 0
    alerts_median_hours_to_acknowledge: float | None = None
    # s.3 information requests this authority was asked to answer
    requests_received: int | None = 0
    requests_answered: int | None = 0
    requests_due: int | None = 0
    requests_answered_within_20_working_days: int | None = 0
    requests_answered_within_20_working_days_pct: float | None = None
    requests_median_working_days_to_answer: float | None = None
    requests_overdue_open_now: int | None = 0
    # s.5 concern reports and s.6 replies
    concerns_made: int | None = 0
    concerns_made_within_10_working_days: int | None = 0
    concerns_made_within_10_working_days_pct: float | None = None
    concerns_received: int | None = 0
    s6_replies_given: int | None = 0
    # the ONS region (Wales for Welsh authorities); on a region's own row, the region itself
    region: str = ""
    suppressed: list[str] = []


class Ranked(msgspec.Struct):
    rank: int
    code: str
    name: str
    pct: float
    numerator: int | None
    denominator: int | None


class NationalSummary(msgspec.Struct):
    totals: AuthoritySummary
    ranking_out_of_area: list[Ranked]  # highest share of out-of-area drivers first
    ranking_search_compliance: list[Ranked]  # highest share of grants searched first


class ComplianceSummary(msgspec.Struct):
    period_start: date
    period_end: date
    snapshot_date: date
    as_at: date
    suppression_applied: bool
    national: NationalSummary
    authorities: list[AuthoritySummary]
    # each ONS region's totals (code E12..., or W92000004 for Wales), in REGION_CODES order
    regions: list[AuthoritySummary] = []


class AuthorityReport(msgspec.Struct):
    period_start: date
    period_end: date
    snapshot_date: date
    as_at: date
    suppression_applied: bool
    authority: AuthoritySummary


COUNT_FIELDS = tuple(
    f.name for f in msgspec.structs.fields(AuthoritySummary) if f.type == int | None
)
# Shares: (share, numerator, the counts the denominator is made of: added, then subtracted).
SHARES = {
    "granted_or_renewed_after_search_pct": (
        "granted_or_renewed_after_search",
        ("licences_granted_or_renewed",),
        (),
    ),
    "out_of_area_drivers_pct": (
        "out_of_area_drivers",
        ("licensed_drivers_total",),
        ("licensed_drivers_home_unknown",),
    ),
    "requests_answered_within_20_working_days_pct": (
        "requests_answered_within_20_working_days",
        ("requests_due",),
        (),
    ),
    "concerns_made_within_10_working_days_pct": (
        "concerns_made_within_10_working_days",
        ("concerns_made",),
        (),
    ),
}
# Medians, and the count of the items each is the median of.
MEDIANS = {
    "alerts_median_hours_to_acknowledge": "alerts_acknowledged",
    "requests_median_working_days_to_answer": "requests_answered",
}
# Totals shown beside their parts: if one part alone were hidden, subtraction would find it.
ADDITIVE = {
    "licensed_drivers_total": (
        "licensed_drivers_hackney_carriage",
        "licensed_drivers_private_hire",
        "licensed_drivers_dual",
    ),
    "licences_granted_or_renewed": ("licences_granted", "licences_renewed"),
}


def pct(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(100 * numerator / denominator, 1)


def _rank(rows: list[AuthoritySummary], share: str) -> list[Ranked]:
    numerator, plus, minus = SHARES[share]
    scored = sorted(
        (r for r in rows if getattr(r, share) is not None),
        key=lambda r: (-getattr(r, share), r.code),
    )
    ranked, previous, rank = [], None, 0
    for position, row in enumerate(scored, start=1):
        value = getattr(row, share)
        if value != previous:  # equal shares share a rank: 1, 2, 2, 4
            rank, previous = position, value
        parts = [getattr(row, f) for f in (*plus, *minus)]
        denominator = (
            None
            if None in parts
            else (sum(getattr(row, f) for f in plus) - sum(getattr(row, f) for f in minus))
        )
        ranked.append(Ranked(rank, row.code, row.name, value, getattr(row, numerator), denominator))
    return ranked


def rankings(rows: list[AuthoritySummary]) -> tuple[list[Ranked], list[Ranked]]:
    return (
        _rank(rows, "out_of_area_drivers_pct"),
        _rank(rows, "granted_or_renewed_after_search_pct"),
    )
