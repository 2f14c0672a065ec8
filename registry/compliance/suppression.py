"""Disclosure control for publication: small counts hidden as [c], and enough other cells with them
that none can be worked out from the rest.
"""

from __future__ import annotations

import msgspec

from registry.compliance.shape import (
    ADDITIVE,
    COUNT_FIELDS,
    MEDIANS,
    SHARES,
    AuthoritySummary,
    ComplianceSummary,
    NationalSummary,
    rankings,
)

SUPPRESS_MAX = 4  # counts from 1 to this are suppressed for publication
SUPPRESSED = "[c]"  # the GSS shorthand for a confidential cell

# For publication, counts from 1 to 4 are hidden (primary suppression), as government
# statistics do. So that no hidden count can be worked out from the others:
# - within a row, where a total is shown beside its parts and one part alone is hidden,
#   the smallest other non-zero part (or the total) is hidden too;
# - down a column, where a total is shown (a region's, or the national one) and one of the
#   rows it adds up alone is hidden, the smallest other non-zero cell of those rows is hidden
#   too (or the total);
# - a share is hidden when its numerator or any count in its denominator is hidden, and a
#   median when it is the median of 1 to 4 items;
# - a residents' top-authority count from 1 to 4 is hidden.
# Zeros are shown. Rankings list only authorities whose share is shown.


def _small(value: int | None) -> bool:
    return value is not None and 1 <= value <= SUPPRESS_MAX


def _hide(row: AuthoritySummary, name: str) -> bool:
    if name in row.suppressed:
        return False
    row.suppressed.append(name)
    return True


def _hide_within_row(row: AuthoritySummary) -> bool:
    changed = False
    for total, parts in ADDITIVE.items():
        hidden = [p for p in parts if p in row.suppressed]
        if len(hidden) == 1 and total not in row.suppressed:
            others = sorted(
                (getattr(row, p), p) for p in parts if p not in row.suppressed and getattr(row, p)
            )
            changed |= _hide(row, others[0][1] if others else total)
    return changed


def _hide_down_columns(rows: list[AuthoritySummary], total: AuthoritySummary) -> bool:
    changed = False
    for name in COUNT_FIELDS:
        if name in total.suppressed:
            continue
        hidden = [r for r in rows if name in r.suppressed]
        if len(hidden) == 1:
            others = sorted(
                (getattr(r, name), r.code, i)
                for i, r in enumerate(rows)
                if name not in r.suppressed and getattr(r, name)
            )
            if others:
                changed |= _hide(rows[others[0][2]], name)
            else:
                changed |= _hide(total, name)
    return changed


def _blank(row: AuthoritySummary) -> AuthoritySummary:
    """Replace the hidden counts with None, and hide what they would give away."""
    values = {name: getattr(row, name) for name in COUNT_FIELDS}
    for share, (numerator, plus, minus) in SHARES.items():
        if any(f in row.suppressed for f in (numerator, *plus, *minus)):
            _hide(row, share)
    for median, count in MEDIANS.items():
        if _small(values[count]):
            _hide(row, median)
    for top in row.residents_top_licensing_authorities:
        if _small(top.drivers):
            top.drivers = None
    for name in row.suppressed:
        setattr(row, name, None)
    row.suppressed = [n for n in msgspec.structs.asdict(row) if n in row.suppressed]
    return row


def _primary(row: AuthoritySummary) -> AuthoritySummary:
    row = msgspec.convert(msgspec.to_builtins(row), AuthoritySummary)  # a copy to change
    for name in COUNT_FIELDS:
        if _small(getattr(row, name)):
            _hide(row, name)
    return row


def suppress_row(row: AuthoritySummary) -> AuthoritySummary:
    row = _primary(row)
    while _hide_within_row(row):
        pass
    return _blank(row)


def apply_suppression(summary: ComplianceSummary) -> ComplianceSummary:
    rows = [_primary(r) for r in summary.authorities]
    regions = [_primary(r) for r in summary.regions]
    national = _primary(summary.national.totals)
    # each total beside the rows it adds up: a region's authorities, the regions, every authority
    columns = [([r for r in rows if r.region == region.region], region) for region in regions]
    columns += [(regions, national), (rows, national)] if regions else [(rows, national)]
    changed = True
    while changed:
        changed = False
        for row in (*rows, *regions, national):
            changed |= _hide_within_row(row)
        for parts, total in columns:
            changed |= _hide_down_columns(parts, total)
    hidden_out_of_area = {r.code for r in rows if "out_of_area_drivers" in r.suppressed}
    for top in national.residents_top_licensing_authorities:
        if top.code in hidden_out_of_area:
            top.drivers = None
    rows = [_blank(r) for r in rows]
    national = _blank(national)
    return ComplianceSummary(
        summary.period_start,
        summary.period_end,
        summary.snapshot_date,
        summary.as_at,
        True,
        NationalSummary(national, *rankings(rows)),
        rows,
        [_blank(r) for r in regions],
    )
