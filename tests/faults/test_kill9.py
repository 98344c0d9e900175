"""kill -9 during ``inbox sync``, against each kind of upstream (a few iterations each; the
≥ 200-iteration run is ``bench/kill9.py``). Real child processes, real servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults import kill9
from tests.faults.targets import TARGETS

pytestmark = pytest.mark.servers

ITERATIONS = int(os.environ.get("INBOX_KILL9_ITERATIONS", "5"))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_killed_syncs_never_duplicate_or_lose_a_reply(name: str, tmp_path: Path) -> None:
    report = kill9.run(TARGETS[name](), ITERATIONS, seed=7, workdir=tmp_path)
    print(report.line())
    assert report.kills >= ITERATIONS // 2, f"too few real kills to mean anything: {report.line()}"
    assert report.ok, "\n".join([report.line(), *report.problems])
    assert report.sent + report.unconfirmed == report.replies
