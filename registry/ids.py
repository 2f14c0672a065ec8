"""Time-ordered identifiers (UUID version 7, RFC 9562) for rows written at a high rate.

A search writes its id into audit_log.search_id, which has a b-tree index. A random id
(version 4) lands on a random leaf page of that index: at 300 searches a second nearly every
insert touches a page not yet written since the last checkpoint, and PostgreSQL then writes
the whole 8 kB page into the WAL (a full-page image) before the change. An id that starts
with the time in milliseconds lands on the index's right-hand edge, on the same few pages,
whatever the index's size. The 74 random bits that follow keep ids unguessable within a
millisecond.
"""

from __future__ import annotations

import os
import time
import uuid


def time_ordered_uuid() -> uuid.UUID:
    """A UUID version 7: 48 bits of Unix time in milliseconds, then 74 random bits."""
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (millis & (2**48 - 1)) << 80 | random_bits & ~(0xF << 76 | 0x3 << 62)
    value |= 0x7 << 76 | 0x2 << 62  # version 7, variant RFC 9562
    return uuid.UUID(int=value)
