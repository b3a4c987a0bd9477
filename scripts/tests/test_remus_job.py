# SPDX-License-Identifier: GPL-2.0
"""scripts/dom0/job/remus.sh run by /bin/sh with a fake xl remus
(fakexen.py) that checkpoints every ~0.55 s until it is killed: xl must
be killed while the "guest" runs its checks after a checkpoint, with the
domain running, and every suspend xl logged must be a cycle the "guest"
reported. Proves the shell's bookkeeping only, never anything about Xen
(test_e2e_remus.py does that)."""
import os
import tempfile
import unittest

import fakexen
from pvsr_harness import job as jobmod


class RemusJob(unittest.TestCase):
    def test_window_stops_between_checkpoints(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = fakexen.run_job(tmp, "running", scenario="remus",
                                         guest_timeout=5, remus_seconds=2)
            res = jobmod.read_result(jobdir)
            steps = {s["name"]: s for s in jobmod.read_steps(jobdir)}
            with open(steps["remus"]["output"]) as f:
                out = f.read()
            self.assertEqual(rc, 0, out)
            self.assertEqual(res["outcome"], "gone", out)
            n = int(res["remus_checkpoints"])
            self.assertGreaterEqual(n, 3, out)
            self.assertEqual(res["remus_suspends"], str(n), out)
            self.assertEqual(res["remus_first"], "1")
            self.assertEqual(res["remus_last"], str(n))
            # After xl's first suspend (seen within a poll or two of it).
            self.assertIn(int(res["remus_window_checkpoints"]), (n - 1, n - 2), out)
            # The step's own bookkeeping (lib.sh) is untouched by remus.sh.
            self.assertTrue(steps["remus"]["output"].endswith("-remus.out"))
            self.assertTrue(os.path.exists(steps["remus"]["output"]))
            self.assertGreater(float(res["remus_window_s"]), 1.5, out)
            # Killed in the guest's checks: no suspend after xl was gone,
            # so none for dom0 to resume.
            # The wait for the checks window ended by its condition,
            # not by its deadline, before xl was killed.
            before_kill = out.split("stopping xl remus")[0]
            self.assertIn("condition met", before_kill, out)
            self.assertIn("xl remus exited with status", out)
            self.assertEqual(res["remus_dom0_resumes"], "0", out)
            self.assertIn("the guest must reach cycle %d" % n, out)
            self.assertIn("the guest reported cycles up to %d" % n, out)
            with open(os.path.join(tmp, "fake", "calls")) as f:
                calls = f.read()
            self.assertIn("xl remus -F -b -n -d -i 100 pvsr-guest localhost", calls)

    def test_xl_remus_ending_by_itself_fails_and_says_so(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = fakexen.run_job(tmp, "remus-dies", scenario="remus",
                                         guest_timeout=5, remus_seconds=10)
            res = jobmod.read_result(jobdir)
            self.assertEqual(res["outcome"], "xl-failed")
            self.assertEqual(res["failed_step"], "remus")
            self.assertEqual(res["failed_why"], "xl remus ended by itself (exit 1) "
                             "before the window closed")
            self.assertNotIn("remus_window_s", res)


if __name__ == "__main__":
    unittest.main()
