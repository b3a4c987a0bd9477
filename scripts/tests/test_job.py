# SPDX-License-Identifier: GPL-2.0
"""dom0 job scripts (lib.sh, scenarios.sh, generated job.sh), run offline
with /bin/sh and fake xl tools."""
import os
import subprocess
import tempfile
import unittest

from pvsr_harness import job as jobmod
from pvsr_harness.common import DOM0_JOB_DIR
from fakexen import run_job


class StepTest(unittest.TestCase):
    def test_step_records_command_status_duration(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = (". %s/lib.sh\n"
                      "step hello echo \"it's\" \"a b\"\n"
                      "step fails sh -c 'echo oops; exit 3'\n"
                      "echo rc=$?\n" % DOM0_JOB_DIR)
            env = dict(os.environ, PVSR_OUT=tmp,
                       PVSR_CONSOLE=os.path.join(tmp, "console"))
            res = subprocess.run(["sh", "-c", script], env=env,
                                 capture_output=True, text=True)
            self.assertIn("rc=3", res.stdout)
            with open(os.path.join(tmp, "steps.tsv")) as f:
                rows = [line.rstrip("\n").split("\t") for line in f]
            self.assertEqual([(r[0], r[1], r[2]) for r in rows],
                             [("1", "hello", "0"), ("2", "fails", "3")])
            float(rows[0][4])
            with open(os.path.join(tmp, "commands.log")) as f:
                log = f.read()
            self.assertIn("$ echo 'it'\\''s' 'a b'\n  | it's a b\n", log)
            self.assertIn("# step 2 fails: exit 3 after", log)
            self.assertIn("  | oops", log)
            with open(os.path.join(tmp, "console")) as f:
                marks = f.read()
            self.assertIn("PVSR-MARK: step-begin 1 hello", marks)
            self.assertIn("PVSR-MARK: step-end 2 fails rc=3", marks)


class JobScriptTest(unittest.TestCase):
    def test_job_script(self):
        s = jobmod.job_script("save-restore", 4, 3, 100, 50)
        for want in (". /job/lib.sh", "VCPUS=4", "CYCLES=3", "GUEST_TIMEOUT=100",
                     "STATE_TIMEOUT=50", "SAVE_DIR=/var/lib/pvsr",
                     "run_scenario save-restore"):
            self.assertIn(want, s)
        with self.assertRaises(ValueError):
            jobmod.job_script("nope", 1, 1, 1, 1)

    def test_every_scenario_has_a_function(self):
        from pvsr_harness.xlcfg import SCENARIOS
        text = ""
        for name in ("scenarios.sh", "remus.sh", "compare.sh", "soak.sh"):
            with open(os.path.join(DOM0_JOB_DIR, name)) as f:
                text += f.read()
        for s in SCENARIOS:
            self.assertIn("scenario_%s() {" % s.replace("-", "_"), text)

    def test_scripts_parse(self):
        for name in ("lib.sh", "scenarios.sh", "remus.sh", "compare.sh",
                     "soak.sh", "migrate-transport.sh"):
            res = subprocess.run(["sh", "-n", os.path.join(DOM0_JOB_DIR, name)],
                                 capture_output=True, text=True)
            self.assertEqual(res.returncode, 0, res.stderr)


class FakeScenarioTest(unittest.TestCase):
    def calls(self, jobdir):
        with open(os.path.join(os.path.dirname(jobdir), "fake", "calls")) as f:
            return f.read().splitlines()

    def test_boot_poweroff(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "poweroff")
            self.assertEqual(rc, 0)
            self.assertEqual(jobmod.read_result(jobdir)["outcome"], "gone")
            names = [s["name"] for s in jobmod.read_steps(jobdir)]
            self.assertEqual(names, ["dom0-weight", "create", "domid", "unpause",
                                     "wait-guest-end",
                                     "xl-dmesg", "dom0-dmesg", "xl-guest-log"])
            self.assertIn("xl create -p %s/guest.cfg" % jobdir, self.calls(jobdir))
            # Dom0 gets the CPU before the guest's vCPUs.
            self.assertEqual(self.calls(jobdir)[0], "xl sched-credit2 -d Domain-0 -w 65535")
            self.assertEqual(jobmod.read_result(jobdir)["dom0_weight"], "65535")

    def test_boot_crash_dumps_every_vcpu(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "crash", vcpus=2)
            self.assertNotEqual(rc, 0)
            self.assertEqual(jobmod.read_result(jobdir)["outcome"], "crashed")
            calls = self.calls(jobdir)
            self.assertIn("xenctx -a 7 0", calls)
            self.assertIn("xenctx -a 7 1", calls)
            self.assertIn("xl destroy 7", calls)
            # the core is dumped before the domain is destroyed
            dump = [c for c in calls if c.startswith("xl dump-core 7 ")]
            self.assertEqual(len(dump), 1, calls)
            self.assertLess(calls.index(dump[0]), calls.index("xl destroy 7"))
            with open(os.path.join(jobdir, "out", "cores", "guest-end.core")) as f:
                self.assertIn("fake core", f.read())

    def test_save_that_never_suspends_is_dumped_while_it_stalls(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "save-stalls", scenario="save-restore",
                                 guest_timeout=5, stall_dump=1)
            self.assertNotEqual(rc, 0)
            res = jobmod.read_result(jobdir)
            self.assertEqual(res["stall_dump"], "save-1")
            self.assertEqual(res["failed_step"], "save-1")
            calls = self.calls(jobdir)
            # paused for the dump, let go again, while xl save still waits
            i = [n for n, c in enumerate(calls) if c.startswith("xl dump-core 7 ")][0]
            self.assertIn("stall-save-1", calls[i])
            self.assertLess(calls.index("xl pause 7"), i)
            self.assertLess(i, calls.index("xl unpause 7", i))
            self.assertTrue(os.path.isfile(os.path.join(
                jobdir, "out", "cores", "guest-stall-save-1.core")))

    def test_no_stall_dump_when_off(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "save-stalls", scenario="save-restore",
                                 guest_timeout=5, stall_dump=0)
            self.assertNotIn("stall_dump", jobmod.read_result(jobdir))

    def test_boot_hang_times_out(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "hang", vcpus=1, guest_timeout=1)
            self.assertNotEqual(rc, 0)
            self.assertEqual(jobmod.read_result(jobdir)["outcome"], "timeout")
            calls = self.calls(jobdir)
            self.assertIn("xl pause 7", calls)
            self.assertIn("xenctx -a 7 0", calls)

    def test_create_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "create-fails")
            self.assertNotEqual(rc, 0)
            self.assertEqual(jobmod.read_result(jobdir)["outcome"], "create-failed")

    def xl_calls(self, jobdir):
        return [c for c in self.calls(jobdir) if c.startswith(("xl ", "xenstore-write"))
                and not c.startswith(("xl list", "xl dmesg"))]

    def test_save_restore_cycles(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "running", scenario="save-restore", cycles=2)
            with open(os.path.join(jobdir, "out", "commands.log")) as f:
                self.assertEqual(rc, 0, f.read())
            save = os.path.join(tmp, "save", "guest.save")
            self.assertEqual(self.xl_calls(jobdir), [
                "xl sched-credit2 -d Domain-0 -w 65535",
                "xl create -p %s/guest.cfg" % jobdir, "xl domid pvsr-guest",
                "xl unpause 7",
                "xenstore-write /local/domain/7/control/shutdown pvsr-from-dom0",
                "xenstore-write /local/domain/7/control/shutdown ",
                "xl save pvsr-guest " + save, "xl restore " + save, "xl domid pvsr-guest",
                "xl save pvsr-guest " + save, "xl restore " + save, "xl domid pvsr-guest",
                "xenstore-write /local/domain/7/control/shutdown poweroff"])
            self.assertEqual(jobmod.read_result(jobdir)["outcome"], "gone")

    def test_unknown_control_value(self):
        for mode, reported, left in (("running", "yes", "yes"),
                                     ("bogus-silent", "no", "yes"),
                                     ("bogus-acked", "yes", "no")):
            with tempfile.TemporaryDirectory() as tmp:
                rc, jobdir = run_job(tmp, mode, scenario="save-restore",
                                     guest_timeout=1)
                res = jobmod.read_result(jobdir)
                self.assertEqual((res["control_bogus_reported"],
                                  res["control_bogus_left"]), (reported, left), mode)
                names = [s["name"] for s in jobmod.read_steps(jobdir)]
                i = names.index("wait-ready")
                self.assertEqual(names[i + 1:i + 6],
                                 ["control-bogus", "wait-bogus-reported",
                                  "control-bogus-read", "control-bogus-clear",
                                  "save-1"], mode)
                # The run goes on: the harness judges the check.
                self.assertEqual(rc, 0, mode)
                self.assertEqual(res["outcome"], "gone")
                with open(os.path.join(os.path.dirname(jobdir), "fake",
                                       "xs-control")) as f:
                    self.assertEqual(f.read(), "\n")      # cleared

    def test_checkpoint_and_migrate(self):
        for scenario, op in (("checkpoint", "xl save -c pvsr-guest"),
                             ("migrate", "xl migrate -s /job/migrate-transport.sh "
                              "pvsr-guest localhost")):
            with tempfile.TemporaryDirectory() as tmp:
                rc, jobdir = run_job(tmp, "running", scenario=scenario, cycles=3)
                self.assertEqual(rc, 0, scenario)
                ops = [c for c in self.xl_calls(jobdir) if c.startswith(op)]
                self.assertEqual(len(ops), 3, (scenario, self.xl_calls(jobdir)))
                self.assertEqual(jobmod.read_result(jobdir)["outcome"], "gone")

    def test_xl_failure_fails_the_scenario(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "save-fails", scenario="save-restore")
            self.assertNotEqual(rc, 0)
            res = jobmod.read_result(jobdir)
            self.assertEqual(res["failed_step"], "save-1")

    def test_guest_never_ready(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_job(tmp, "hang", scenario="checkpoint", guest_timeout=1)
            self.assertNotEqual(rc, 0)
            res = jobmod.read_result(jobdir)
            self.assertEqual(res["outcome"], "guest-failed")
            self.assertIn("ready", res["failed_waiting_for"])


if __name__ == "__main__":
    unittest.main()
