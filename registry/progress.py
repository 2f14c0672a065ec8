"""How a long job (a seed, an import, a summary) says how far it has got.

The job calls `phase` as it starts each part (with the amount of work in it, when known) and
`advance` as it gets through it. `QUIET`, the default, says nothing; the command line passes
one that draws a progress bar on a terminal (licensing/progress.py).
"""

from __future__ import annotations


class Progress:
    """Says nothing: the default, and what a command uses when not on a terminal."""

    def phase(self, name: str, total: int | None = None, unit: str = "steps") -> None:
        """A new part of the job begins: `total` units of work, or None when not known."""

    def advance(self, amount: int = 1) -> None:
        """`amount` more units of the current part are done."""


QUIET = Progress()
