# SPDX-License-Identifier: GPL-2.0
"""End to end, under the real Xen (slow: builds guests, boots QEMU).

Deliberately broken guests, each built with one fault-injection define
(make BUILD=build/selftest-<name> GUEST_CFLAGS_EXTRA=-D<FLAG>=1):
  PVSR_SELFTEST_BREAK_BOOT         boot_start_info fails;
  PVSR_SELFTEST_CONTEXT_RAX0       the context builder fakes setjmp's
                                   return with rax = 0: save-restore fails;
  PVSR_SELFTEST_KERNEL_USER_PTE    a kernel page mapped _PAGE_USER:
                                   pte_policy_audit fails;
  PVSR_SELFTEST_TIME_RAW           the guest clock forgets its offset after
                                   a move: on two hosts (B booted 30 s
                                   later) resume_1_time_hosts fails;
and two tiny guests (a crash, a silent spin). `harness run` must exit 1
(the guest failed, not the infrastructure) and say why in its JSON: the
proof that a failing guest cannot read as a pass.
"""
import json
import os
import subprocess
import sys
import unittest

from pvsr_harness.common import REPO_ROOT, SCRIPTS_DIR

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
    # Progress as it happens (the run's own "[  12.3s] ..." lines, without
    # each passing KTAP result); the whole output is kept for the message.
    lines = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("[") and "] guest: ok " not in line:
                print("    " + line.rstrip("\n"), flush=True)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    tail = "\n".join(lines[-30:])
    d = None
    if os.path.exists(jpath):
        with open(jpath) as f:
            d = json.load(f)
    return proc.returncode, d, tail


def build_tiny(mode):
    """scripts/tests/guests/tiny.S built with -DTINY_<mode>."""
    os.makedirs(TINY_BUILD, exist_ok=True)
    src = os.path.join(SCRIPTS_DIR, "tests", "guests")
    obj = os.path.join(TINY_BUILD, "tiny-%s.o" % mode.lower())
    elf = os.path.join(TINY_BUILD, "tiny-%s" % mode.lower())
    subprocess.run(["gcc", "-c", "-D__ASSEMBLY__",
                    "-D__XEN_INTERFACE_VERSION__=0x00040e00",
                    "-I", REPO_ROOT,
                    "-I", os.path.join(REPO_ROOT, "hypercall", "include"),
                    "-DTINY_" + mode, "-o", obj,
                    os.path.join(src, "tiny.S")], check=True)
    subprocess.run(["ld", "-nostdlib", "-static", "-z", "max-page-size=4096",
                    "--no-warn-rwx-segments", "-T", os.path.join(src, "tiny.lds"),
                    "-o", elf, obj], check=True)
    return elf


def build_broken(name, flag):
    """The pvsr guest built with -D<flag>=1 in build/selftest-<name>."""
    build = "build/selftest-" + name
    res = subprocess.run(
        ["make", "-C", REPO_ROOT, "BUILD=" + build,
         "GUEST_CFLAGS_EXTRA=-D%s=1" % flag],
        capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError("make failed:\n" + res.stdout + res.stderr)
    return (os.path.join(REPO_ROOT, build, "test-guest", "pvsr-guest"),
            os.path.join(REPO_ROOT, build, "harness"))


class BrokenGuestFails(unittest.TestCase):
    def assert_guest_failed(self, rc, d, tail):
        self.assertNotEqual(rc, 0, "run passed a broken guest:\n" + tail)
        # 1 = the guest failed; 3 would mean the infrastructure did, which
        # proves nothing about the verdict.
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        self.assertTrue(d["error"], tail)
        return {t["name"]: t["ok"] for t in d["ktap"]["tests"]}

    def test_broken_boot_start_info_fails_the_run(self):
        kernel, out = build_broken("break", "PVSR_SELFTEST_BREAK_BOOT")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "1")
        tests = self.assert_guest_failed(rc, d, tail)
        self.assertIn("boot_start_info", tests, tail)
        self.assertIs(tests["boot_start_info"], False)
        self.assertGreaterEqual(d["ktap"]["failed"], 1)
        self.assertIn("boot_start_info", d["error"])

    def test_context_rax0_fails_save_restore(self):
        # A rebuilt vCPU whose setjmp "returns" 0 would run its park path
        # again. The boot check context_builder_roundtrip catches it first
        # (the guest then says "failed", not "ready"); whatever else
        # happens, the run must fail with that check not ok.
        kernel, out = build_broken("rax0", "PVSR_SELFTEST_CONTEXT_RAX0")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "2", "--cycles", "1",
                                  "--guest-timeout", "90", scenario="save-restore")
        tests = self.assert_guest_failed(rc, d, tail)
        self.assertIs(tests.get("context_builder_roundtrip"), False, tail)
        self.assertIn("context_builder_roundtrip", d["error"])

    def test_kernel_user_pte_fails_the_audit(self):
        kernel, out = build_broken("userpte", "PVSR_SELFTEST_KERNEL_USER_PTE")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "2")
        tests = self.assert_guest_failed(rc, d, tail)
        self.assertIs(tests.get("pte_policy_audit"), False, tail)
        self.assertIn("pte_policy_audit", d["error"])


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
            commands = f.read()
        # With the guest's symbols, so the stack names functions.
        self.assertIn("$ xenctx -s /job/pvsr-guest.map -a", commands)
        self.assertIn("rip: ffffffff80000000", commands)

    def test_hang_times_out(self):
        rc, d, tail = harness_run(build_tiny("HANG"), os.path.join(TINY_BUILD, "hang"),
                                  "--vcpus", "1", "--guest-timeout", "15")
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        self.assertEqual(d["outcome"], "timeout")
        self.assertIn("did not power off within 15 s", d["error"])


if __name__ == "__main__":
    unittest.main()


class TwoHostTimeCheckFails(unittest.TestCase):
    """Two Xen hosts, host B booted 30 s after A: a guest that forgets its
    time offset on the new host (built with PVSR_SELFTEST_TIME_RAW) steps
    its clock back by about the boot-time difference, and
    resume_1_time_hosts must fail the run (two QEMUs, about 3 min)."""

    def test_raw_time_across_hosts_fails(self):
        kernel, out = build_broken("timeraw", "PVSR_SELFTEST_TIME_RAW")
        rc, d, tail = harness_run(kernel, out, "--hosts", "2", "--vcpus", "2",
                                  "--cycles", "1", scenario="migrate-2host")
        tests = BrokenGuestFails.assert_guest_failed(self, rc, d, tail)
        self.assertIs(tests.get("resume_1_time_hosts"), False, tail)
        self.assertIn("resume_1_time_hosts", d["error"])
        self.assertEqual([(c["from"], c["to"], c["moved"]) for c in d["cycles"]],
                         [("A", "B", True)])
