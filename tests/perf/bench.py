"""Benchmark release-check against the shell loop people copy from blog posts.

Run from the repository root, with the virtualenv that has release-check installed::

    python tests/perf/bench.py            # full run, about 6 to 8 minutes; writes the doc
    python tests/perf/bench.py --only standalone --runs 10   # the standalone's start-up only
    python tests/perf/bench.py --only smoke --runs 15   # against start-server-and-test (npm)

It needs bash, nc (netcat-openbsd, for ``-z``), curl and gunicorn; the ``standalone`` scenario
needs the builds of scripts/build-standalone (one file and ``--onedir``). Both contenders boot the
same fixture apps (tests/perf/apps/) alternately, run by run, and the apps stamp the moments
the benchmark measures from (listening, first health response served, crash exit) with
``time.time()``, which is comparable across processes. The Markdown table is printed and
written between the markers of docs/performance.md (everything else in that file is kept).
Every process it starts is tagged through its environment and killed at the end of each run,
and on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

PERF = Path(__file__).resolve().parent
REPO = PERF.parent.parent
APPS = PERF / "apps"
BASELINE = PERF / "baseline.sh"
PROBE = PERF / "bench_probe.py"
DOC = REPO / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
STANDALONE_BEGIN = "<!-- bench:standalone:begin -->"
STANDALONE_END = "<!-- bench:standalone:end -->"
SMOKE_BEGIN, SMOKE_END = "<!-- bench:smoke:begin -->", "<!-- bench:smoke:end -->"
SSAT = "start-server-and-test"  # npm's "boot the app, then run my tests"
SSAT_VAR = "BENCH_SSAT"  # its path, when it is not on PATH (a local npm install)

RC, SH, PROBED = "release-check", "shell loop", "release-check (probed)"
RC_DEFAULTS = "release-check (default uptime window)"
INSTALLED, ONEFILE, ONEDIR = "installed command", "one file", "one folder"
STARTUP = (INSTALLED, ONEFILE, ONEDIR)  # the standalone scenario's contenders, in table order
BUILDS = {  # what scripts/build-standalone writes, and the option that builds it
    ONEFILE: (REPO / "dist" / "release-check", ""),
    ONEDIR: (REPO / "dist" / "release-check-onedir" / "release-check", " --onedir"),
}
TAG_VAR = "BENCH_TAG"  # inherited by every process a run starts, to find and kill leftovers
STAMPS = ("start", "listen", "served", "exit")
SAMPLE_EVERY = 0.02  # /proc sampling period for CPU and peak RSS
RUN_LIMIT = 90.0  # a contender still running after this is killed: the benchmark never hangs
GONE_LIMIT = 5.0  # how long the app may take to vanish after the contender exited
WORKERS = 8  # gunicorn workers in the teardown scenario
GRACE = 2.0  # release-check's shutdown grace for the SIGTERM-ignoring app, to keep runs short
CLK_TCK = os.sysconf("SC_CLK_TCK")
STEADY_AFTER = 2.0  # row 4b starts here: the background import is over well before


# --- prerequisites -----------------------------------------------------------------------


def console_script() -> Path:
    """The ``release-check`` command pip installed beside this interpreter."""
    return Path(sys.executable).parent / "release-check"


def gunicorn_path() -> str | None:
    """Find gunicorn beside this interpreter (the virtualenv's), else on PATH."""
    beside = Path(sys.executable).parent / "gunicorn"
    return str(beside) if beside.exists() else shutil.which("gunicorn")


def missing_tools(chosen: set[str]) -> list[str]:
    """What the chosen scenarios need and cannot find, each with how to get it."""
    missing = missing_standalone() if "standalone" in chosen else []
    if "smoke" in chosen and ssat_path() is None:
        missing.append(f"{SSAT} (npm install {SSAT}, then put it on PATH or set {SSAT_VAR})")
    if chosen & set(MAIN_SCENARIOS):
        missing += missing_for_main()
    return missing


def ssat_path() -> str | None:
    """start-server-and-test: $BENCH_SSAT, else on PATH."""
    return os.environ.get(SSAT_VAR) or shutil.which(SSAT)


def missing_standalone() -> list[str]:
    """The installed command and both standalone builds."""
    missing = [f"{path} (scripts/build-standalone{option})" for path, option in BUILDS.values()
               if not path.exists()]
    if not console_script().exists():
        missing.append(f"{console_script()} (pip install -e . in this interpreter)")
    return missing


def missing_for_main() -> list[str]:
    """The shell loop's tools, gunicorn, and release_check in this interpreter."""
    needed = {"bash": "apt-get install -y bash", "nc": "apt-get install -y netcat-openbsd",
              "curl": "apt-get install -y curl"}
    missing = [f"{tool} ({how})" for tool, how in needed.items() if shutil.which(tool) is None]
    if gunicorn_path() is None:
        missing.append("gunicorn (pip install -e '.[test]')")
    with contextlib.suppress(ImportError):
        import release_check  # noqa: F401, PLC0415  (only checks it is installed)

        return missing
    return [*missing, "release_check (pip install -e . in this interpreter)"]


# --- one run of one contender ------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """The contender's own state at one moment, read from /proc."""

    at: float
    cpu: float  # utime + stime + cutime + cstime, seconds: itself plus children it reaped
    hwm_kb: int  # VmHWM: peak resident set of this process alone, children excluded


def read_sample(pid: int) -> Sample | None:
    """Read /proc/PID/stat and /proc/PID/status, or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # fields[0] is field 3 (state) of proc(5)
    ticks = sum(int(value) for value in fields[11:15])  # fields 14..17
    hwm = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
    return Sample(time.time(), ticks / CLK_TCK, hwm[0] if hwm else 0)  # a zombie has no VmHWM


class Sampler(threading.Thread):
    """Samples a process every SAMPLE_EVERY seconds until told to stop."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[Sample] = []
        self._done = threading.Event()

    def run(self) -> None:
        """Sample until stop()."""
        while not self._done.is_set():
            sample = read_sample(self.pid)
            if sample is not None:
                self.samples.append(sample)
            self._done.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._done.set()
        self.join()


@dataclass(frozen=True)
class Scenario:
    """An app command, and settings both contenders get."""

    command: str
    grace: float = 10.0
    expect: int = 0  # the verdict both contenders must reach; other runs are not timed
    args: tuple[str, ...] = ("-q",)  # release-check's command line (the shell loop has none)


@dataclass
class Run:
    """What one contender did in one run; times are time.time() values."""

    contender: str
    launched: float
    exited: float
    ok: bool  # reached the expected verdict; a run that did not is reported, not timed
    stamps: dict[str, float]
    samples: list[Sample]
    left_at_exit: int = 0
    gone: float | None = None  # when the last app process was gone; None if it had to be killed
    probe: dict[str, float] = field(default_factory=dict)

    def since(self, start: str, end: str) -> float | None:
        """Seconds between two named moments (a stamp, "launched", "exited" or "gone")."""
        moments = {**self.stamps, "launched": self.launched, "exited": self.exited}
        if self.gone is not None:
            moments["gone"] = self.gone
        if start not in moments or end not in moments:
            return None
        return moments[end] - moments[start]

    def peak_rss_mb(self) -> float:
        """The contender's own peak RSS, in MB."""
        return max((s.hwm_kb for s in self.samples), default=0) / 1024

    def cpu_between(self, start: str, end: str, skip: float = 0.0) -> float | None:
        """CPU seconds used between two stamps (the first ``skip`` s left out), per 10 s."""
        if start not in self.stamps or end not in self.stamps:
            return None
        begin = self.stamps[start] + skip
        inside = [s for s in self.samples if begin <= s.at <= self.stamps[end]]
        if len(inside) < 2 or inside[-1].at <= inside[0].at:
            return None
        return (inside[-1].cpu - inside[0].cpu) / (inside[-1].at - inside[0].at) * 10


class Bench:
    """Launches contenders and guarantees that nothing they start outlives the benchmark."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tag = uuid.uuid4().hex
        self.live: set[int] = set()

    def tagged(self) -> list[psutil.Process]:
        """Live (non-zombie) processes carrying this benchmark's tag."""
        found = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if proc.environ().get(TAG_VAR) == self.tag and (
                    proc.status() != psutil.STATUS_ZOMBIE
                ):
                    found.append(proc)
        return found

    def kill_everything(self) -> None:
        """SIGKILL every contender's process group and every tagged process, then wait."""
        for pid in self.live:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        procs = self.tagged()
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(procs, timeout=5)

    def environment(self, contender: str, port: int, scenario: Scenario, work: Path) -> dict[
        str, str
    ]:
        """The contender's environment: ours minus any RELEASE_CHECK_*, plus the run's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RELEASE_CHECK_", "BENCH"))}
        env |= {f"BENCH_{name.upper()}_STAMP": str(work / name) for name in STAMPS}
        env |= {TAG_VAR: self.tag, "BENCH_PROBE_OUT": str(work / "probe.json"),
                "BENCH_READY_DIR": str(work / "ready"), "BENCH_WORKERS": str(WORKERS)}
        if contender == SSAT:
            env["PORT"] = str(port)  # the app reads it, as under any Procfile runner
        elif contender != SH:
            env |= {
                "RELEASE_CHECK_WEB_COMMAND": scenario.command,
                "RELEASE_CHECK_PORT": str(port),
                "RELEASE_CHECK_SHUTDOWN_GRACE": str(scenario.grace),
            }
        if contender in (RC, PROBED, *STARTUP):
            # The shell loop has no uptime window: turn it off so both do the same job.
            env["RELEASE_CHECK_UPTIME"] = "0"
        return env

    def run(self, contender: str, scenario: Scenario) -> Run:
        """Run one contender to its exit, then make sure the app is gone."""
        work = Path(tempfile.mkdtemp(prefix="run-", dir=self.root))
        port = free_port()
        env = self.environment(contender, port, scenario, work)
        with (work / "output").open("wb") as output:
            launched = time.time()
            proc = subprocess.Popen(
                contender_argv(contender, port, scenario), env=env, cwd=work,
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.live.add(proc.pid)
        code, exited, samples = self.wait(proc)
        self.live.discard(proc.pid)
        run = Run(contender, launched, exited, code == scenario.expect, read_stamps(work), samples)
        if not run.ok:
            print(f"bench: {contender} exited {code}, expected {scenario.expect}; output:\n"
                  f"{(work / 'output').read_text(errors='replace')[-2000:]}", file=sys.stderr)
        self.settle(run)
        if contender == PROBED:
            run.probe = json.loads((work / "probe.json").read_text())
        return run

    def wait(self, proc: subprocess.Popen[bytes]) -> tuple[int, float, list[Sample]]:
        """Block in wait4 (so the exit time is exact) while a thread samples /proc."""
        sampler = Sampler(proc.pid)
        sampler.start()
        watchdog = threading.Timer(RUN_LIMIT, os.killpg, (proc.pid, signal.SIGKILL))
        watchdog.start()
        try:
            _, status, _ = os.wait4(proc.pid, 0)
            exited = time.time()
        finally:
            watchdog.cancel()
            sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        return proc.returncode, exited, sampler.samples

    def settle(self, run: Run) -> None:
        """Count app processes still running at the contender's exit; wait for them to go.

        release-check must leave none; the shell loop only sends SIGTERM and walks away, so
        its app may still be stopping (gunicorn) or never stop (SIGTERM ignored).
        """
        procs = self.tagged()
        run.left_at_exit = len(procs)
        run.gone = run.exited if not procs else wait_gone(procs, GONE_LIMIT)
        self.kill_everything()


def contender_argv(contender: str, port: int, scenario: Scenario) -> list[str]:
    """The command line of a contender; release-check gets the app command from RELEASE_CHECK_*."""
    if contender == SH:
        return ["bash", str(BASELINE), str(port), scenario.command]
    if contender == SSAT:
        return [ssat_path() or SSAT, scenario.command,
                f"http-get://127.0.0.1:{port}/health_check", "true"]
    if contender in BUILDS:
        return [str(BUILDS[contender][0]), *scenario.args]
    if contender == INSTALLED:
        return [str(console_script()), *scenario.args]
    entry = [str(PROBE)] if contender == PROBED else ["-m", "release_check"]
    return [sys.executable, *entry, *scenario.args]


def free_port() -> int:
    """A port nothing listens on now; each run gets its own, so runs cannot interfere."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_stamps(work: Path) -> dict[str, float]:
    """The moments the app recorded in this run."""
    found = {}
    for name in STAMPS:
        with contextlib.suppress(OSError, ValueError):
            found[name] = float((work / name).read_text())
    return found


def wait_gone(procs: list[psutil.Process], limit: float) -> float | None:
    """Poll every 5 ms until every process exited (or is a zombie); None after ``limit``."""
    deadline = time.time() + limit
    while time.time() < deadline:
        if not any(running(p) for p in procs):
            return time.time()
        time.sleep(0.005)
    return None


def running(proc: psutil.Process) -> bool:
    """Whether a process still runs code: alive and not a zombie."""
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# --- scenarios ---------------------------------------------------------------------------


def app_command(mode: str, delay: float) -> str:
    """The fixture app; ``-S`` skips site so the app's own start-up stays a few milliseconds."""
    return shlex.join([sys.executable, "-S", str(APPS / "bench_app.py"), mode, f"{delay:.3f}"])


def gunicorn_command() -> str:
    """A real gunicorn with 8 sync workers; $PORT is left for the shell, as in a Procfile."""
    argv = [gunicorn_path() or "gunicorn", "--workers", str(WORKERS), "--chdir", str(APPS),
            "--config", str(APPS / "bench_gunicorn_conf.py")]
    return shlex.join(argv) + " --bind 0.0.0.0:$PORT bench_wsgi:app"


Runs = dict[str, list[Run]]


def alternate(bench: Bench, contenders: Sequence[str], scenarios: Iterator[Scenario],
              count: int, label: str) -> Runs:
    """Run the contenders in turn (A B A B ...) ``count`` times, each pair on one scenario."""
    runs: Runs = {name: [] for name in contenders}
    for index in range(count):
        scenario = next(scenarios)
        for name in contenders:
            runs[name].append(bench.run(name, scenario))
        print(f"  {label}: {index + 1}/{count}", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return runs


def jittered(mode: str, seed: int) -> Iterator[Scenario]:
    """Boot delays uniform in 0.5..1.5 s (1 s on average), the same for A and B of a pair.

    A fixed 1.000 s would phase-lock the app to the shell loop's 1 s sleeps, making its
    latency depend on whether bash + nc start faster than the app, not on the method.
    """
    rng = random.Random(seed)  # noqa: S311  (a reproducible benchmark, not cryptography)
    while True:
        yield Scenario(app_command(mode, rng.uniform(0.5, 1.5)), expect=int(mode == "crash"))


def repeat(scenario: Scenario) -> Iterator[Scenario]:
    """The same scenario forever."""
    while True:
        yield scenario


# --- statistics and the table ------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One row: the values of both contenders, how to show them, and the target."""

    name: str
    ours: list[float]
    theirs: list[float]
    unit: str  # "ms", "MB" or "s"
    target: float | None = None
    note: str = ""
    peak: bool = False  # summarise by the maximum (memory) instead of median and p90


def p90(values: Sequence[float]) -> float:
    """The nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def scaled(value: float, unit: str) -> str:
    """A value in its unit: seconds shown as ms, CPU seconds and MB as they are."""
    if unit == "ms":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    return f"{value:.3f} s" if unit == "s" else f"{value:.1f} MB"


def summary(values: Sequence[float], metric: Metric) -> str:
    """Median (p90), or median (max) for a peak; n/a without values."""
    if not values:
        return "n/a"
    middle = scaled(statistics.median(values), metric.unit)
    spread = max(values) if metric.peak else p90(values)
    return f"{middle} ({'max' if metric.peak else 'p90'} {scaled(spread, metric.unit)})"


def headline(values: Sequence[float], metric: Metric) -> float:
    """The figure compared with the target: the maximum for a peak, else the median."""
    return max(values) if metric.peak else statistics.median(values)


def row(metric: Metric) -> str:
    """The Markdown row of a metric."""
    ours, theirs = metric.ours, metric.theirs
    ratio = "n/a"
    if ours and theirs and headline(ours, metric) > 0:
        ratio = f"{headline(theirs, metric) / headline(ours, metric):.1f}x"
    target, verdict = "-", "-"
    if metric.target is not None and ours:
        target = f"< {scaled(metric.target, metric.unit)}"
        verdict = "hit" if headline(ours, metric) < metric.target else "**MISS**"
    cells = [metric.name, summary(ours, metric), summary(theirs, metric), ratio, target, verdict,
             metric.note]
    return "| " + " | ".join(cells) + " |"


TABLE_HEAD = (
    "| metric | release-check | shell loop | shell / release-check | target | met | notes |\n"
    "|---|---|---|---|---|---|---|"
)


def values(runs: list[Run], read: Callable[[Run], float | None]) -> list[float]:
    """The defined values of one measurement across the runs that reached the right verdict."""
    return [v for v in map(read, [r for r in runs if r.ok]) if v is not None]


def failures(runs: Runs) -> str:
    """A note on runs that did not reach the expected verdict, if any."""
    wrong = {name: sum(not r.ok for r in group) for name, group in runs.items()}
    listed = ", ".join(f"{name} {count}" for name, count in wrong.items() if count)
    return f"; wrong verdicts, not timed: {listed}" if listed else ""


def left_running(runs: list[Run]) -> str:
    """How often the contender exited while app processes still ran."""
    leaky = [r.left_at_exit for r in runs if r.left_at_exit]
    if not leaky:
        return "none left running"
    return f"left {max(leaky)} running at exit in {len(leaky)}/{len(runs)} runs"


# --- the measurements --------------------------------------------------------------------


@dataclass
class Results:
    """Metrics in table order, the probe's runs, and every run by contender for memory."""

    metrics: list[Metric] = field(default_factory=list)
    probed: list[Run] = field(default_factory=list)
    all_runs: Runs = field(default_factory=lambda: {RC: [], SH: []})

    def add(self, runs: Runs) -> None:
        """Keep the runs of both plain contenders for the memory row."""
        for name in (RC, SH):
            self.all_runs[name] += runs.get(name, [])


def measure_detection(bench: Bench, count: int, seed: int, results: Results) -> None:
    """1. From the app's listen() to the contender's verdict, for a ~1 s boot."""
    runs = alternate(bench, [RC, SH, RC_DEFAULTS], jittered("serve", seed), count, "detection")
    results.add(runs)
    rc, sh = runs[RC], runs[SH]
    results.metrics += [
        Metric("1. detection: listening -> verdict (exit)", values(rc, exit_after("listen")),
               values(sh, exit_after("listen")), "ms", 0.020,
               f"boot 0.5..1.5 s; n={count} each{failures(runs)}"),
        Metric("1a. of which listening -> health request served",
               values(rc, between("listen", "served")), values(sh, between("listen", "served")),
               "ms", note="readiness poll, ownership check, GET"),
        Metric("1b. detection with the default 1 s uptime window",
               values(runs[RC_DEFAULTS], exit_after("listen")), values(sh, exit_after("listen")),
               "ms", 0.020, "release-check as installed: the window is a deliberate wait"),
    ]


def measure_crash(bench: Bench, count: int, seed: int, results: Results) -> None:
    """2. From the app's exit (before binding) to the contender's exit."""
    runs = alternate(bench, [RC, SH], jittered("crash", seed), count, "crash")
    results.add(runs)
    results.metrics.append(
        Metric("2. crash: app exit -> checker exit", values(runs[RC], exit_after("exit")),
               values(runs[SH], exit_after("exit")), "ms", 0.050,
               f"crash after 0.5..1.5 s; n={count} each{failures(runs)}"))


def measure_overhead(bench: Bench, count: int, results: Results) -> None:
    """3. Whole-process wall time against an app that listens at once, plus the probe."""
    runs = alternate(bench, [RC, SH, PROBED], repeat(Scenario(app_command("serve", 0))), count,
                     "overhead")
    results.add(runs)
    results.probed = runs[PROBED]
    results.metrics.append(
        Metric("3. fixed overhead: launch -> exit, app ready at once",
               values(runs[RC], between("launched", "exited")),
               values(runs[SH], between("launched", "exited")), "ms", 0.150,
               f"includes the app's own boot (see breakdown); n={count} each{failures(runs)}"))


def measure_idle(bench: Bench, count: int, results: Results) -> None:
    """4. The checker's own CPU while the app takes 10 s to boot."""
    runs = alternate(bench, [RC, SH], repeat(Scenario(app_command("serve", 10))), count, "idle")
    results.add(runs)
    results.metrics += [
        Metric("4. idle CPU per 10 s of waiting", values(runs[RC], idle_cpu),
               values(runs[SH], idle_cpu), "s", 0.05,
               f"own + reaped children, app start -> listen; n={count} each{failures(runs)}"),
        Metric("4a. CPU of the whole run (10 s boot)", values(runs[RC], total_cpu),
               values(runs[SH], total_cpu), "s", note="last /proc sample before exit"),
        Metric(f"4b. steady idle CPU per 10 s: from {STEADY_AFTER:g} s after app start",
               values(runs[RC], steady_cpu), values(runs[SH], steady_cpu), "s",
               note="the one-off background import of httpx and tenacity left out"),
    ]


def measure_teardown(bench: Bench, count: int, results: Results) -> None:
    """6. Stopping a real gunicorn with 8 workers, and an app that ignores SIGTERM."""
    gunicorn = alternate(bench, [RC, SH], repeat(Scenario(gunicorn_command())), count, "gunicorn")
    deaf = alternate(bench, [RC, SH], repeat(Scenario(app_command("ignore-term", 0), GRACE)),
                     count, "sigterm-ignored")
    results.metrics += [
        Metric("6a. gunicorn -w 8: served -> checker exit",
               values(gunicorn[RC], exit_after("served")),
               values(gunicorn[SH], exit_after("served")), "ms",
               note=f"n={count} each; shell loop {left_running(gunicorn[SH])}{failures(gunicorn)}"),
        Metric("6a'. gunicorn -w 8: served -> last app process gone",
               values(gunicorn[RC], between("served", "gone")),
               values(gunicorn[SH], between("served", "gone")), "ms",
               note=f"release-check {left_running(gunicorn[RC])}"),
        Metric(f"6b. SIGTERM ignored: served -> checker exit (grace {GRACE:g} s)",
               values(deaf[RC], exit_after("served")), values(deaf[SH], exit_after("served")),
               "ms", GRACE + 0.1,
               f"n={count} each{failures(deaf)}; shell loop {left_running(deaf[SH])}"
               f" ({sum(r.gone is None for r in deaf[SH])} never stopped: killed by the bench)"),
    ]


def measure_memory(results: Results) -> None:
    """5. Peak RSS of the checker process itself, over every run above."""
    results.metrics.append(
        Metric("5. peak RSS of the checker process", values(results.all_runs[RC], peak_rss),
               values(results.all_runs[SH], peak_rss), "MB", 40.0,
               "VmHWM of the checker alone, all runs above", peak=True))


def exit_after(stamp: str) -> Callable[[Run], float | None]:
    """Seconds from an app stamp to the contender's exit."""
    return between(stamp, "exited")


def between(start: str, end: str) -> Callable[[Run], float | None]:
    """Seconds between two moments of a run."""
    return lambda run: run.since(start, end)


def idle_cpu(run: Run) -> float | None:
    """CPU seconds per 10 s between the app's start and its listen()."""
    return run.cpu_between("start", "listen")


def steady_cpu(run: Run) -> float | None:
    """As idle_cpu, from STEADY_AFTER seconds after the app's start: the polling alone."""
    return run.cpu_between("start", "listen", STEADY_AFTER)


def total_cpu(run: Run) -> float | None:
    """CPU seconds of the whole run, as last sampled."""
    return run.samples[-1].cpu if run.samples else None


def peak_rss(run: Run) -> float | None:
    """Peak RSS in MB, or None if never sampled."""
    return run.peak_rss_mb() or None


# --- a smoke command after the check, against start-server-and-test -----------------------


def measure_smoke(bench: Bench, count: int) -> Metric:
    """7. A passing check that then runs ``true``, launch -> exit, beside start-server-and-test."""
    scenario = Scenario(app_command("serve", 0), args=("-q", "--", "true"))
    alternate(bench, [RC, SSAT], repeat(scenario), 1, "smoke warm-up")
    runs = alternate(bench, [RC, SSAT], repeat(scenario), count, "smoke")
    ours = values(runs[RC], between("launched", "exited"))
    theirs = values(runs[SSAT], between("launched", "exited"))
    less = bool(ours and theirs) and statistics.median(ours) < statistics.median(theirs)
    return Metric(
        "7. passing check, then `true`: launch -> exit", ours, theirs, "ms",
        note=f"app ready at once; {SSAT} {ssat_version()} with its defaults (wait-on polling"
             f" http-get://.../health_check), `true` as its test command; release-check adds"
             f" {'less' if less else '**more**'}; n={count} each;"
             f" {SSAT} {left_running(runs[SSAT])}; release-check {left_running(runs[RC])}"
             f"{failures(runs)}")


def ssat_version() -> str:
    """start-server-and-test's version, from the package.json beside its command."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        script = Path(os.path.realpath(ssat_path() or ""))
        for folder in script.parents:
            if (folder / "package.json").exists():
                version: str = json.loads((folder / "package.json").read_text())["version"]
                return version
    return "?"


SMOKE_HEAD = (
    f"| metric | release-check | {SSAT} | {SSAT} / release-check | target | met | notes |\n"
    "|---|---|---|---|---|---|---|"
)


def smoke_section(metric: Metric, facts: list[str], args: argparse.Namespace) -> str:
    """The generated smoke part of docs/performance.md."""
    return "\n".join([
        f"Generated by `python tests/perf/bench.py --only smoke` (runs={args.runs}).", "",
        *facts, "", SMOKE_HEAD, row(metric), "",
    ])


# --- the standalone's start-up -----------------------------------------------------------


@dataclass(frozen=True)
class StartupRow:
    """One row of the standalone table: launch -> exit of each contender on one scenario."""

    name: str
    runs: Runs
    note: str


def measure_startup(bench: Bench, count: int) -> list[StartupRow]:
    """The installed command against both standalone builds: --version, and a passing check."""
    ready = Scenario(app_command("serve", 0))
    alternate(bench, list(STARTUP), repeat(ready), 1, "standalone warm-up")
    version = alternate(bench, list(STARTUP), repeat(Scenario("", args=("--version",))), count,
                        "--version")
    check = alternate(bench, list(STARTUP), repeat(ready), count, "standalone check")
    return [
        StartupRow("--version: launch -> exit", version,
                   f"start-up and exit only; n={count} each{failures(version)}"),
        StartupRow("passing check, app ready at once: launch -> exit", check,
                   f"as row 3, with the app's own boot; n={count} each{failures(check)}"),
    ]


def versus(times: list[float], base: list[float]) -> str:
    """A contender's median against the installed command's: ratio and difference."""
    if not times or not base:
        return "n/a"
    mine, theirs = statistics.median(times), statistics.median(base)
    return f"{mine / theirs:.2f}x ({(mine - theirs) * 1000:+.0f} ms)"


def startup_row(row: StartupRow) -> str:
    """The Markdown row: median (p90) per contender, then each build against the installed one."""
    unit = Metric(row.name, [], [], "ms")
    times = {name: values(row.runs[name], between("launched", "exited")) for name in STARTUP}
    cells = [row.name, *(summary(times[name], unit) for name in STARTUP),
             *(versus(times[name], times[INSTALLED]) for name in BUILDS), row.note]
    return "| " + " | ".join(cells) + " |"


STARTUP_HEAD = (
    "| metric | installed command | one file | one folder | one file / installed"
    " | one folder / installed | notes |\n|---|---|---|---|---|---|---|"
)


def build_facts() -> list[str]:
    """Size and build time of each standalone build, as Markdown list items."""
    facts = [f"- installed command: {console_script()}"]
    for name, (path, _) in BUILDS.items():
        folder = path.parent if name == ONEDIR else path
        files = [f for f in folder.rglob("*") if f.is_file()] if name == ONEDIR else [path]
        size = sum(f.stat().st_size for f in files) / 2**20
        built = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
        facts.append(f"- {name}: {path.relative_to(REPO)}, {size:.1f} MiB in {len(files)}"
                     f" file{'s' * (len(files) != 1)}, built {built:%Y-%m-%d %H:%M} UTC")
    return facts


def startup_section(rows: list[StartupRow], facts: list[str], args: argparse.Namespace) -> str:
    """The generated standalone part of docs/performance.md."""
    return "\n".join([
        f"Generated by `python tests/perf/bench.py --only standalone` (runs={args.runs}).", "",
        *facts, *build_facts(), "", STARTUP_HEAD, *map(startup_row, rows), "",
    ])


# --- the breakdown of fixed overhead -----------------------------------------------------

MILESTONES = {  # the end of each segment -> its name; segments are consecutive in time
    "started": "interpreter start (to the first line of the script)",
    "imported": "imports (cli, runner, signals: httpx, psutil, tenacity)",
    "client.begin": "settings, free-port check",
    "client.end": "httpx.Client()",
    "spawn.begin": "(between client and spawn)",
    "spawn.end": "spawn: watchdog, subreaper, Popen(bash -c), threads",
    "listen": "the app's own boot: not the checker's cost",
    "wait.end": "noticing that it listens",
    "confirm.end": "ownership check (psutil walk + net_connections)",
    "check.end": "first response (GET with httpx)",
    "uptime.end": "uptime window (off in these runs)",
    "unwatch.end": "stopping the tree watcher (joins it, one last walk)",
    "teardown.end": "teardown (stop_tree)",
    "drain.end": "draining the app's output (pump join)",
    "exited": "verdict line and interpreter exit",
}


def segments(run: Run) -> dict[str, float]:
    """Seconds per named segment of one probed run; missing milestones merge into the next."""
    moments = {**run.probe, "launched": run.launched, "exited": run.exited}
    if "listen" in run.stamps:
        moments["listen"] = run.stamps["listen"]
    ordered = sorted((t, name) for name, t in moments.items()
                     if name in MILESTONES or name == "launched")
    return {MILESTONES[name]: t - prev for (prev, _), (t, name) in itertools.pairwise(ordered)}


def breakdown(probed: list[Run]) -> str:
    """The Markdown table of the median segment times over the probed runs."""
    per_run = [segments(run) for run in probed]
    lines = ["| segment (release-check, probed in-process) | median | p90 |", "|---|---|---|"]
    for name in MILESTONES.values():
        seen = [seg[name] for seg in per_run if name in seg]
        if seen:
            lines.append(f"| {name} | {statistics.median(seen) * 1000:.1f} ms |"
                         f" {p90(seen) * 1000:.1f} ms |")
    totals = [run.exited - run.launched for run in probed]
    if totals:
        lines.append(f"| **total (probed)** | {statistics.median(totals) * 1000:.1f} ms |"
                     f" {p90(totals) * 1000:.1f} ms |")
    return "\n".join(lines)


# --- the machine and the document --------------------------------------------------------


def command_output(argv: Sequence[str]) -> str:
    """First line of a command's output, or "?" if it cannot run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "?"


def package_versions() -> str:
    """Versions of the packages on the measured path."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    found = []
    for name in ("httpx", "psutil", "tenacity", "gunicorn"):
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{name} {version(name)}")
    return ", ".join(found)


def code_state() -> str:
    """The commit measured, and whether release_check/ had uncommitted changes."""
    commit = command_output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    changed = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "release_check"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    return f"commit {commit}" + (", plus uncommitted changes in release_check/" if changed else "")


def machine(load_before: tuple[float, ...], code: str) -> list[str]:
    """The facts that make the numbers comparable, as Markdown list items."""
    load_after = os.getloadavg()
    return [
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- cores: {os.cpu_count()} ({cpu_model()}), kernel {platform.release()},"
        f" {psutil.virtual_memory().total / 2**30:.1f} GiB RAM",
        f"- Python {platform.python_version()} ({sys.executable}); {package_versions()}",
        f"- baseline tools: {command_output(['bash', '--version'])};"
        f" {command_output(['curl', '--version'])}",
        f"- code measured: {code} (when the benchmark started)",
        f"- load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}",
    ]


def section(results: Results, facts: list[str], args: argparse.Namespace) -> str:
    """The generated part of docs/performance.md."""
    return "\n".join([
        f"Generated by `python tests/perf/bench.py` (runs={args.runs}, idle-runs="
        f"{args.idle_runs}, seed={args.seed}).", "", *facts, "", TABLE_HEAD,
        *map(row, results.metrics), "", "Fixed overhead, broken down (app ready at once):", "",
        breakdown(results.probed), "",
    ])


def write_doc(path: Path, generated: str, markers: tuple[str, str] = (BEGIN, END)) -> None:
    """Replace what lies between the markers; add them at the end if the file has none."""
    begin, end = markers
    block = f"{begin}\n{generated}\n{end}"
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = f"# Performance\n\n{block}\n" if not text else f"{text.rstrip()}\n\n{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# --- entry point -------------------------------------------------------------------------

MAIN_SCENARIOS = ("detection", "crash", "overhead", "idle", "teardown")  # the main table's
SCENARIOS = (*MAIN_SCENARIOS, "standalone", "smoke")  # own tables, between own markers


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="runs per contender (default 15)")
    parser.add_argument("--idle-runs", type=int, default=3,
                        help="runs per contender of the 10 s idle scenario (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the boot-delay jitter")
    parser.add_argument("--only", action="append", choices=SCENARIOS,
                        help="run only this scenario (repeatable)")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    return parser.parse_args(argv)


def measure(bench: Bench, args: argparse.Namespace, chosen: set[str]) -> Results:
    """Warm up, then every chosen scenario of the main table in table order."""
    results = Results()
    alternate(bench, [RC, SH], repeat(Scenario(app_command("serve", 0))), 1, "warm-up")
    if "detection" in chosen:
        measure_detection(bench, args.runs, args.seed, results)
    if "crash" in chosen:
        measure_crash(bench, args.runs, args.seed, results)
    if "overhead" in chosen:
        measure_overhead(bench, args.runs, results)
    if "idle" in chosen:
        measure_idle(bench, args.idle_runs, results)
    measure_memory(results)
    if "teardown" in chosen:
        measure_teardown(bench, args.runs, results)
    return results


def interrupt(signum: int, _frame: object) -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every ``finally`` cleans up."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


Blocks = list[tuple[str, tuple[str, str]]]  # generated Markdown, and the markers it goes between


def measure_chosen(bench: Bench, args: argparse.Namespace, chosen: set[str], code: str
                   ) -> Blocks:
    """Run the chosen scenarios; the main table and the standalone table, as chosen."""
    load_before = os.getloadavg()
    results = measure(bench, args, chosen) if chosen & set(MAIN_SCENARIOS) else None
    startup = measure_startup(bench, args.runs) if "standalone" in chosen else None
    smoke = measure_smoke(bench, args.runs) if "smoke" in chosen else None
    facts = machine(load_before, code)
    blocks: Blocks = []
    if results is not None:
        blocks.append((section(results, facts, args), (BEGIN, END)))
    if startup is not None:
        blocks.append((startup_section(startup, facts, args), (STANDALONE_BEGIN, STANDALONE_END)))
    if smoke is not None:
        blocks.append((smoke_section(smoke, facts, args), (SMOKE_BEGIN, SMOKE_END)))
    return blocks


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the Markdown, update the doc; 2 if a tool is missing, 130 if stopped."""
    args = parse_args(argv)
    chosen = set(args.only or SCENARIOS)
    missing = missing_tools(chosen)
    if missing:
        print("bench: missing: " + "; ".join(missing), file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    code = code_state()
    with tempfile.TemporaryDirectory(prefix="rc-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            blocks = measure_chosen(bench, args, chosen, code)
        except KeyboardInterrupt:
            print("bench: interrupted; every process it started was stopped", file=sys.stderr)
            return 130
        finally:
            bench.kill_everything()
    for generated, markers in blocks:
        print(generated)
        if not args.no_write:
            write_doc(args.doc, generated, markers)
            print(f"bench: wrote {args.doc} ({markers[0]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
