# SPDX-License-Identifier: GPL-2.0
"""`harness selftest`: the harness's own tests (scripts/tests/).

Offline by default: KTAP and pvsr-report parsers, xl config, job scripts
(run by /bin/sh with fake xl tools), verdicts and JSON, argument errors.
--e2e adds test_e2e.py: deliberately broken guests that must make a real
run under Xen fail (sixteen QEMU runs, one of which must pass),
test_e2e_remus.py (a 20 s remus window the real guest must pass) and test_e2e_soak.py (two short
scripts/soak runs: one must pass with every count at zero, one with a guest
that loses an IPI must stop at that cycle); each test runs in its own
process, --jobs at a time, a two-host test counting as two. --linux-domu adds
test_e2e_linux.py: save-restore, checkpoint and migrate driven with a Linux
PV domU, evidence about the harness's plumbing only (three more runs; the
pvsr guest runs those scenarios itself in `make check`).
Ends with "N passed, N failed".
"""
import os
import subprocess
import sys
import time
import unittest

from .common import SCRIPTS_DIR

TESTS_DIR = os.path.join(SCRIPTS_DIR, "tests")


class _Result(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def _test_ids(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _test_ids(t)
        else:
            yield t.id()


def _weight(test_id):
    """QEMUs a test runs at once: two for the two-host ones."""
    return 2 if "TwoHost" in test_id else 1


def _run_slow(ids, jobs):
    """Each real-Xen test in its own process, at most `jobs` QEMUs at once
    (this machine has a core per QEMU). Returns (passed, failed)."""
    pending = sorted(ids, key=_weight, reverse=True)
    running = {}  # Popen -> (id, started, log path)
    passed = failed = 0
    logdir = os.path.join(SCRIPTS_DIR, "..", "build", "selftest-logs")
    os.makedirs(logdir, exist_ok=True)

    def busy():
        return sum(_weight(i) for i, _, _ in running.values())

    while pending or running:
        for tid in list(pending):
            if busy() + min(_weight(tid), jobs) <= jobs:
                pending.remove(tid)
                log = os.path.join(logdir, tid + ".log")
                f = open(log, "w")
                env = dict(os.environ, PYTHONPATH=os.pathsep.join(
                    [SCRIPTS_DIR, TESTS_DIR]))
                proc = subprocess.Popen(
                    [sys.executable, "-m", "unittest", "-v", tid],
                    cwd=TESTS_DIR, env=env, stdout=f, stderr=subprocess.STDOUT)
                f.close()
                running[proc] = (tid, time.monotonic(), log)
                print("  started %s" % tid, flush=True)
        time.sleep(2)
        for proc in [p for p in running if p.poll() is not None]:
            tid, started, log = running.pop(proc)
            ok = proc.returncode == 0
            passed += ok
            failed += not ok
            print("  %s %s (%.0f s)" % ("ok  " if ok else "FAIL", tid,
                                       time.monotonic() - started), flush=True)
            if not ok:
                with open(log, errors="replace") as f:
                    print("".join(f.readlines()[-60:]), flush=True)
    return passed, failed


def selftest(args):
    t0 = time.monotonic()
    sys.path.insert(0, TESTS_DIR)
    if args.e2e or args.linux_domu:
        os.environ["PVSR_SELFTEST_CACHE"] = os.path.abspath(args.cache)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    suite.addTests(loader.discover(TESTS_DIR, pattern="test_[!e]*.py",
                                   top_level_dir=TESTS_DIR))
    slow_ids = []
    for wanted, pattern in ((args.e2e, "test_e2e.py"),
                            (args.e2e, "test_e2e_remus.py"),
                            (args.e2e, "test_e2e_soak.py"),
                            (args.linux_domu, "test_e2e_linux.py")):
        if wanted:
            slow_ids += list(_test_ids(loader.discover(
                TESTS_DIR, pattern=pattern, top_level_dir=TESTS_DIR)))
    slow = bool(slow_ids)
    runner = unittest.TextTestRunner(stream=sys.stdout, resultclass=_Result,
                                     verbosity=2 if args.verbose else 1)
    res = runner.run(suite)
    passed = res.passed
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    # A skipped self-test must not read as a pass.
    failed += len(res.skipped)
    if slow:
        print("real Xen tests, %d at a time:" % max(1, args.jobs), flush=True)
        p, f = _run_slow(slow_ids, max(1, args.jobs))
        passed += p
        failed += f
        print("took %.0f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1
