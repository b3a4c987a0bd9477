# SPDX-License-Identifier: GPL-2.0
"""End to end, under the real Xen (slow: builds guests, boots QEMU).

Deliberately broken guests, each built with one fault-injection define
(make BUILD=build/selftest-<name> GUEST_CFLAGS_EXTRA=-D<FLAG>=1):
  PVSR_SELFTEST_BREAK_BOOT         boot_start_info fails;
  PVSR_SELFTEST_CONTEXT_RAX0       the context builder fakes setjmp's
                                   return with rax = 0: save-restore fails;
  PVSR_SELFTEST_KERNEL_USER_PTE    a kernel page mapped _PAGE_USER:
                                   pte_policy_audit fails;
  PVSR_SELFTEST_KERNEL_IN_USER_L4  a kernel page mapped in the user L4:
                                   user_cannot_read_kernel fails (the
                                   probe reads it);
  PVSR_SELFTEST_RESUME_RAX0        only contexts rebuilt after a real
                                   resume return 0: the guest panics with
                                   PVSR_E_BAD_RESUME;
  PVSR_SELFTEST_NO_FPU_RESTORE     a rebuilt vCPU keeps Xen's initial FPU
                                   state: resume_1_fpu_state fails;
  PVSR_SELFTEST_NO_SEGMENT_RESTORE a rebuilt vCPU loses its FS and user
                                   GS bases: resume_1_segment_bases fails;
  PVSR_SELFTEST_PARK_IN_HYPERCALL  a vCPU parks inside a preempted
                                   mmu_update batch, which Xen re-issues
                                   in the new domain with old MFNs:
                                   resume_1_preempted_hypercall fails;
  PVSR_SELFTEST_BATCH_WINDOW_OPEN  the test guest parks a vCPU between
                                   unmasking and issuing its batch (built
                                   with the old domain's MFNs):
                                   resume_1_preempted_hypercall fails;
  PVSR_SELFTEST_BATCH_WINDOW_WIDE  the same wide window with the hold-off:
                                   must pass, and say it held one off;
  PVSR_SELFTEST_NEVER_PARK=1       vCPU 1 never reaches the barrier: the
                                   core reader must name it, barrier holding;
  PVSR_SELFTEST_PANIC_AFTER_HYPERCALL  a panic in the new domain: the
                                   backtrace record must hold guest frames;
  PVSR_SELFTEST_LOSE_IPI_AFTER=1   vCPU 1 loses one ping for good in cycle
                                   2: resume_2_ipi_sequence fails, and
                                   with pvsr.resume_checks=quick
                                   resume_2_no_errors;
  PVSR_SELFTEST_TIME_RAW           the guest clock forgets its offset after
                                   a move: on two hosts (B booted 30 s
                                   later) resume_1_time_hosts fails;
the shipped guest given pvsr.resume_checks=fast (a mode it does not
know: resume_1_checks_mode_known fails), and two tiny guests (a crash,
a silent spin). `harness run` must exit 1
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
    harness_run.output = "\n".join(lines)     # all of it, for tests that need more
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
    """The pvsr guest built with -D<flag>=1 in build/selftest-<name>
    (flag None: as it ships, in a build directory of its own)."""
    build = "build/selftest-" + name
    extra = ["GUEST_CFLAGS_EXTRA=-D%s=1" % flag] if flag else []
    res = subprocess.run(
        ["make", "-C", REPO_ROOT, "BUILD=" + build] + extra,
        capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError("make failed:\n" + res.stdout + res.stderr)
    return (os.path.join(REPO_ROOT, build, "test-guest", "pvsr-guest"),
            os.path.join(REPO_ROOT, build, "harness"))


def guest_console(d):
    """Every guest console log of a run (its JSON's logs.guest_all)."""
    text = ""
    for path in d["logs"]["guest_all"]:
        with open(path, errors="replace") as f:
            text += f.read()
    return text


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


    def test_kernel_in_user_l4_is_read_from_ring3(self):
        kernel, out = build_broken("kinuser", "PVSR_SELFTEST_KERNEL_IN_USER_L4")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "1")
        tests = self.assert_guest_failed(rc, d, tail)
        self.assertIs(tests.get("user_cannot_read_kernel"), False, tail)
        self.assertIn("user_cannot_read_kernel", d["error"])


class BrokenParkContractFails(unittest.TestCase):
    """Each piece of the park contract, broken on purpose, must make a
    real save-restore fail at its own resume check (and the guest must
    say why), with 4 vCPUs: vCPUs 1 and 3 parked in ring 3, vCPU 2 inside
    an mmu_update batch."""

    def run_broken(self, name, flag, check):
        kernel, out = build_broken(name, flag)
        rc, d, tail = harness_run(kernel, out, "--vcpus", "4", "--cycles", "1",
                                  "--guest-timeout", "120",
                                  scenario="save-restore")
        tests = BrokenGuestFails.assert_guest_failed(self, rc, d, tail)
        self.assertIs(tests.get(check), False, tail)
        self.assertIn(check, d["error"])
        return tests

    def test_no_fpu_restore_fails_fpu_state(self):
        tests = self.run_broken("nofpu", "PVSR_SELFTEST_NO_FPU_RESTORE",
                                "resume_1_fpu_state")
        # Only the FPU was broken: the segment bases came back.
        self.assertIs(tests.get("resume_1_segment_bases"), True)

    def test_no_segment_restore_fails_segment_bases(self):
        tests = self.run_broken("noseg", "PVSR_SELFTEST_NO_SEGMENT_RESTORE",
                                "resume_1_segment_bases")
        self.assertIs(tests.get("resume_1_fpu_state"), True)

    def test_park_in_hypercall_fails_preempted_hypercall(self):
        self.run_broken("inhcall", "PVSR_SELFTEST_PARK_IN_HYPERCALL",
                        "resume_1_preempted_hypercall")

    def test_open_batch_window_fails_preempted_hypercall(self):
        # Not pvsr's fault but the embedding kernel's: the upcall must
        # hold a park off between "events on" and the syscall.
        self.run_broken("window", "PVSR_SELFTEST_BATCH_WINDOW_OPEN",
                        "resume_1_preempted_hypercall")

    def test_wide_batch_window_is_held_off(self):
        # The same wide window with the hold-off in place must pass, and
        # the guest must say it held an upcall off: the fix, not luck.
        kernel, out = build_broken("widewin", "PVSR_SELFTEST_BATCH_WINDOW_WIDE")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "4", "--cycles", "1",
                                  "--guest-timeout", "120",
                                  scenario="save-restore")
        self.assertEqual(rc, 0, tail)
        self.assertIs(d["passed"], True, tail)
        self.assertRegex(guest_console(d),
                         r"vCPU 2: [1-9][0-9]* upcalls held off between "
                         r"unmask and syscall", tail)

    def test_lost_ipi_fails_quick_checks_too(self):
        # pvsr.resume_checks=quick (the rate bench's mode) waits for no
        # progress, but the error counters it reads still catch the lost
        # ping in the cycle it happened.
        kernel, out = build_broken("loseipi", "PVSR_SELFTEST_LOSE_IPI_AFTER")
        rc, d, tail = harness_run(kernel, out + "-quick", "--vcpus", "4",
                                  "--cycles", "2", "--guest-timeout", "120",
                                  "--guest-arg", "pvsr.resume_checks=quick",
                                  scenario="checkpoint")
        tests = BrokenGuestFails.assert_guest_failed(self, rc, d, tail)
        self.assertIs(tests.get("resume_1_no_errors"), True, tail)
        self.assertIs(tests.get("resume_2_no_errors"), False, tail)
        self.assertNotIn("resume_2_ipi_sequence", tests, tail)
        self.assertIn("lost, duplicated or backwards sequence numbers",
                      harness_run.output)

    def test_unknown_resume_checks_mode_fails(self):
        # A mode the guest does not know is a failing check, never a
        # silent fallback that a bench would label wrong.
        kernel, out = build_broken("badmode", None)
        rc, d, tail = harness_run(kernel, out, "--vcpus", "2", "--cycles", "1",
                                  "--memory", "64", "--guest-timeout", "120",
                                  "--guest-arg", "pvsr.resume_checks=fast",
                                  scenario="checkpoint")
        tests = BrokenGuestFails.assert_guest_failed(self, rc, d, tail)
        self.assertIs(tests.get("resume_1_checks_mode_known"), False, tail)
        self.assertIn("unknown pvsr.resume_checks=fast (full or quick)",
                      harness_run.output)

    def test_lost_ipi_fails_ipi_sequence(self):
        # One ping lost for good once cycle 2 has begun: cycle 1 passes,
        # cycle 2's ipi_sequence names it (scripts/soak stops there).
        kernel, out = build_broken("loseipi", "PVSR_SELFTEST_LOSE_IPI_AFTER")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "4", "--cycles", "2",
                                  "--guest-timeout", "120",
                                  scenario="checkpoint")
        tests = BrokenGuestFails.assert_guest_failed(self, rc, d, tail)
        self.assertIs(tests.get("resume_1_ipi_sequence"), True, tail)
        self.assertIs(tests.get("resume_2_ipi_sequence"), False, tail)
        self.assertIn("lost, duplicated or backwards sequence numbers",
                      harness_run.output)

    def test_resume_rax0_panics(self):
        kernel, out = build_broken("resumerax0", "PVSR_SELFTEST_RESUME_RAX0")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "2", "--cycles", "1",
                                  "--guest-timeout", "90",
                                  scenario="save-restore")
        BrokenGuestFails.assert_guest_failed(self, rc, d, tail)
        self.assertEqual(d["outcome"], "crashed", tail)
        # The boot path is right: every boot check passed before it.
        self.assertIs({t["name"]: t["ok"] for t in d["ktap"]["tests"]}
                      .get("context_builder_roundtrip"), True, tail)
        self.assertIn("a rebuilt vCPU returned 0 from pvsr_setjmp",
                      guest_console(d))


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


class CoreReaderAndBacktrace(unittest.TestCase):
    """A guest whose vCPU 1 never parks (PVSR_SELFTEST_NEVER_PARK=1) and
    one that panics after the suspend hypercall
    (PVSR_SELFTEST_PANIC_AFTER_HYPERCALL): the run fails, and the logs must
    hold a core-reader report naming the stuck vCPU with its backtrace and
    the barrier holding, and a backtrace record across guest and dom0."""

    def test_never_parking_vcpu_is_named_by_the_core_reader(self):
        kernel, out = build_broken("neverpark", "PVSR_SELFTEST_NEVER_PARK")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "2", "--cycles", "1",
                                  "--memory", "64", "--guest-timeout", "120",
                                  scenario="save-restore")
        self.assertEqual(rc, 1, tail)
        self.assertIs(d["passed"], False)
        cores = {c["tag"]: c for c in d.get("cores", [])}
        self.assertIn("stall-save-1", cores, tail)
        stall = cores["stall-save-1"]
        self.assertNotIn("error", stall, stall)
        self.assertEqual(stall["not_parked"], [1], stall)
        self.assertEqual(stall["barrier"], ["PVSR_BARRIER_HOLD"], stall)
        with open(stall["report"]) as f:
            report = f.read()
        self.assertIn("vCPU 1 NOT PARKED (barrier holds)", report)
        with open(stall["json"]) as f:
            j = json.load(f)
        v1 = [v for v in j["vcpus"] if v["vcpu"] == 1]
        self.assertEqual(len(v1), 1, report)
        funcs = [fr.get("function") for fr in v1[0]["backtrace"]]
        self.assertEqual(funcs[:2], ["never_park", "guest_park_handler"], report)
        self.assertIn("file", v1[0]["backtrace"][0], report)
        # The record names the same vCPU, pvsr's error and the dom0 step.
        bt = d.get("backtrace")
        self.assertTrue(bt, tail)
        self.assertEqual(bt["guest"]["vcpu"], 1)
        self.assertTrue(bt["guest"]["frames"])
        self.assertEqual(bt["pvsr_error"]["step"], "park", bt)
        self.assertEqual(bt["pvsr_error"]["vcpu"], 1, bt)
        self.assertEqual(bt["dom0_step"]["name"], "save-1", bt)
        self.assertIn("backtrace (guest -> pvsr -> dom0 -> toolstack):",
                      harness_run.output)
        # After the park timed out, the guest itself shows the stuck
        # vCPU's event state: masked (it spins in its park handler).
        self.assertRegex(guest_console(d),
                         r"# vCPU 1: upcall mask 1 pending [01] sel 0x[0-9a-f]+ "
                         r"timer port \d+", tail)

    def test_panic_after_the_hypercall_gives_a_backtrace_record(self):
        kernel, out = build_broken("panicresume", "PVSR_SELFTEST_PANIC_AFTER_HYPERCALL")
        rc, d, tail = harness_run(kernel, out, "--vcpus", "2", "--cycles", "1",
                                  "--memory", "64", "--guest-timeout", "90",
                                  scenario="save-restore")
        self.assertEqual(rc, 1, tail)
        self.assertEqual(d["outcome"], "crashed", tail)
        bt = d.get("backtrace")
        self.assertTrue(bt, tail)
        frames = bt["guest"]["frames"]
        self.assertEqual(bt["guest"]["source"], "guest console", bt)
        self.assertIn("PANIC on vCPU 0", bt["guest"]["event"])
        syms = [f.get("symbol", "") for f in frames]
        self.assertTrue(any(s.startswith("pvsr_suspend+") for s in syms), syms)
        self.assertTrue(all("file" in f for f in frames[:3]), frames)
        self.assertEqual(bt["pvsr_error"]["source"], "pvsr-panic", bt)
        self.assertEqual(bt["pvsr_error"]["step"], "rebind", bt)
        self.assertEqual(bt["toolstack_op"]["name"], "restore-1", bt)
        self.assertIsNotNone(bt["dom0_step"], bt)
        self.assertIn("end", {c["tag"] for c in d.get("cores", [])}, d.get("cores"))
        self.assertIn("backtrace (guest -> pvsr -> dom0 -> toolstack):",
                      harness_run.output)
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
