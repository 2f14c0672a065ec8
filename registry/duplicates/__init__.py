"""Possible duplicate records: pairs of driver records that are probably one person.

- compare.py: how two names are compared and weighed (the one place a pair is scored);
- find.py: the register-wide job (blocking, scoring, raising pairs);
- review.py: officers list, decide ("same person" / "different people") and undo.

docs/duplicates.md describes the whole for officers and operators.
"""

from registry.duplicates.find import JobReport, find_duplicates
from registry.duplicates.review import (
    DECISIONS,
    Decision,
    DuplicatePair,
    LinkedRecord,
    decide,
    get_pair,
    linked_drivers,
    linked_records,
    list_pairs,
    undo,
)

__all__ = [
    "DECISIONS",
    "Decision",
    "DuplicatePair",
    "JobReport",
    "LinkedRecord",
    "decide",
    "find_duplicates",
    "get_pair",
    "linked_drivers",
    "linked_records",
    "list_pairs",
    "undo",
]
