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
TINY_BUILD = os.path.join(REPO_ROOT, "build", "selftest-tiny")
CACHE = os.environ.get("PVSR_SELFTEST_CACHE", "/var/cache/pvsr")


def harness_run(kernel, outdir, *extra, scenario="boot"):
    """scripts/harness run; returns (exit status, JSON, output tail)."""
    os.makedirs(outdir, exist_ok=True)
    jpath = os.path.join(outdir, "result.json")
    if os.path.exists(jpath):
        os.unlink(jpath)
    cmd = [sys.executable, os.path.join(SCRIPTS_DIR, "harness"), "run",
           "--scenario", scenario, "--kernel", kernel, "--json", jpath,
           "--logs", os.path.join(outdir, "logs"), "--cache", CACHE] + list(extra)
    print("\n  $ " + " ".join(cmd), flush=True)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    tail = "\n".join((res.stdout + res.stderr).splitlines()[-30:])
    d = None
    if os.path.exists(jpath):
        with open(jpath) as f:
            d = json.load(f)
    return res.returncode, d, tail


def build_tiny(mode):
    """scripts/tests/guests/tiny.S built with -DTINY_<mode>."""
    os.makedirs(TINY_BUILD, exist_ok=True)
    src = os.path.join(SCRIPTS_DIR, "tests", "guests")
    obj = os.path.join(TINY_BUILD, "tiny-%s.o" % mode.lower())
    elf = os.path.join(TINY_BUILD, "tiny-%s" % mode.lower())
    subprocess.run(["gcc", "-c", "-DTINY_" + mode, "-o", obj,
                    os.path.join(src, "tiny.S")], check=True)
    subprocess.run(["ld", "-nostdlib", "-static", "-z", "max-page-size=4096",
                    "--no-warn-rwx-segments", "-T", os.path.join(src, "tiny.lds"),
                    "-o", elf, obj], check=True)
    return elf


class BrokenGuestFails(unittest.TestCase):
    def test_broken_boot_start_info_fails_the_run(self):
        res = subprocess.run(
            ["make", "-C", REPO_ROOT, "BUILD=" + BREAK_BUILD,
             "GUEST_CFLAGS_EXTRA=-DPVSR_SELFTEST_BREAK_BOOT=1"],
            capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, "make failed:\n" + res.stdout + res.stderr)
        kernel = os.path.join(REPO_ROOT, BREAK_BUILD, "test-guest", "pvsr-guest")
        rc, d, tail = harness_run(kernel, os.path.join(REPO_ROOT, BREAK_BUILD, "harness"),
                                  "--vcpus", "1")
        self.assertNotEqual(rc, 0, "run passed a broken guest:\n" + tail)
        # 1 = the guest failed; 3 would mean the infrastructure did, which
        # proves nothing about the verdict.
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        tests = {t["name"]: t["ok"] for t in d["ktap"]["tests"]}
        self.assertIn("boot_start_info", tests, tail)
        self.assertIs(tests["boot_start_info"], False)
        self.assertGreaterEqual(d["ktap"]["failed"], 1)
        self.assertIn("boot_start_info", d["error"])



class TinyGuestsFail(unittest.TestCase):
    """A guest that crashes at its first instruction, and one that spins
    silently: both must fail, as a crash (with xenctx) and as a hang."""

    def test_crash_is_reported_with_xenctx(self):
        rc, d, tail = harness_run(build_tiny("CRASH"),
                                  os.path.join(TINY_BUILD, "crash"), "--vcpus", "2")
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        self.assertEqual(d["outcome"], "crashed")
        self.assertIn("guest crashed", d["error"])
        self.assertIn("guest printed nothing", d["error"])
        steps = [s["name"] for s in d["timings_s"]["steps"]]
        self.assertIn("xenctx-v0", steps)
        self.assertIn("xenctx-v1", steps)
        with open(d["logs"]["commands"]) as f:
            self.assertIn("$ xenctx -a", f.read())

    def test_hang_times_out(self):
        rc, d, tail = harness_run(build_tiny("HANG"), os.path.join(TINY_BUILD, "hang"),
                                  "--vcpus", "1", "--guest-timeout", "15")
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        self.assertEqual(d["outcome"], "timeout")
        self.assertIn("did not power off within 15 s", d["error"])


if __name__ == "__main__":
    unittest.main()
