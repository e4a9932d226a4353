"""The run as a JUnit XML file, the test-result format GitLab, Jenkins, CircleCI and Azure read.

One ``<testsuite name="release-check">`` with one ``<testcase>`` per stage (see stages.py).
Written on every outcome, like the JSON report; it validates against Jenkins' junit-10.xsd.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from release_check.errors import ReleaseCheckError
from release_check.reports.record import Record
from release_check.reports.report import write_text
from release_check.reports.stages import Stage, stages
from release_check.reports.tail import tail_report

SUITE = "release-check"
# XML 1.0 cannot carry most C0 controls, even escaped; an app's output may hold any of them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(record: Record, error: ReleaseCheckError | None) -> bytes:
    """The JUnit document for a run; ``error`` is None on a pass."""
    found = stages(record, error)
    suite = ET.Element("testsuite", _suite_attributes(found, record))
    for stage in found:
        tail = tail_report(record.tail_of(stage.process), relayed=False,
                           whose=stage.process or "the app") if _bad(stage) else []
        suite.append(_testcase(stage, tail))
    root = ET.Element("testsuites", {"name": SUITE})
    root.append(suite)
    if record.then is not None and record.then.junit is not None:
        root.extend(suites_of(record.then.junit))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def suites_of(text: str) -> list[ET.Element]:
    """The ``<testsuite>`` elements of a JUnit document, to merge; ValueError if it is not one.

    A document's root is ``<testsuites>`` (pytest, Playwright, Hurl) or one ``<testsuite>``.
    """
    try:
        root = ET.fromstring(text)  # noqa: S314  (the user's own test runner wrote it)
    except ET.ParseError as error:
        raise ValueError(f"not XML ({error})") from None
    if root.tag == "testsuite":
        return [root]
    if root.tag == "testsuites":
        return [child for child in root if child.tag == "testsuite"]
    raise ValueError(f"its root is <{root.tag}>, not <testsuites> or <testsuite>")


def _suite_attributes(found: Sequence[Stage], record: Record) -> dict[str, str]:
    def count(status: str) -> str:
        return str(sum(stage.status == status for stage in found))

    attributes = {"name": SUITE, "tests": str(len(found)), "failures": count("failed"),
                  "errors": count("error"), "skipped": count("skipped")}
    if record.total_s is not None:
        attributes["time"] = _seconds(record.total_s)
    return attributes


def _bad(stage: Stage) -> bool:
    return stage.status in ("failed", "error")


def _testcase(stage: Stage, tail: Sequence[str]) -> ET.Element:
    case = ET.Element("testcase", {"name": _clean(stage.name), "classname": SUITE})
    if stage.seconds is not None:
        case.set("time", _seconds(stage.seconds))
    if stage.status != "passed":
        tag = {"failed": "failure", "error": "error", "skipped": "skipped"}[stage.status]
        ET.SubElement(case, tag, {"message": _clean(stage.message)}).text = _clean(stage.message)
    output = [stage.output] if stage.output else []
    output += tail
    if output:
        ET.SubElement(case, "system-out").text = _clean("\n".join(output))
    return case


def _seconds(value: float) -> str:
    """Seconds with millisecond precision, the form the schema's SUREFIRE_TIME accepts."""
    return f"{max(value, 0.0):.3f}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def write_junit(path: Path, record: Record, error: ReleaseCheckError | None) -> None:
    """Write the JUnit file atomically; SettingError when it cannot be written."""
    write_text(path, junit_xml(record, error).decode(), "junit")
