# SPDX-License-Identifier: GPL-2.0
"""A short soak under the real Xen (slow: one QEMU run, about 3 min).

`scripts/soak --checkpoints 30 --vcpus 4` must pass: every one of the 30
remus checkpoints checked by the guest, every count at zero, park and
resume latencies for every cycle and vCPU, and the JSON's per-cycle
records in order. Run by `scripts/harness selftest --e2e`.
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
KERNEL = os.path.join(REPO_ROOT, "build", "selftest-soak-guest", "test-guest",
                      "pvsr-guest")
CHECKPOINTS = 30
VCPUS = 4


def build_guest():
    subprocess.run(["make", "-C", REPO_ROOT, "BUILD=build/selftest-soak-guest"],
                   check=True, stdout=subprocess.DEVNULL)
    return KERNEL


def soak(*extra):
    """scripts/soak; returns (exit status, JSON or None, output)."""
    os.makedirs(OUT, exist_ok=True)
    jpath = os.path.join(OUT, "result.json")
    if os.path.exists(jpath):
        os.unlink(jpath)
    cmd = [sys.executable, os.path.join(SCRIPTS_DIR, "soak"), "--kernel", build_guest(),
           "--json", jpath, "--logs", os.path.join(OUT, "logs"), "--cache", CACHE] \
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
