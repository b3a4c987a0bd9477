# SPDX-License-Identifier: GPL-2.0
"""`harness selftest`: the harness's own tests (scripts/tests/).

Offline by default: KTAP and pvsr-report parsers, xl config, job scripts
(run by /bin/sh with fake xl tools), verdicts and JSON, argument errors.
--e2e adds test_e2e.py: deliberately broken guests that must make a real
run under Xen fail (seven QEMU runs, about 6 minutes). --linux-domu adds
test_e2e_linux.py: save-restore, checkpoint and migrate driven with a Linux
PV domU, evidence about the harness's plumbing only (three more runs; the
pvsr guest runs those scenarios itself in `make check`).
Ends with "N passed, N failed".
"""
import os
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


def selftest(args):
    t0 = time.monotonic()
    sys.path.insert(0, TESTS_DIR)
    if args.e2e or args.linux_domu:
        os.environ["PVSR_SELFTEST_CACHE"] = os.path.abspath(args.cache)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    suite.addTests(loader.discover(TESTS_DIR, pattern="test_[!e]*.py",
                                   top_level_dir=TESTS_DIR))
    for wanted, pattern in ((args.e2e, "test_e2e.py"),
                            (args.linux_domu, "test_e2e_linux.py")):
        if wanted:
            suite.addTests(loader.discover(TESTS_DIR, pattern=pattern,
                                           top_level_dir=TESTS_DIR))
    slow = args.e2e or args.linux_domu
    runner = unittest.TextTestRunner(stream=sys.stdout, resultclass=_Result,
                                     verbosity=2 if args.verbose or slow else 1)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    # A skipped self-test must not read as a pass.
    failed += len(res.skipped)
    if slow:
        print("took %.0f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (res.passed, failed))
    return 0 if failed == 0 and res.passed > 0 else 1
