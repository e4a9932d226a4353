"""Which process type each descendant of the runner belongs to (pure logic, no process)."""

from __future__ import annotations

from release_check.supervise.family import owners

RUNNER = 1
ROOTS = {10: "web", 20: "worker"}


def test_descendants_belong_to_the_root_among_their_ancestors() -> None:
    """Children and grandchildren follow their root, however deep."""
    parents = {10: RUNNER, 11: 10, 12: 11, 20: RUNNER, 21: 20}
    found = owners(parents, {}, ROOTS, "web")
    assert found == {10: "web", 11: "web", 12: "web", 20: "worker", 21: "worker"}


def test_orphans_adopted_by_the_runner_follow_their_session() -> None:
    """An orphan re-parented to the runner belongs to the type whose session it is in."""
    parents = {10: RUNNER, 20: RUNNER, 30: RUNNER, 31: 30}
    found = owners(parents, {30: 20, 31: 20}, ROOTS, "web")
    assert (found[30], found[31]) == ("worker", "worker")


def test_a_daemon_that_left_its_session_counts_as_web() -> None:
    """An orphan in a session of its own (setsid + double fork) is counted as web's, as before."""
    found = owners({10: RUNNER, 20: RUNNER, 40: RUNNER}, {40: 40}, ROOTS, "web")
    assert found[40] == "web"
