# SPDX-License-Identifier: GPL-2.0
"""`harness selftest`: the harness's own tests (scripts/tests/).

Offline by default: KTAP parser, xl config, job scripts (run by /bin/sh with
fake xl tools), verdicts and JSON, argument errors. --e2e adds test_e2e*.py,
which build a deliberately broken guest and prove that a real run under
Xen fails. Ends with "N passed, N failed".
"""
import os
import sys
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
    sys.path.insert(0, TESTS_DIR)
    if args.e2e:
        os.environ["PVSR_SELFTEST_CACHE"] = os.path.abspath(args.cache)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    suite.addTests(loader.discover(TESTS_DIR, pattern="test_[!e]*.py",
                                   top_level_dir=TESTS_DIR))
    if args.e2e:
        suite.addTests(loader.discover(TESTS_DIR, pattern="test_e2e*.py",
                                       top_level_dir=TESTS_DIR))
    runner = unittest.TextTestRunner(stream=sys.stdout, resultclass=_Result,
                                     verbosity=2 if args.verbose or args.e2e else 1)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    # A skipped self-test must not read as a pass.
    failed += len(res.skipped)
    print("%d passed, %d failed" % (res.passed, failed))
    return 0 if failed == 0 and res.passed > 0 else 1
