# SPDX-License-Identifier: GPL-2.0
"""End to end, under the real Xen (slow: builds a guest, boots QEMU).

A guest built with -DPVSR_SELFTEST_BREAK_BOOT=1 fails its boot_start_info
KTAP test; `harness run` must exit non-zero and say so in its JSON. This is
the proof that a failing guest cannot read as a pass.
"""
import json
import os
import subprocess
import sys
import unittest

from pvsr_harness.common import REPO_ROOT, SCRIPTS_DIR

BREAK_BUILD = "build/selftest-break"


class BrokenGuestFails(unittest.TestCase):
    def test_broken_boot_start_info_fails_the_run(self):
        res = subprocess.run(
            ["make", "-C", REPO_ROOT, "BUILD=" + BREAK_BUILD,
             "GUEST_CFLAGS_EXTRA=-DPVSR_SELFTEST_BREAK_BOOT=1"],
            capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, "make failed:\n" + res.stdout + res.stderr)
        kernel = os.path.join(REPO_ROOT, BREAK_BUILD, "test-guest", "pvsr-guest")
        out = os.path.join(REPO_ROOT, BREAK_BUILD, "harness")
        os.makedirs(out, exist_ok=True)
        jpath = os.path.join(out, "result.json")
        if os.path.exists(jpath):
            os.unlink(jpath)
        cmd = [sys.executable, os.path.join(SCRIPTS_DIR, "harness"), "run",
               "--scenario", "boot", "--vcpus", "1", "--kernel", kernel,
               "--json", jpath, "--logs", os.path.join(out, "logs"),
               "--cache", os.environ.get("PVSR_SELFTEST_CACHE", "/var/cache/pvsr")]
        print("\n  $ " + " ".join(cmd), flush=True)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-30:])
        self.assertNotEqual(res.returncode, 0, "run passed a broken guest:\n" + tail)
        # 1 = the guest failed; 3 would mean the infrastructure did, which
        # proves nothing about the verdict.
        self.assertEqual(res.returncode, 1, tail)
        with open(jpath) as f:
            d = json.load(f)
        self.assertIs(d["passed"], False)
        tests = {t["name"]: t["ok"] for t in d["ktap"]["tests"]}
        self.assertIn("boot_start_info", tests, tail)
        self.assertIs(tests["boot_start_info"], False)
        self.assertGreaterEqual(d["ktap"]["failed"], 1)
        self.assertIn("boot_start_info", d["error"])


if __name__ == "__main__":
    unittest.main()
