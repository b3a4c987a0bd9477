# SPDX-License-Identifier: GPL-2.0
"""scripts/soak offline: counting, the JSON, stop-on-failure, the plan.

Fixtures (fixtures/soak/) are the real guest console of a 4-vCPU remus
soak under Xen 4.17.5 (build/soak/r1, 2026-12-02):
  remus-cycles-1-3.log                   cycles 1-3, every check passed;
  remus-cycles-27-29-user-check-failed.log  cycles 27-29, where the real
      run failed resume_28_user_can_read_user ("no timer event reached the
      vCPU in 50 ms of user mode");
  remus-cycles-5-6-lost-ipi.log          cycles 5-6 of a guest built with
      PVSR_SELFTEST_LOSE_IPI_AFTER=5 (build/soak/loseipi5): cycle 6's
      ipi_sequence names the lost ping.
Tests that need another failure edit a copy of the passing excerpt in
memory (said so where it happens).
"""
import argparse
import json
import os
import tempfile
import unittest

from pvsr_harness import soak_count, soak_plan
from pvsr_harness import job as jobmod
from pvsr_harness.soak_run import SoakRun, cycle_report_lines

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "soak")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def tally_of(*texts):
    t = soak_count.Tally()
    for text in texts:
        t.feed_text(text)
    return t


PASSING = "remus-cycles-1-3.log"
FAILED_28 = "remus-cycles-27-29-user-check-failed.log"
CHECKS_PER_CYCLE = 17          # resume_check.c: 13 cases + 4 boot checks rerun


class CountTest(unittest.TestCase):
    def test_passing_cycles(self):
        t = tally_of(fixture(PASSING))
        checks = t.checks()
        self.assertEqual(sorted(checks), [1, 2, 3])
        for k in (1, 2, 3):
            self.assertEqual(len(checks[k]), CHECKS_PER_CYCLE)
            self.assertTrue(all(ok for ok, _ in checks[k].values()))
        self.assertIsNone(t.first_failure())
        c = t.counts()
        self.assertEqual(c["by_category"], dict.fromkeys(soak_count.CATEGORY_NAMES, 0))
        self.assertEqual(c["by_check"], {})

    def test_latencies_from_report_and_vcpu_lines(self):
        t = tally_of(fixture(PASSING))
        lat = t.latencies()
        self.assertEqual(lat["park_phase"]["n"], 3)
        self.assertEqual(lat["vcpu_park"]["n"], 9)      # vCPUs 1-3, 3 cycles
        self.assertEqual(lat["vcpu_resume"]["n"], 9)
        # Cycle 1's line: park=14775895, the worst park phase of the three?
        parks = [t.reports.report[k]["park"] for k in (1, 2, 3)]
        self.assertEqual(lat["park_phase"]["worst_ns"], max(parks))
        self.assertEqual(lat["park_phase"]["median_ns"], sorted(parks)[1])
        self.assertIn(14775895, parks)
        # Three values: nearest rank puts p90 and p99 on the worst.
        self.assertEqual(lat["park_phase"]["p90_ns"], max(parks))
        self.assertEqual(lat["park_phase"]["p99_ns"], max(parks))

    def test_percentiles_nearest_rank(self):
        values = list(range(1, 101))            # 1..100
        st = soak_count.stats(list(reversed(values)))
        self.assertEqual((st["median_ns"], st["p90_ns"], st["p99_ns"], st["worst_ns"]),
                         (50, 90, 99, 100))
        st = soak_count.stats(list(range(1, 11)))      # 10 values
        self.assertEqual((st["p90_ns"], st["p99_ns"]), (9, 10))
        self.assertEqual(soak_count.stats([7])["p99_ns"], 7)
        empty = soak_count.stats([])
        self.assertEqual((empty["n"], empty["p90_ns"], empty["worst_ns"]), (0, None, None))

    def test_repeated_lines_count_once(self):
        # After a live migration the console ring's last lines appear again
        # (and across guest-NAME.log and guest-NAME--incoming.log).
        text = fixture(PASSING)
        once, twice = tally_of(text), tally_of(text, text)
        self.assertEqual(once.checks(), twice.checks())
        self.assertEqual(once.latencies(), twice.latencies())
        self.assertEqual(twice.conflicts, [])

    def test_real_failure_stops_at_its_cycle(self):
        t = tally_of(fixture(FAILED_28))
        k, what = t.first_failure()
        self.assertEqual(k, 28)
        self.assertEqual(what, ["resume_28_user_can_read_user failed (other failed checks)"])
        self.assertEqual(t.failure_detail(28), [
            "resume_28_user_can_read_user: after->ticks > before->ticks: no timer "
            "event reached the vCPU in 50 ms of user mode"])
        s = soak_count.soak_json(t, {27: {"kind": "checkpoint", "fault": None},
                                     28: {"kind": "checkpoint", "fault": None},
                                     29: {"kind": "checkpoint", "fault": None}},
                                 [], {})
        # Nothing after the failed cycle is counted.
        self.assertEqual([c["cycle"] for c in s["cycles"]], [27, 28])
        self.assertEqual(s["cycles_done"], {"checkpoint": 2})
        self.assertEqual(s["latency_ns"]["park_phase"]["n"], 2)
        self.assertEqual(s["failures"]["other"], 1)
        self.assertEqual(s["failed_checks"], {"user_can_read_user": 1})
        self.assertEqual(s["stopped"]["cycle"], 28)
        self.assertEqual(s["cycles"][1]["failed"], ["user_can_read_user"])
        json.dumps(s)

    def test_lost_ipi_is_named(self):
        t = tally_of(fixture("remus-cycles-5-6-lost-ipi.log"))
        self.assertEqual(t.first_failure(),
                         (6, ["resume_6_ipi_sequence failed (lost or duplicated IPIs)"]))
        s = soak_count.soak_json(t, {}, [], {})
        self.assertEqual(s["failures"]["lost_or_duplicated_ipis"], 1)
        self.assertEqual(sum(s["failures"].values()), 1)
        self.assertEqual(s["last_cycle"], 6)
        out = "\n".join(soak_count.summary_lines(s))
        self.assertIn("soak STOPPED at cycle 6", out)
        self.assertIn("resume_6_ipi_sequence failed (lost or duplicated IPIs)", out)
        self.assertIn("vCPU 2: 1 lost, duplicated or backwards sequence numbers", out)

    def test_edited_ipi_failure_in_an_earlier_cycle(self):
        # Edited from the passing capture: cycle 2's ipi_sequence failed.
        text = fixture(PASSING)
        line = next(ln for ln in text.split("\n")
                    if ln.endswith(" resume_2_ipi_sequence"))
        self.assertTrue(line.startswith("ok "))
        t = tally_of(text.replace(line, "not " + line))
        self.assertEqual(t.first_failure()[0], 2)
        self.assertEqual(t.counts(upto=2)["by_category"]["lost_or_duplicated_ipis"], 1)

    def test_every_category(self):
        for cat, checks in soak_count.CATEGORIES:
            for check in checks:
                self.assertEqual(soak_count.category(check), cat)

    def test_unknown_check_counts_as_other(self):
        t = tally_of(fixture(PASSING) + "\nnot ok 9999 resume_3_brand_new_check\n")
        c = t.counts()
        self.assertEqual(c["by_category"]["other"], 1)
        self.assertEqual(c["by_check"], {"brand_new_check": 1})
        self.assertEqual(t.first_failure()[0], 3)

    def test_skip_is_not_a_pass(self):
        text = fixture(PASSING)
        line = next(ln for ln in text.split("\n") if ln.endswith(" resume_1_timers"))
        t = tally_of(text.replace(line, line + " # SKIP no timer"))
        self.assertEqual(t.first_failure(),
                         (1, ["resume_1_timers skipped (a skip is not a pass)"]))
        self.assertEqual(t.counts()["skipped"], 1)

    def test_failed_suspend_stops(self):
        # Edited: cycle 3's suspend failed (rc < 0) with its pvsr-error line.
        text = fixture(PASSING)
        line = next(ln for ln in text.split("\n") if ln.startswith("# pvsr-report cycle=3 "))
        bad = line.replace("rc=1 ", "rc=-5 ")
        text = text.replace(line, bad + "\n# pvsr-error cycle=3 code=a vCPU did not "
                            "park step=park vcpu=2 hypercall=-1 subop=-1 xen_errno=0 port=0")
        k, what = tally_of(text).first_failure()
        self.assertEqual(k, 3)
        self.assertTrue(what[0].startswith("pvsr_suspend failed (rc -5): a vCPU did "
                                           "not park step=park vcpu=2"), what)

    def test_cycle_report_lines(self):
        lines = cycle_report_lines([fixture(FAILED_28)], 28)
        self.assertTrue(lines[0].startswith("# pvsr-report cycle=28 "))
        self.assertEqual(sum(1 for ln in lines if ln.startswith("# pvsr-vcpu cycle=28 ")), 3)
        self.assertIn("not ok 501 resume_28_user_can_read_user", lines)
        self.assertFalse(any("cycle=27 " in ln or "resume_29_" in ln for ln in lines))


class Dom0RecordTest(unittest.TestCase):
    def test_tsv_and_fault_counts(self):
        with tempfile.TemporaryDirectory() as tmp:
            cyc = os.path.join(tmp, "soak-cycles.tsv")
            with open(cyc, "w") as f:
                f.write("1\tcheckpoint\t-\t50.1\n2\tsave-c\tback-to-back\t60.2\n"
                        "3\tsave-c\tback-to-back\t61.0\nbroken line\n")
            flt = os.path.join(tmp, "soak-faults.tsv")
            with open(flt, "w") as f:
                f.write("back-to-back\t2\t3\tok\trequest 3 sent while resume 2 ran\n"
                        "pause\t4\t4\tfailed\txl pause failed\n"
                        "double-request\t5\t5\tmissed\tno second request sent\n")
            kinds = soak_count.read_cycle_kinds(cyc)
            self.assertEqual(kinds[2], {"kind": "save-c", "fault": "back-to-back"})
            self.assertEqual(soak_count.kind_counts(kinds), {"checkpoint": 1, "save-c": 2})
            faults = soak_count.read_faults(flt)
            fc = soak_count.fault_counts(faults, {"back-to-back": 1, "pause": 2,
                                                  "unknown": 1})
            self.assertEqual(fc["back-to-back"],
                             {"planned": 1, "done": 1, "missed": 0, "failed": 0})
            self.assertEqual(fc["pause"], {"planned": 2, "done": 0, "missed": 0, "failed": 1})
            self.assertEqual(fc["unknown"], {"planned": 1, "done": 0, "missed": 0, "failed": 0})
            self.assertEqual(fc["double-request"],
                             {"planned": 0, "done": 0, "missed": 1, "failed": 0})


class PlanTest(unittest.TestCase):
    def test_parse_faults(self):
        self.assertEqual(soak_plan.parse_faults("pause,unknown:3"),
                         {"pause": 1, "unknown": 3})
        self.assertEqual(set(soak_plan.parse_faults("all")),
                         set(soak_count.FAULTS) - {"vcpu-set"})
        for bad in ("nope", "pause:x", "pause:0"):
            with self.assertRaises(ValueError):
                soak_plan.parse_faults(bad)

    def test_interleave_keeps_counts_and_spreads(self):
        plan = soak_plan.build(200, 6, 4, soak_plan.parse_faults("all"))
        total = {}
        for k, n in plan:
            total[k] = total.get(k, 0) + n
        self.assertEqual(total["checkpoint"], 200)
        self.assertEqual(total["save-restore"], 6)
        self.assertEqual(total["migrate"], 4)
        for f in soak_plan.DEFAULT_MIXED_FAULTS:
            self.assertEqual(total["fault-" + f], 1)
        # Spread: other kinds sit between checkpoint blocks, not all at the end.
        kinds = [k for k, _ in plan]
        self.assertEqual(kinds[0], "checkpoint")
        self.assertLess(kinds.index("save-restore"), len(kinds) // 2)
        self.assertEqual(soak_plan.cycles_of(plan), 200 + 6 + 4 + 2 + 1 + 1 + 1 + 1)

    def test_blocks(self):
        plan = soak_plan.build(100, 0, 0, None, checkpoint_block=30)
        self.assertEqual(plan, [("checkpoint", 25)] * 4)
        self.assertEqual(soak_plan.build(30), [("checkpoint", 30)])
        with self.assertRaises(ValueError):
            soak_plan.build()

    def test_conf_text(self):
        text = soak_plan.conf_text([("checkpoint", 5), ("fault-pause", 1)], 100, 60)
        self.assertIn("SOAK_REMUS_MS=100\n", text)
        self.assertIn("SOAK_CYCLE_TIMEOUT=60\n", text)
        self.assertIn("SOAK_PLAN='checkpoint 5\nfault-pause 1'\n", text)


class StopVerdictTest(unittest.TestCase):
    """SoakRun.judge on the folder a stopped soak leaves (no QEMU)."""

    def make_run(self, tmp, console, result, cycles_tsv):
        out = os.path.join(tmp, "out")
        os.makedirs(os.path.join(out, "console"))
        os.makedirs(os.path.join(out, "steps"))
        with open(os.path.join(out, "console", "guest-pvsr-guest.log"), "w") as f:
            f.write(console)
        with open(os.path.join(out, "result.txt"), "w") as f:
            f.write("".join("%s=%s\n" % kv for kv in result))
        with open(os.path.join(out, "soak-cycles.tsv"), "w") as f:
            f.write(cycles_tsv)
        with open(os.path.join(out, "steps.tsv"), "w") as f:
            f.write("1\tcreate\t0\t30.0\t4.5\n")
        open(os.path.join(out, "steps", "01-create.out"), "w").close()
        serial = os.path.join(tmp, "serial.log")
        with open(serial, "w") as f:
            f.write("(XEN) Xen version 4.17.5 (pkg-xen-devel@lists)\n")
        args = argparse.Namespace(
            scenario="soak", vcpus=4, memory=128, cycles=30, guest_arg=[],
            accel="auto", guest_timeout=300, json=None,
            soak_plan=[("checkpoint", 30)], remus_ms=100, cycle_timeout=120,
            progress=20)
        r = SoakRun(args, progress=lambda msg: None)
        r.logs = tmp
        r.kernel = "/k/pvsr-guest"
        r.manifest = {}
        r.serial_log = serial
        r.stderr_path = os.path.join(tmp, "qemu-stderr.log")
        open(r.stderr_path, "w").close()
        r.rc_qemu = 0
        r.t_qemu = 100.0
        r.marks = {"init-start": 101.0, "toolstack-up": 102.0, "job-done": 200.0}
        return r

    def test_stopped_soak_names_cycle_and_check(self):
        console = ("KTAP version 1\n" + fixture(FAILED_28)
                   + "# pvsr-guest: 29 suspend cycles, 1 of 536 tests failed\n1..536\n")
        tsv = "".join("%d\tcheckpoint\t-\t%d.0\n" % (k, 50 + k) for k in range(1, 30))
        with tempfile.TemporaryDirectory() as tmp:
            r = self.make_run(tmp, console, [
                ("outcome", "gone"), ("soak_stop_cycle", "28"),
                ("soak_stop_reason", "the host found a failed check: cycle 28: ..."),
                ("soak_cycles", "29"), ("scenario_rc", "1")], tsv)
            r.judge()
            self.assertFalse(r.passed)
            self.assertEqual(r.errors[0], "soak stopped at cycle 28: "
                             "resume_28_user_can_read_user failed (other failed checks)")
            d = r.to_json(99.0)
            self.assertEqual(d["soak"]["stopped"]["cycle"], 28)
            self.assertEqual(d["soak"]["last_cycle"], 28)
            self.assertEqual(d["soak"]["plan"], [{"kind": "checkpoint", "count": 30}])
            json.dumps(d)

    def test_dom0_stop_without_a_failed_check(self):
        # A hang: dom0 stopped the soak at cycle 4, the guest printed
        # passing checks for 1-3 only.
        console = "KTAP version 1\n" + fixture(PASSING)
        tsv = "".join("%d\tcheckpoint\t-\t%d.0\n" % (k, 50 + k) for k in (1, 2, 3))
        with tempfile.TemporaryDirectory() as tmp:
            r = self.make_run(tmp, console, [
                ("soak_stop_cycle", "4"),
                ("soak_stop_reason", "no 'resumed 4' from the guest within 120 s"),
                ("soak_cycles", "3"), ("outcome", "timeout")], tsv)
            r.judge()
            self.assertEqual(r.errors[0], "soak stopped at cycle 4: no 'resumed 4' "
                             "from the guest within 120 s")
            self.assertEqual(r.soak["cycles_done"], {"checkpoint": 3})

    def test_short_soak_fails(self):
        console = "KTAP version 1\n" + fixture(PASSING) + "1..51\n"
        tsv = "".join("%d\tcheckpoint\t-\t%d.0\n" % (k, 50 + k) for k in (1, 2, 3))
        with tempfile.TemporaryDirectory() as tmp:
            r = self.make_run(tmp, console, [("soak_cycles", "3"), ("outcome", "gone"),
                                             ("scenario_rc", "0")], tsv)
            r.judge()
            self.assertIn("the soak ran 3 cycle(s), the plan has at least 30", r.errors)


class JobScriptTest(unittest.TestCase):
    def test_job_sources_soak(self):
        s = jobmod.job_script("soak", 4, 30, 300, 300)
        self.assertIn(". /job/soak.sh\nrun_scenario soak", s)


class TwoHostRecordTest(unittest.TestCase):
    def test_counts_over_both_hosts(self):
        from pvsr_harness import soak_twohost
        text = fixture(PASSING)
        with tempfile.TemporaryDirectory() as tmp:
            # Cycle 1 on host A's console, cycles 2-3 on B's (as after a move;
            # the lines repeated on both count once).
            for host, part in (("a", text), ("b", text)):
                d = os.path.join(tmp, "host-" + host, "out", "console")
                os.makedirs(d)
                with open(os.path.join(d, "guest-pvsr-guest.log"), "w") as f:
                    f.write(part)
            res = {"cycles": [{"cycle": k, "op": "migrate", "moved": True, "guest": {}}
                              for k in (1, 2, 3)]}
            s = soak_twohost.soak_record(res, tmp, "migrate", 3)
            self.assertEqual(s["cycles_done"], {"migrate-2host": 3})
            self.assertEqual(s["cycles_checked"], 3)
            self.assertIsNone(s["stopped"])
            self.assertEqual(s["hosts"], 2)
            self.assertEqual(s["latency_ns"]["vcpu_park"]["n"], 9)


class StopCycleTest(unittest.TestCase):
    def test_guest_failure_wins_over_a_lagging_dom0(self):
        # Seen (build/soak/c200b): dom0, two cycles behind under remus,
        # saw "failed" while it waited for cycle 26 and stopped "at 26";
        # the guest's failed check is cycle 28's.
        t = tally_of(fixture(FAILED_28))
        s = soak_count.soak_json(t, {}, [], {}, stop={
            "cycle": 26, "reason": "the guest reported failed in data/pvsr/state"})
        self.assertEqual(s["stopped"]["cycle"], 28)
        self.assertEqual(s["failures"]["other"], 1)
        self.assertEqual(s["stopped"]["dom0_reason"],
                         "the guest reported failed in data/pvsr/state")

    def test_dom0_stop_without_guest_failure(self):
        t = tally_of(fixture(PASSING))
        s = soak_count.soak_json(t, {}, [], {}, stop={"cycle": 2, "reason": "xl save failed"})
        self.assertEqual(s["stopped"]["cycle"], 2)
        self.assertEqual(s["last_cycle"], 2)
        self.assertEqual(s["stopped"]["what"], [])
