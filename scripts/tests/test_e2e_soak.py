# SPDX-License-Identifier: GPL-2.0
"""Short soaks under the real Xen (slow: two QEMU runs, about 2-3 min
each). Run by `scripts/harness selftest --e2e`.

`scripts/soak --checkpoints 30 --vcpus 4` must pass: every one of the 30
remus checkpoints checked by the guest, every count at zero, park and
resume latencies for every cycle and vCPU, and the JSON's per-cycle
records in order.

A guest built with PVSR_SELFTEST_LOSE_IPI_AFTER=5 (vCPU 1 loses one ping
for good once cycle 6 has begun) must stop the soak at cycle 6, naming
resume_6_ipi_sequence as a lost or duplicated IPI, with nothing after it
counted.
"""
import json
import os
import subprocess
import sys
import unittest

from pvsr_harness.common import REPO_ROOT, SCRIPTS_DIR
from pvsr_harness import soak_count

CACHE = os.environ.get("PVSR_SELFTEST_CACHE", "/var/cache/pvsr")
OUT = os.path.join(REPO_ROOT, "build", "selftest-soak")
CHECKPOINTS = 30
VCPUS = 4


LOSE_AFTER = 5


def build_guest(build="build/selftest-soak-guest", flags=""):
    cmd = ["make", "-C", REPO_ROOT, "BUILD=" + build]
    if flags:
        cmd.append("GUEST_CFLAGS_EXTRA=" + flags)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError("make failed:\n" + res.stdout + res.stderr)
    return os.path.join(REPO_ROOT, build, "test-guest", "pvsr-guest")


def soak(*extra, kernel=None, out=OUT):
    """scripts/soak; returns (exit status, JSON or None, output)."""
    os.makedirs(out, exist_ok=True)
    jpath = os.path.join(out, "result.json")
    if os.path.exists(jpath):
        os.unlink(jpath)
    cmd = [sys.executable, os.path.join(SCRIPTS_DIR, "soak"),
           "--kernel", kernel or build_guest(),
           "--json", jpath, "--logs", os.path.join(out, "logs"), "--cache", CACHE] \
        + list(extra)
    print("\n  $ " + " ".join(cmd), flush=True)
    lines = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        print("    " + line.rstrip("\n"), flush=True)
    proc.wait()
    d = None
    if os.path.exists(jpath):
        with open(jpath) as f:
            d = json.load(f)
    return proc.returncode, d, "\n".join(lines)


class ShortSoakTest(unittest.TestCase):
    def test_30_checkpoints_4_vcpus(self):
        rc, d, out = soak("--checkpoints", str(CHECKPOINTS), "--vcpus", str(VCPUS))
        tail = out[-4000:]
        self.assertIsNotNone(d, "no JSON written:\n" + tail)
        s = d.get("soak")
        self.assertIsNotNone(s, "no soak record in the JSON:\n" + tail)
        self.assertEqual(rc, 0, "soak failed (%s):\n%s" % (d.get("error"), tail))
        self.assertTrue(d["passed"])
        self.assertIsNone(s["stopped"])
        self.assertGreaterEqual(s["cycles_done"].get("checkpoint", 0), CHECKPOINTS)
        self.assertGreaterEqual(s["cycles_checked"], CHECKPOINTS)
        for cat in soak_count.CATEGORY_NAMES:
            self.assertEqual(s["failures"][cat], 0, cat)
        self.assertEqual(s["failed_checks"], {})
        cycles = s["cycles"]
        self.assertEqual([c["cycle"] for c in cycles],
                         list(range(1, len(cycles) + 1)))
        for c in cycles:
            self.assertEqual(c["kind"], "checkpoint", c)
            # A checkpoint is a cancelled suspend: the hypercall returns 1.
            self.assertEqual(c["return"], 1, c)
            self.assertGreater(c["checks"], 0, c)
            self.assertGreater(c["park_ns"], 0, c)
        lat = s["latency_ns"]
        self.assertEqual(lat["park_phase"]["n"], len(cycles))
        # Every secondary vCPU reports its park and resume every cycle.
        self.assertEqual(lat["vcpu_park"]["n"], len(cycles) * (VCPUS - 1))
        self.assertEqual(lat["vcpu_resume"]["n"], len(cycles) * (VCPUS - 1))
        for name in ("park_phase", "vcpu_park", "vcpu_resume"):
            self.assertGreaterEqual(lat[name]["worst_ns"], lat[name]["median_ns"])
            self.assertGreater(lat[name]["median_ns"], 0)
        self.assertIn("lost or duplicated IPIs", out)
        self.assertIn("soak progress:", out)


class LostIpiStopsTheSoak(unittest.TestCase):
    def test_soak_stops_at_the_lost_ipi(self):
        kernel = build_guest("build/selftest-soak-loseipi",
                             "-DPVSR_SELFTEST_LOSE_IPI_AFTER=%d" % LOSE_AFTER)
        rc, d, out = soak("--checkpoints", "30", "--vcpus", str(VCPUS),
                          kernel=kernel, out=OUT + "-loseipi")
        tail = out[-6000:]
        self.assertIsNotNone(d, "no JSON written:\n" + tail)
        self.assertEqual(rc, 1, "the soak must fail (the guest's fault):\n" + tail)
        s = d["soak"]
        k = LOSE_AFTER + 1
        self.assertEqual(s["stopped"]["cycle"], k, tail)
        what = "resume_%d_ipi_sequence failed (lost or duplicated IPIs)" % k
        self.assertIn(what, s["stopped"]["what"])
        self.assertEqual(s["failures"]["lost_or_duplicated_ipis"], 1)
        self.assertEqual(s["last_cycle"], k)
        self.assertEqual(max(c["cycle"] for c in s["cycles"]), k)
        self.assertTrue(all(not c["failed"] for c in s["cycles"] if c["cycle"] < k))
        self.assertTrue(d["error"].startswith("soak stopped at cycle %d: %s" % (k, what)),
                        d["error"])
        # The failure output: the cycle's own report, and the guest's words.
        self.assertIn("---- the guest's report for cycle %d ----" % k, out)
        self.assertIn("not ok", out)
        self.assertTrue(s["stopped"]["guest_detail"], s["stopped"])
