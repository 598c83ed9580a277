"""The chaos suite (`make chaos`): faults injected into real processes, with the counts before,
during and after each printed at the end of the run.

It needs PostgreSQL (DATABASE_URL; pytest-django makes the test database, DATABASE_TEST_NAME
names it) and redis-server and nginx on the PATH. Everything else it starts itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from chaos.stack import Stack


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the chaos suite, but {reason}")
    pytest.skip(f"the chaos suite needs {reason}")


@pytest.fixture(scope="session")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection

    if connection.vendor != "postgresql":
        _unavailable("PostgreSQL: set DATABASE_URL (and DATABASE_TEST_NAME)")
    for program in ("redis-server", "nginx"):
        if not any(
            (Path(folder) / program).exists()
            for folder in [*os.environ.get("PATH", "").split(":"), "/usr/sbin"]
        ):
            _unavailable(f"{program} (apt-get install redis-server nginx)")
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    url = urlsplit(os.environ["DATABASE_URL"])
    stack = Stack(
        workdir=tmp_path_factory.mktemp("chaos"),
        database_url=urlunsplit(url._replace(path=f"/{name}", query="")),
    )
    try:
        stack.start()
    except BaseException:
        print(stack.tails())
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture
def world(stack):
    from chaos.world import World

    return World(stack)


@dataclass
class FaultReport:
    fault: str
    bound_s: float
    counts: dict[str, tuple[object, object, object]] = field(default_factory=dict)
    recovered_s: float | None = None
    lost: int | None = None
    duplicated: int | None = None
    notes: list[str] = field(default_factory=list)

    def record(self, before: dict, during: dict, after: dict) -> None:
        for key in after:
            self.counts[key] = (before.get(key, "-"), during.get(key, "-"), after[key])


_REPORTS: list[FaultReport] = []


@pytest.fixture
def report(request, stack):
    fault = FaultReport(fault=request.node.function.__doc__.strip().splitlines()[0], bound_s=0)
    _REPORTS.append(fault)
    yield fault
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(stack.tails())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    result = outcome.get_result()
    setattr(item, f"rep_{result.when}", result)


def pytest_terminal_summary(terminalreporter) -> None:
    if not _REPORTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("chaos: counts before the fault, during it, and after recovery")
    for fault in _REPORTS:
        write("")
        recovered = (
            f"recovered in {fault.recovered_s:.1f} s (bound {fault.bound_s:g} s)"
            if fault.recovered_s is not None
            else "did not finish"
        )
        write(f"## {fault.fault}: {recovered}")
        if fault.counts:
            width = max(len(k) for k in fault.counts)
            write(f"   {'':<{width}}  {'before':>8}  {'during':>8}  {'after':>8}")
            for key, (before, during, after) in fault.counts.items():
                write(f"   {key:<{width}}  {before!s:>8}  {during!s:>8}  {after!s:>8}")
        write(f"   lost: {fault.lost}   duplicated: {fault.duplicated}")
        for note in fault.notes:
            write(f"   {note}")
