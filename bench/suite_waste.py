"""How much of a parallel test run goes outside the tests, read from pytest's JUnit XML.

    .venv/bin/python -m pytest -n 2 --dist worksteal -p no:cacheprovider --junitxml=/tmp/suite.xml
    .venv/bin/python bench/suite_waste.py /tmp/suite.xml --workers 2

Each test's time in the XML is its set-up, call and teardown (pytest's default `total`), the
suite's time is the whole session. Wall time x workers less the sum of the tests is the core
time the workers spent on anything else: starting up (collecting, a cluster and a template
each), waiting on the scheduler, idling at the end while the other worker finishes. Run the same
tests with `-n 0` and compare the sums: a sum larger in parallel is the tests slowing each other
down (two workers on two cores beside PostgreSQL, chromium and services), not waste.

tests/conftest.py records which worker ran each test and when it started, so each worker's
timeline is listed too: its start-up (the session's start to its first test), the gaps between
its tests, the time from its last test to the session's end (its own teardown, then idle while
the others finish), and its last tests.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import xml.etree.ElementTree as ET


def read(path: str) -> tuple[float, dict[str, float]]:
    """The session's wall seconds, and each test file's summed seconds."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    wall = sum(float(suite.get("time", 0)) for suite in suites)
    by_file: dict[str, float] = collections.Counter()
    for case in root.iter("testcase"):
        name = case.get("file") or case.get("classname", "").replace(".", "/") + ".py"
        by_file[name] += float(case.get("time", 0))
    return wall, by_file


def timelines(path: str) -> tuple[float, float, dict[str, list[tuple[float, float, str]]]]:
    """The session's start (epoch seconds) and wall seconds, and each worker's tests as (start,
    seconds, test), from the worker and start time tests/conftest.py records for each test."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else next(root.iter("testsuite"))
    start = datetime.datetime.fromisoformat(suite.get("timestamp", "")).timestamp()
    by_worker: dict[str, list[tuple[float, float, str]]] = collections.defaultdict(list)
    for case in root.iter("testcase"):
        found = {p.get("name"): p.get("value") for p in case.iter("property")}
        if "worker" in found and "started" in found:
            test = f"{case.get('classname')}::{case.get('name')}"
            by_worker[found["worker"] or ""].append(
                (float(found["started"]), float(case.get("time", 0)), test)
            )
    return start, float(suite.get("time", 0)), by_worker


def print_timelines(path: str, last: int) -> None:
    start, wall, by_worker = timelines(path)
    if not by_worker:
        print("(no worker timelines: the run's conftest did not record them)")
        return
    end = start + wall
    print("worker  start-up  tests  gaps  after its last test  (seconds)")
    for worker, tests in sorted(by_worker.items()):
        tests.sort()
        first = tests[0][0]
        finished = max(began + seconds for began, seconds, _ in tests)
        busy = sum(seconds for _, seconds, _ in tests)
        gaps = finished - first - busy
        print(f"{worker:>6} {first - start:9.1f} {busy:6.1f} {gaps:5.1f} {end - finished:20.1f}")
        for began, seconds, test in tests[len(tests) - last :]:
            print(f"{'':8}last: {began - start:7.1f} +{seconds:6.1f} {test}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit_xml")
    parser.add_argument("--workers", type=int, default=1, help="pytest -n (1 for -n 0)")
    parser.add_argument("--files", type=int, default=10, help="how many test files to list")
    parser.add_argument("--last", type=int, default=3, help="each worker's last tests to list")
    args = parser.parse_args()
    wall, by_file = read(args.junit_xml)
    tests = sum(by_file.values())
    available = wall * args.workers
    print(f"wall {wall:.0f} s x {args.workers} workers = {available:.0f} s")
    print(f"tests (set-up + call + teardown) {tests:.0f} s")
    print(f"outside the tests {available - tests:.0f} s ({(available - tests) / available:.0%})")
    print("slowest test files (seconds, share of the tests):")
    for name, seconds in collections.Counter(by_file).most_common(args.files):
        print(f"  {seconds:7.1f} {seconds / tests:5.1%} {name}")
    print_timelines(args.junit_xml, args.last)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
