# SPDX-License-Identifier: GPL-2.0
"""dom0's soak.sh run by /bin/sh with the fake xl tools (fakexen.py):
its bookkeeping only (which cycle was which op, fault records, where it
stops), nothing about Xen."""
import os
import shutil
import tempfile
import unittest

from fakexen import run_job_sh
from pvsr_harness import job as jobmod
from pvsr_harness import soak_count, soak_plan
from pvsr_harness.common import DOM0_JOB_DIR


def run_soak_job(tmp, mode, plan, host_stop=None):
    """Lay out a job folder with soak.conf and run job.sh (scenario soak)
    with the fake tools; returns (exit status, jobdir)."""
    jobdir = os.path.join(tmp, "job")
    out = os.path.join(jobdir, "out")
    os.makedirs(os.path.join(out, "console"), exist_ok=True)
    for name in os.listdir(DOM0_JOB_DIR):
        shutil.copy(os.path.join(DOM0_JOB_DIR, name), jobdir)
    with open(os.path.join(jobdir, "guest.cfg"), "w") as f:
        f.write('name = "pvsr-guest"\n')
    with open(os.path.join(jobdir, "soak.conf"), "w") as f:
        f.write(soak_plan.conf_text(plan, 100, 10))
    if host_stop:
        with open(os.path.join(jobdir, "soak-stop"), "w") as f:
            f.write(host_stop + "\n")
    with open(os.path.join(jobdir, "job.sh"), "w") as f:
        f.write(jobmod.job_script("soak", 2, soak_plan.cycles_of(plan), 2, 2,
                                  jobdir=jobdir, save_dir=os.path.join(tmp, "save"),
                                  stall_dump=0))
    return run_job_sh(tmp, jobdir, out, mode, timeout=120), jobdir


class SoakJobTest(unittest.TestCase):
    def test_plan_runs_in_order(self):
        # (The fake xl unpause resets the guest to "ready": the faults that
        # pause it are left to the real runs.)
        plan = [("save-restore", 2), ("migrate", 1), ("fault-unknown", 2)]
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_soak_job(tmp, "running", plan)
            out = os.path.join(jobdir, "out")
            res = jobmod.read_result(jobdir)
            self.assertEqual(rc, 0, res)
            self.assertEqual(res["outcome"], "gone")
            self.assertEqual(res["soak_cycles"], "5")
            self.assertNotIn("soak_stop_cycle", res)
            kinds = soak_count.read_cycle_kinds(os.path.join(out, "soak-cycles.tsv"))
            self.assertEqual([(k, v["kind"], v["fault"]) for k, v in sorted(kinds.items())], [
                (1, "save-restore", None), (2, "save-restore", None), (3, "migrate", None),
                (4, "save-c", "unknown"), (5, "save-c", "unknown")])
            faults = soak_count.read_faults(os.path.join(out, "soak-faults.tsv"))
            self.assertEqual([(f["fault"], f["first_cycle"], f["last_cycle"], f["outcome"])
                              for f in faults],
                             [("unknown", 4, 4, "ok"), ("unknown", 5, 5, "ok")])
            names = [s["name"] for s in jobmod.read_steps(jobdir)]
            for want in ("save-1", "restore-1", "migrate-3", "unknown-4",
                         "unknown-reported-4", "unknown-clear-4", "checkpoint-4",
                         "unknown-5", "checkpoint-5", "shutdown"):
                self.assertIn(want, names)

    def test_failed_xl_stops_at_its_cycle(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_soak_job(tmp, "save-fails", [("save-restore", 3)])
            res = jobmod.read_result(jobdir)
            self.assertNotEqual(rc, 0)
            self.assertEqual(res["soak_stop_cycle"], "1")
            self.assertEqual(res["soak_stop_reason"], "xl save failed (step save-1)")
            self.assertEqual(res["soak_cycles"], "0")
            names = [s["name"] for s in jobmod.read_steps(jobdir)]
            self.assertNotIn("save-2", names)
            # The stopped guest is dumped for the host, then powered off.
            self.assertIn("dump-core", names)
            self.assertIn("shutdown", names)

    def test_host_stop_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_soak_job(tmp, "running", [("save-restore", 3)],
                                      host_stop="7 cycle 7: resume_7_ipi_sequence failed")
            res = jobmod.read_result(jobdir)
            self.assertNotEqual(rc, 0)
            self.assertEqual(res["soak_stop_cycle"], "7")
            self.assertEqual(res["soak_stop_reason"], "the host found a failed check: "
                             "cycle 7: resume_7_ipi_sequence failed")
            names = [s["name"] for s in jobmod.read_steps(jobdir)]
            self.assertNotIn("save-1", names)

    def test_unknown_plan_entry(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_soak_job(tmp, "running", [("nonsense", 1)])
            res = jobmod.read_result(jobdir)
            self.assertNotEqual(rc, 0)
            self.assertEqual(res["soak_stop_reason"], "unknown soak plan entry 'nonsense'")

    def test_toolstack_that_does_not_fail_is_a_stop(self):
        # The fake xl save succeeds (the domain is saved and gone): the
        # fault was not injected, and the soak says so.
        with tempfile.TemporaryDirectory() as tmp:
            rc, jobdir = run_soak_job(tmp, "running", [("fault-toolstack-fail", 1)])
            res = jobmod.read_result(jobdir)
            self.assertNotEqual(rc, 0)
            self.assertEqual(res["soak_stop_cycle"], "1")
            self.assertIn("did not fail", res["soak_stop_reason"])
            faults = soak_count.read_faults(os.path.join(jobdir, "out", "soak-faults.tsv"))
            self.assertEqual([(f["fault"], f["outcome"]) for f in faults],
                             [("toolstack-fail", "failed")])
