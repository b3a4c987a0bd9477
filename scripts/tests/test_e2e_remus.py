# SPDX-License-Identifier: GPL-2.0
"""End to end, under the real Xen: the remus scenario (a checkpoint-rate
window of `xl remus -F -b -n -d -i 100`, scripts/dom0/job/remus.sh) with
the real pvsr guest, 4 vCPUs, 20 s. Runs with `selftest --e2e`.

It must pass: every checkpoint is a cycle the guest reported with return
1 and checked (its KTAP results, the plan printed last), dom0 stopped xl
remus between two checkpoints with the guest still running, and the guest
then powered off. The rate itself is printed, never asserted."""
import os
import subprocess
import unittest

from pvsr_harness.common import REPO_ROOT
from test_e2e import harness_run

BUILD = "build/selftest-remus"


class RemusWindow(unittest.TestCase):
    def test_remus_window_checkpoints_pass(self):
        res = subprocess.run(["make", "-C", REPO_ROOT, "BUILD=" + BUILD],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, "make failed:\n" + res.stdout + res.stderr)
        kernel = os.path.join(REPO_ROOT, BUILD, "test-guest", "pvsr-guest")
        rc, d, tail = harness_run(kernel, os.path.join(REPO_ROOT, BUILD, "harness"),
                                  "--vcpus", "4", "--remus-seconds", "20",
                                  "--remus-interval", "100", scenario="remus")
        self.assertEqual(rc, 0, tail)
        self.assertIs(d["passed"], True)
        r = d["remus"]
        self.assertGreaterEqual(r["checkpoints"], 2, tail)
        self.assertEqual(r["first_cycle"], 1)
        self.assertEqual(r["last_cycle"], r["checkpoints"])
        self.assertGreater(r["window_s"], 0)
        # The guest's own results: one resume check set per checkpoint, all
        # passing, and the open-ended plan came last.
        k = d["ktap"]
        self.assertEqual(k["failed"], 0)
        self.assertEqual(k["planned"], k["passed"] + k["skipped"])
        names = {t["name"] for t in k["tests"]}
        for c in range(1, r["checkpoints"] + 1):
            self.assertIn("resume_%d_return" % c, names)
        self.assertNotIn("resume_%d_return" % (r["checkpoints"] + 1), names)
        self.assertEqual(d["shutdown_reasons"][-1], "poweroff")
        print("\n    remus: %d checkpoints, %d after the first in %.1f s = %.2f "
              "per second" % (r["checkpoints"], r["window_checkpoints"],
                              r["window_s"], r["per_s"]), flush=True)


if __name__ == "__main__":
    unittest.main()
