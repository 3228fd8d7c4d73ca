"""Fuzzing: schemathesis over every operation of the OpenAPI document, as an admin and
as a tenant owner; the counts are printed at the end of the run."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter = Counter()
OPERATIONS: set[tuple[str, str]] = set()


def pytest_terminal_summary(terminalreporter) -> None:
    if not COUNTS["requests"]:
        return
    terminalreporter.section("schemathesis")
    roles = sorted({role for role, _ in OPERATIONS})
    terminalreporter.write_line(
        f"operations: {len({op for _, op in OPERATIONS})} (as {', '.join(roles)}); "
        f"requests: {COUNTS['requests']}; 5xx: {COUNTS['5xx']}; "
        f"by status: {dict(sorted((k, v) for k, v in COUNTS.items() if k.isdigit()))}")
