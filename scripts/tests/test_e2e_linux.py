# SPDX-License-Identifier: GPL-2.0
"""End to end: the save-restore, checkpoint and migrate scenarios' plumbing
under the real Xen, driven with a Linux PV domU (linux_domu.py) that speaks
the harness's xenstore protocol. Evidence about the harness only: the pvsr
guest must pass the same scenarios on its own."""
import os
import unittest

import linux_domu
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
        self.assertEqual(rc, 0, tail)
        self.assertIs(d["passed"], True)
        self.assertEqual(d["shutdown_reasons"][-1], "poweroff")
        steps = [s["name"] for s in d["timings_s"]["steps"]]
        self.assertIn("wait-resumed-%d" % cycles, steps)
        return d, steps

    def test_save_restore(self):
        d, steps = self.scenario("save-restore")
        for k in (1, 2):
            self.assertIn("save-%d" % k, steps)
            self.assertIn("restore-%d" % k, steps)

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
