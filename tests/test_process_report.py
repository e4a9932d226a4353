"""The report's `processes`, the stage per process and the memory budgets, from a Record alone."""

from __future__ import annotations

import json

import jsonschema

from release_check.errors import Interrupted, NotHealthy, ProcessFailed
from release_check.release.budgets import together_over
from release_check.release.diagnose import over_memory
from release_check.reports import MEGABYTE, Memory, ProcessRecord, Record, Shutdown, document
from release_check.reports.stages import stages
from tests.conftest import REPO

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


def _record() -> Record:
    web = ProcessRecord("web", ready_s=0.4, ready_by="check", peak=Memory(30 * MEGABYTE, "pss", 1),
                        max_memory_mb=512.0, shutdown=Shutdown(0.02, 0))
    worker = ProcessRecord("worker", ready_s=1.2, ready_by="line", ready_line="celery@h ready.",
                           peak=Memory(60 * MEGABYTE, "pss", 3), shutdown=Shutdown(0.05, 1),
                           summary="worker ready in 1.20s")
    clock = ProcessRecord("clock", exit_code=1)
    return Record(port=5000, listening_s=0.3, healthy_s=0.4, uptime_s=0.0,
                  processes=[web, worker, clock])


def test_report_has_one_entry_per_type_web_first_and_validates() -> None:
    """`processes` is keyed by type in boot order, and the document matches the schema."""
    error = ProcessFailed("clock", "clock exited with code 1 before it was ready (after 0.20s)")
    report = document(_record(), error)
    jsonschema.validate(report, SCHEMA)
    assert list(report["processes"]) == ["web", "worker", "clock"]
    worker, clock = report["processes"]["worker"], report["processes"]["clock"]
    assert worker == {"passed": True, "failure": None, "ready_s": 1.2, "ready_by": "line",
                      "ready_line": "celery@h ready.", "exit_code": None,
                      "peak_memory_bytes": 60 * MEGABYTE, "memory_kind": "pss",
                      "max_memory_mb": None, "shutdown_s": 0.05, "killed_after_grace": 1,
                      "tail": []}
    assert (clock["passed"], clock["exit_code"]) == (False, 1)
    assert clock["failure"] == "clock exited with code 1 before it was ready (after 0.20s)"
    assert report["processes"]["web"]["passed"] is True


def test_a_web_failure_is_webs_and_leaves_the_others_unjudged_or_passed() -> None:
    """A check failure belongs to web; a process never ready is null, not failed."""
    record = _record()
    record.uptime_s = None
    report = document(record, NotHealthy("GET /health_check -> 500"))
    entries = report["processes"]
    assert (entries["web"]["passed"], entries["web"]["failure"]) == (
        False, "GET /health_check -> 500")
    assert (entries["worker"]["passed"], entries["clock"]["passed"]) == (True, None)


def test_nothing_booted_means_no_entries() -> None:
    """A run that never spawned anything reports an empty `processes`."""
    report = document(Record(), None)
    jsonschema.validate(report, SCHEMA)
    assert report["processes"] == {}


def test_each_process_beside_web_is_a_stage_before_memory_and_shutdown() -> None:
    """JUnit/GitHub stages: one `process: NAME` each; the failing one carries the reason."""
    error = ProcessFailed("clock", "clock exited with code 1 before it was ready (after 0.20s)")
    found = {stage.name: stage for stage in stages(_record(), error)}
    names = list(found)
    assert names.index("process: worker") == names.index("uptime") + 1
    assert names[-2:] == ["memory", "shutdown"]
    assert found["process: worker"].status == "passed"
    assert "celery@h ready." in found["process: worker"].output
    assert (found["process: clock"].status, found["process: clock"].message) == (
        "failed", error.lines()[0])
    assert [s.name for s in found.values() if s.status == "failed"] == ["process: clock"]


def test_an_interrupted_run_is_an_error_for_processes_not_yet_ready() -> None:
    """A signal while a process was still getting ready makes its stage an error."""
    found = {stage.name: stage for stage in stages(_record(), Interrupted(15))}
    assert found["process: clock"].status == "error"
    assert found["process: worker"].status == "passed"


def test_a_type_over_its_own_budget_is_named() -> None:
    """max_memory_mb of a table is compared with that type's peak alone."""
    worker = ProcessRecord("worker", peak=Memory(300 * MEGABYTE, "pss", 2), max_memory_mb=256.0)
    source = "max_memory_mb in [process.worker]"
    message = over_memory(worker.name, worker.peak, worker.max_memory_mb, source)
    assert message is not None
    assert message.startswith("worker peaked at 300.0 MB (PSS) over the 256 MB limit"
                              " (max_memory_mb in [process.worker])")
    assert over_memory("worker", Memory(MEGABYTE, "pss", 1), 256.0, source) is None


def test_the_sum_over_webs_budget_is_said() -> None:
    """Peaks that add up past web's budget are a warning about the release dyno."""
    web = ProcessRecord("web", peak=Memory(300 * MEGABYTE, "pss", 1), max_memory_mb=512.0)
    worker = ProcessRecord("worker", peak=Memory(200 * MEGABYTE, "pss", 1))
    clock = ProcessRecord("clock", peak=Memory(100 * MEGABYTE, "rss", 1))
    message = together_over([web, worker, clock])
    assert message is not None
    assert message.startswith("web, worker and clock peaked at 600.0 MB together, over web's"
                              " budget of 512 MB")
    assert together_over([web, worker]) is None
    assert together_over([ProcessRecord("web", peak=web.peak), worker, clock]) is None
