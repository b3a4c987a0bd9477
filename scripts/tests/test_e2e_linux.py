# SPDX-License-Identifier: GPL-2.0
"""End to end: the save-restore, checkpoint and migrate scenarios' plumbing
under the real Xen, driven with a Linux PV domU (linux_domu.py) that speaks
the harness's xenstore protocol. Evidence about the harness only: the pvsr
guest must pass the same scenarios on its own.

Only with `selftest --linux-domu` (three QEMU runs: too slow for every CI
run now that the pvsr guest itself runs these scenarios in `make check`).
Linux prints no pvsr-report lines, so each run must fail for exactly that
reason and no other: every step, state and KTAP result must be fine."""
import os
import unittest

from pvsr_harness import linux_domu
from test_e2e import CACHE, TINY_BUILD, harness_run


class LinuxDomuScenarios(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(TINY_BUILD, exist_ok=True)
        cls.ramdisk, cls.kernel = linux_domu.build(
            CACHE, os.path.join(TINY_BUILD, "linux-domu.cpio"))

    def scenario(self, name, cycles=2):
        rc, d, tail = harness_run(
            self.kernel, os.path.join(TINY_BUILD, "linux-" + name),
            "--vcpus", "2", "--cycles", str(cycles),
            "--ramdisk", self.ramdisk, "--guest-arg", "console=hvc0",
            "--guest-timeout", "150", scenario=name)
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        self.assertEqual(d["error"], "no pvsr-report from the guest for cycles 1-%d "
                         "of %d (it crashed, hung or never got the request)"
                         % (cycles, cycles), tail)
        self.assertEqual(d["ktap"]["problems"], [])
        self.assertEqual(d["outcome"], "gone")
        self.assertEqual([c["cycle"] for c in d["cycles"]], list(range(1, cycles + 1)))
        for c in d["cycles"]:
            self.assertIsInstance(c["toolstack_s"], float)
        self.assertEqual(d["shutdown_reasons"][-1], "poweroff")
        steps = [s["name"] for s in d["timings_s"]["steps"]]
        self.assertIn("wait-resumed-%d" % cycles, steps)
        return d, steps

    def test_save_restore(self):
        d, steps = self.scenario("save-restore")
        for k in (1, 2):
            self.assertIn("save-%d" % k, steps)
            self.assertIn("restore-%d" % k, steps)
        self.assertEqual(d["control_bogus"]["reported"], True)
        self.assertEqual(d["control_bogus"]["left_in_node"], True)

    def test_checkpoint(self):
        d, steps = self.scenario("checkpoint")
        self.assertIn("checkpoint-2", steps)

    def test_migrate(self):
        d, steps = self.scenario("migrate")
        self.assertIn("migrate-2", steps)
        # The receiving domain's console lands in guest-NAME--incoming.log.
        self.assertTrue(any(p.endswith("--incoming.log") for p in d["logs"]["guest_all"]))


if __name__ == "__main__":
    unittest.main()
