"""schemathesis's coverage cases, generated when their test runs rather than when it is collected.

For each API operation, `schema.parametrize()` (tests/test_schema_fuzz.py) builds a Hypothesis
test and attaches the coverage phase's cases to it as explicit examples. schemathesis does
that while pytest collects, so every test process (each xdist worker, whichever runs the
fuzzing) spent about 6 s of CPU generating the same cases: a third of collecting the suite.
Here the same cases are generated, by schemathesis's own function, the first time Hypothesis
asks for its explicit examples: by the one process that runs that operation's test. Which
cases run, and in which order, is unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from schemathesis.generation.hypothesis import builder

EXAMPLES = "hypothesis_explicit_examples"  # where hypothesis.example() keeps a test's examples


class DeferredExamples(list[Any]):
    """A test's explicit examples, the coverage cases appended the first time they are read."""

    def __init__(self, existing: list[Any], generate: Callable[[], list[Any]]) -> None:
        super().__init__(existing)
        self._generate: Callable[[], list[Any]] | None = generate

    def _complete(self) -> None:
        if self._generate is not None:
            generate, self._generate = self._generate, None
            self.extend(generate())

    def __iter__(self) -> Iterator[Any]:
        self._complete()
        return super().__iter__()

    def __reversed__(self) -> Iterator[Any]:
        self._complete()
        return super().__reversed__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index: Any) -> Any:
        self._complete()
        return super().__getitem__(index)


def _coverage_cases(add_coverage: Callable[..., Any], test: Callable[..., Any], *args, **kwargs):
    """Run schemathesis's add_coverage on a stand-in; move its marks to the test, return its
    examples."""

    def stand_in() -> None: ...

    add_coverage(stand_in, *args, **kwargs)
    unserializable = builder.UnserializablePayloadMark.get(stand_in)
    if unserializable is not None:
        builder.UnserializablePayloadMark.set(test, unserializable)
    return list(getattr(stand_in, EXAMPLES, []))


def install() -> None:
    add_coverage = builder.add_coverage
    if getattr(add_coverage, "deferred", False):
        return

    @functools.wraps(add_coverage)
    def deferred(test: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        generate = functools.partial(_coverage_cases, add_coverage, test, *args, **kwargs)
        setattr(test, EXAMPLES, DeferredExamples(getattr(test, EXAMPLES, []), generate))
        return test

    deferred.deferred = True  # type: ignore[attr-defined]
    builder.add_coverage = deferred
