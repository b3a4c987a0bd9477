# SPDX-License-Identifier: GPL-2.0
"""Two-host runs (hosts.py, agent.sh) offline: the command channel between
the harness and a dom0 agent run by /bin/sh, the QEMU network arguments,
the per-cycle expected returns and the command line. Nothing here boots
Xen: the real runs are `scripts/harness run --hosts 2` (make check)."""
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from pvsr_harness import cli
from pvsr_harness import cycles as cyclesmod
from pvsr_harness import hosts
from pvsr_harness.common import DOM0_JOB_DIR


class _FakeRun:
    """What Host needs of a Run: its job folder and a phase."""

    def __init__(self, logs):
        self.logs = logs
        self.phase = "fake"
        self.marks = {}


class AgentTest(unittest.TestCase):
    def start_agent(self, tmp):
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        script = ("GUEST_NAME=pvsr-guest SAVE_DIR=%s/save CONTROL=xl\n"
                  ". %s/lib.sh\n. %s/scenarios.sh\n. %s/agent.sh\n"
                  "agent_main\n" % (tmp, DOM0_JOB_DIR, DOM0_JOB_DIR, DOM0_JOB_DIR))
        env = dict(os.environ, PVSR_OUT=out, PVSR_JOB=tmp,
                   PVSR_CONSOLE=os.path.join(tmp, "console"))
        return subprocess.Popen(["sh", "-c", script], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def test_commands_run_in_order_with_status_and_log(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = self.start_agent(tmp)
            try:
                h = hosts.Host("A", _FakeRun(tmp))
                h.thread = threading.Thread(target=proc.wait, daemon=True)
                h.thread.start()
                self.assertEqual(h.cmd("step hello echo hi there", 20), 0)
                self.assertEqual(h.cmd("step nope sh -c 'exit 4'", 20), 4)
                # State carries from one command to the next (one shell).
                self.assertEqual(h.cmd("X=41", 20), 0)
                self.assertEqual(h.cmd("[ $((X + 1)) = 42 ]", 20), 0)
                self.assertEqual(h.step("hello")["rc"], 0)
                self.assertEqual(h.step("nope")["rc"], 4)
                self.assertEqual(h.cmd("AG_STOP=1", 20), 0)
                proc.wait(timeout=20)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            with open(os.path.join(tmp, "out", "commands.log")) as f:
                log = f.read()
            self.assertIn("$ echo hi there\n  | hi there\n", log)
            self.assertIn("# step 2 nope: exit 4", log)
            with open(os.path.join(tmp, "console")) as f:
                marks = f.read()
            self.assertIn("PVSR-MARK: agent-ready", marks)
            self.assertIn("PVSR-MARK: agent-done 2 rc=4", marks)

    def test_dead_host_is_reported_not_waited_for(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "out"))
            h = hosts.Host("B", _FakeRun(tmp))
            h.thread = threading.Thread(target=lambda: None)
            h.thread.start()
            h.thread.join()
            t0 = time.monotonic()
            with self.assertRaises(hosts.HostDown) as cm:
                h.cmd("true", 30)
            self.assertLess(time.monotonic() - t0, 5)
            self.assertIn("host B: QEMU ended", str(cm.exception))

    def test_listener_runs_prog_and_reports_its_status(self):
        """listen_on/wait_listener with a fake busybox nc on PATH."""
        with tempfile.TemporaryDirectory() as tmp:
            bindir = os.path.join(tmp, "bin")
            os.makedirs(bindir)
            with open(os.path.join(bindir, "busybox"), "w") as f:
                # busybox nc -l -p PORT -e PROG: run PROG, no network.
                f.write("#!/bin/sh\nshift; shift; shift; shift; shift\n"
                        "echo fake-nc \"$@\" >&2; sleep 0.5; exec \"$@\"\n")
            os.chmod(os.path.join(bindir, "busybox"), 0o755)
            prog = os.path.join(tmp, "prog.sh")
            with open(prog, "w") as f:
                f.write("#!/bin/sh\necho prog-ran >&2\nexit 3\n")
            os.chmod(prog, 0o755)
            out = os.path.join(tmp, "out")
            script = (". %s/lib.sh\n. %s/agent.sh\nport_listening() { true; }\n"
                      "step listen listen_on recv 7001 %s\n"
                      "step recv wait_listener 10; echo rc=$?\n"
                      % (DOM0_JOB_DIR, DOM0_JOB_DIR, prog))
            env = dict(os.environ, PVSR_OUT=out,
                       PATH=bindir + os.pathsep + os.environ["PATH"],
                       PVSR_CONSOLE=os.path.join(tmp, "console"))
            res = subprocess.run(["sh", "-c", script], env=env,
                                 capture_output=True, text=True, timeout=30)
            self.assertIn("rc=3", res.stdout)
            with open(os.path.join(out, "commands.log")) as f:
                log = f.read()
            self.assertIn("prog-ran", log)
            self.assertIn("listener exit status 3", log)


class WasSuspendedTest(unittest.TestCase):
    """agent.sh was_suspended after a failed move, with a fake
    xenstore-read (the guest's data/pvsr/state) and xl (it runs)."""

    def run_it(self, state):
        with tempfile.TemporaryDirectory() as tmp:
            bindir = os.path.join(tmp, "bin")
            os.makedirs(bindir)
            for name, body in (("xenstore-read", "echo '%s'" % state),
                               ("xl", "printf 'Name ID Mem VCPUs State Time(s) "
                                "Security Reason-Code\\npvsr-guest 3 128 4 "
                                "-b---- 1.0 - -\\n'")):
                with open(os.path.join(bindir, name), "w") as f:
                    f.write("#!/bin/sh\n%s\n" % body)
                os.chmod(os.path.join(bindir, name), 0o755)
            out = os.path.join(tmp, "out")
            script = (". %s/lib.sh\n. %s/scenarios.sh\n. %s/agent.sh\n"
                      "GUEST_NAME=pvsr-guest DOMID=3\n"
                      "was_suspended 2 1; echo rc=$?\n"
                      % (DOM0_JOB_DIR, DOM0_JOB_DIR, DOM0_JOB_DIR))
            env = dict(os.environ, PVSR_OUT=out,
                       PATH=bindir + os.pathsep + os.environ["PATH"],
                       PVSR_CONSOLE=os.path.join(tmp, "console"))
            res = subprocess.run(["sh", "-c", script], env=env,
                                 capture_output=True, text=True, timeout=30)
            with open(os.path.join(out, "suspended-2")) as f:
                return res.stdout.strip(), f.read().strip()

    def test_tells_cancelled_from_never_suspended(self):
        self.assertEqual(self.run_it("resumed 2"), ("rc=0", "yes"))
        self.assertEqual(self.run_it("ready"), ("rc=0", "no"))
        self.assertEqual(self.run_it("failed"), ("rc=0", "failed"))


class NetArgsTest(unittest.TestCase):
    def test_the_two_ends_cross(self):
        a = " ".join(hosts.net_args("A", 5001, 5002))
        b = " ".join(hosts.net_args("B", 5002, 5001))
        self.assertIn("udp=127.0.0.1:5002,localaddr=127.0.0.1:5001", a)
        self.assertIn("udp=127.0.0.1:5001,localaddr=127.0.0.1:5002", b)
        self.assertNotEqual(hosts.HOST_MAC["A"], hosts.HOST_MAC["B"])

    def test_replace_arg(self):
        cmd = ["q", "-m", "2048", "-kernel", "/x"]
        self.assertEqual(hosts.replace_arg(cmd, "-m", "1200"),
                         ["q", "-m", "1200", "-kernel", "/x"])
        with self.assertRaises(ValueError):
            hosts.replace_arg(cmd, "-cpu", "Westmere")

    def test_shadow_paging_from_config(self):
        self.assertTrue(hosts.shadow_paging("CONFIG_PV=y\nCONFIG_SHADOW_PAGING=y\n"))
        self.assertFalse(hosts.shadow_paging("# CONFIG_SHADOW_PAGING is not set\n"))


class PlanTest(unittest.TestCase):
    def plan(self, scenario, cycles):
        import argparse
        return hosts.TwoHostRun(argparse.Namespace(scenario=scenario, cycles=cycles))

    def test_ops_and_first_live_send_from_b(self):
        r = self.plan("migrate-2host", 3)
        self.assertEqual([r.op_of(k) for k in (1, 2, 3)], ["migrate"] * 3)
        self.assertEqual(r.first_live_send_from_b(), 2)
        self.assertIsNone(self.plan("migrate-2host", 1).first_live_send_from_b())
        self.assertIsNone(self.plan("save-restore-2host", 4).first_live_send_from_b())
        r = self.plan("checkpoint-migrate-2host", 4)
        self.assertEqual([r.op_of(k) for k in (1, 2, 3, 4)],
                         ["checkpoint", "migrate", "checkpoint", "migrate"])
        self.assertEqual(r.first_live_send_from_b(), 4)


class MemoryNoteTest(unittest.TestCase):
    def test_names_a_receiver_too_small_for_the_guest(self):
        import argparse
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "out", "steps"))
            with open(os.path.join(tmp, "out", "steps.tsv"), "w") as f:
                f.write("7\txl-info\t0\t20.1\t0.20\n")
            out = os.path.join(tmp, "out", "steps", "07-xl-info.out")
            r = hosts.TwoHostRun(argparse.Namespace(memory=128))
            r.hosts = {"B": hosts.Host("B", _FakeRun(tmp))}
            with open(out, "w") as f:
                f.write("host : dom0\nfree_memory            : 97\n")
            self.assertEqual(r.memory_note("B"), "; host B had 97 MiB free "
                             "(xl info at boot) for a 128 MiB guest")
            with open(out, "w") as f:
                f.write("free_memory            : 746\n")
            self.assertEqual(r.memory_note("B"), "")


class ExpectedReturnTest(unittest.TestCase):
    def reports(self, returns):
        lines = []
        for k, ret in returns.items():
            lines.append("# pvsr-report cycle=%d rc=%d called=1 return=%d "
                         "prepare=1 park=1 down=1 teardown=1 hypercall=1 "
                         "rebind=1 rebuild=1 hooks=1 total=8 vcpus=2"
                         % (k, ret, ret))
            lines.append("# pvsr-vcpu cycle=%d vcpu=1 outcome=%d deferred=0 "
                         "park=1 resume=1" % (k, 2 + ret))
        return cyclesmod.parse(["\n".join(lines) + "\n"])

    def test_per_cycle_return(self):
        r = self.reports({1: 1, 2: 0})
        self.assertEqual(cyclesmod.problems("migrate", 2, 2, r,
                                            want_return={1: 1, 2: 0}), [])
        p = cyclesmod.problems("migrate", 2, 2, r, want_return={1: 0, 2: 0})
        self.assertEqual(len(p), 1)
        self.assertIn("cycle 1: the suspend hypercall returned 1", p[0])


class CliTest(unittest.TestCase):
    def usage(self, *argv):
        with open(os.devnull, "w") as null:
            old = sys.stderr
            sys.stderr = null
            try:
                with self.assertRaises(SystemExit) as cm:
                    cli.main(["run", "--vcpus", "2"] + list(argv))
            finally:
                sys.stderr = old
        return cm.exception.code

    def test_two_host_scenarios_need_two_hosts(self):
        self.assertEqual(self.usage("--scenario", "migrate-2host"), 2)
        self.assertEqual(self.usage("--scenario", "migrate", "--hosts", "2"), 2)
        self.assertEqual(self.usage("--scenario", "migrate", "--control", "libvirt"), 2)
        self.assertEqual(self.usage("--scenario", "checkpoint-migrate-2host",
                                    "--hosts", "2", "--control", "libvirt"), 2)
        self.assertEqual(self.usage("--scenario", "migrate-2host", "--hosts", "2",
                                    "--mem-b", "900"), 2)

    def test_help_names_every_two_host_scenario(self):
        text = cli.build_parser()._subparsers._group_actions[0].choices["run"] \
            .format_help()
        for name in hosts.TWO_HOST_SCENARIOS:
            self.assertIn(name, text)


if __name__ == "__main__":
    unittest.main()
