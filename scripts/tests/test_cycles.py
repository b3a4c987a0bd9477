# SPDX-License-Identifier: GPL-2.0
"""The guest's pvsr-report lines: parsing, duplicates after a migration,
the "cycles" JSON and the verdicts on them (no QEMU)."""
import unittest

from pvsr_harness import cycles

# As the guest prints them (test-guest/suspend.c), with console noise.
LOG = """\
pvsr-guest: 4 vCPUs online
KTAP version 1
# pvsr-report cycle=0 rc=-7 called=0 return=0 prepare=1000 park=7069628 down=533636 teardown=0 hypercall=0 rebind=0 rebuild=0 hooks=2000 total=13262721 vcpus=4
# pvsr-vcpu cycle=0 vcpu=1 outcome=3 deferred=0 park=400359 resume=5225920
# pvsr-error cycle=0 code=a subsystem suspend hook failed step=hooks vcpu=-1 hypercall=-1 subop=-1 xen_errno=42 port=0 hook=selftest-refuse
ok 26 control_unknown_value_ignored
# control/shutdown: suspend
# pvsr-report cycle=1 rc=0 called=1 return=0 prepare=1000 park=1871360 down=74690 teardown=1233071 hypercall=1354161463 rebind=287418 rebuild=15941102 hooks=2000 total=1390362385 vcpus=4
# pvsr-vcpu cycle=1 vcpu=1 outcome=2 deferred=0 park=148842 resume=405153
# pvsr-vcpu cycle=1 vcpu=2 outcome=2 deferred=0 park=257978 resume=109874
# pvsr-vcpu cycle=1 vcpu=3 outcome=2 deferred=0 park=1395743 resume=126438
ok 27 resume_1_all_vcpus_back
"""

CYCLE2 = """\
[2026-11-23 07:14:00] # pvsr-report cycle=2 rc=0 called=1 return=0 prepare=1000 park=4128049 down=70104 teardown=276052 hypercall=874361589 rebind=272767 rebuild=8614253 hooks=2000 total=900703185 vcpus=4\r
# pvsr-vcpu cycle=2 vcpu=1 outcome=2 deferred=0 park=255937 resume=338636
# pvsr-vcpu cycle=2 vcpu=2 outcome=2 deferred=0 park=185316 resume=103854
# pvsr-vcpu cycle=2 vcpu=3 outcome=2 deferred=0 park=2023181 resume=275730
"""

STEPS = [{"name": n, "rc": 0, "duration": d} for n, d in (
    ("create", 3.5), ("save-1", 1.84), ("restore-1", 0.92),
    ("save-2", 1.26), ("restore-2", 0.88))]


def line(cycle=1, rc=0, ret=0, vcpus=2, **phases):
    ph = dict(prepare=5, park=10, down=20, teardown=30, hypercall=4000,
              rebind=50, rebuild=60, hooks=7, complete=3, total=4185)
    ph.update(phases)
    text = "# pvsr-report cycle=%d rc=%d called=1 return=%d %s vcpus=%d\n" % (
        cycle, rc, ret, " ".join("%s=%d" % (p, ph[p]) for p in cycles.PHASES), vcpus)
    for v in range(1, vcpus):
        text += "# pvsr-vcpu cycle=%d vcpu=%d outcome=%d deferred=0 park=1 resume=2\n" % (
            cycle, v, 3 if ret == 1 else 2)
    return text


class ParseTest(unittest.TestCase):
    def test_fields(self):
        r = cycles.parse(LOG)
        self.assertEqual(sorted(r.report), [0, 1])
        self.assertEqual(r.report[1]["park"], 1871360)
        self.assertEqual(r.report[1]["vcpus"], 4)
        self.assertEqual(r.vcpu[1][3], {"vcpu": 3, "outcome": 2, "deferred": 0,
                                        "park_ns": 1395743, "resume_ns": 126438})
        # The error's code text keeps its spaces; numbers become ints.
        self.assertEqual(r.error[0]["code"], "a subsystem suspend hook failed")
        self.assertEqual(r.error[0]["xen_errno"], 42)
        self.assertEqual(r.error[0]["vcpu"], -1)
        self.assertEqual(r.error[0]["hook"], "selftest-refuse")

    def test_report_without_complete_phase(self):
        # Logs from before "complete" was split off "hooks": None.
        r = cycles.parse(LOG)
        self.assertIsNone(r.report[1]["complete"])
        r = cycles.parse(line(cycle=3, complete=9))
        self.assertEqual(r.report[3]["complete"], 9)

    def test_prefixes_and_cr(self):
        r = cycles.parse([LOG, CYCLE2])
        self.assertEqual(r.report[2]["total"], 900703185)

    def test_migration_duplicates_are_dropped(self):
        # The same lines in guest-NAME.log and twice in --incoming.log.
        r = cycles.parse([LOG, LOG + CYCLE2, CYCLE2])
        self.assertEqual(sorted(r.report), [0, 1, 2])
        self.assertEqual(r.conflicts, {})
        self.assertGreater(r.duplicates, 0)
        self.assertEqual(cycles.problems("migrate", 2, 4, r), [])

    def test_conflicting_reports_fail(self):
        r = cycles.parse([LOG, LOG.replace("park=1871360", "park=1")])
        probs = cycles.problems("save-restore", 1, 4, r)
        self.assertTrue(any("cycle 1: conflicting pvsr-report" in p for p in probs), probs)

    def test_cut_off_line(self):
        # The guest died while printing: the line is incomplete.
        r = cycles.parse("# pvsr-report cycle=1 rc=0 called=1 return=0 prepare=1000 park=10 down=2")
        self.assertNotIn(1, r.report)
        probs = cycles.problems("save-restore", 1, 2, r)
        self.assertTrue(any("no pvsr-report" in p for p in probs), probs)
        self.assertTrue(any("incomplete report line" in p for p in probs), probs)

    def test_other_lines_ignored(self):
        r = cycles.parse("# pvsr-guest: 2 suspend cycles\nok 1 pvsr-report\n")
        self.assertEqual((r.report, r.vcpu, r.error), ({}, {}, {}))


class JsonTest(unittest.TestCase):
    def test_shape(self):
        r = cycles.parse([LOG, CYCLE2])
        cs = cycles.cycles_json("save-restore", 2, r, STEPS)
        self.assertEqual([c["cycle"] for c in cs], [1, 2])   # cycle 0 left out
        c = cs[0]
        self.assertEqual(c["op"], "save-restore")
        self.assertEqual(c["toolstack_s"], 2.76)             # save-1 + restore-1
        g = c["guest"]
        self.assertEqual((g["return"], g["rc"]), (0, 0))
        self.assertEqual(sorted(g["phase_ns"]), sorted(cycles.PHASES))
        self.assertEqual(g["phase_ns"]["rebuild"], 15941102)
        self.assertEqual([v["vcpu"] for v in g["vcpus"]], [1, 2, 3])
        self.assertEqual(g["vcpus"][0], {"vcpu": 1, "outcome": 2, "deferred": 0, "park_ns": 148842,
                                         "resume_ns": 405153})
        self.assertNotIn("error", g)
        for k, v in g["phase_ns"].items():
            # LOG is from before "complete" was a phase of its own.
            if k in cycles.OPTIONAL_PHASES:
                self.assertIsNone(v)
            else:
                self.assertIsInstance(v, int)

    def test_toolstack_per_op(self):
        steps = [{"name": "checkpoint-1", "duration": 1.5},
                 {"name": "migrate-1", "duration": 3.25}]
        self.assertEqual(cycles.toolstack_seconds("checkpoint", 1, steps), 1.5)
        self.assertEqual(cycles.toolstack_seconds("migrate", 1, steps), 3.25)
        self.assertIsNone(cycles.toolstack_seconds("migrate", 2, steps))
        # A save without its restore has no toolstack time.
        self.assertIsNone(cycles.toolstack_seconds(
            "save-restore", 1, [{"name": "save-1", "duration": 1.0}]))

    def test_missing_cycle_is_null(self):
        cs = cycles.cycles_json("checkpoint", 2, cycles.parse(line(ret=1)), [])
        self.assertEqual(cs[0]["op"], "checkpoint")
        self.assertIsNotNone(cs[0]["guest"])
        self.assertIsNone(cs[1]["guest"])
        self.assertIsNone(cs[1]["toolstack_s"])

    def test_boot_has_no_cycles(self):
        self.assertEqual(cycles.cycles_json("boot", 1, cycles.parse(LOG), STEPS), [])
        self.assertEqual(cycles.problems("boot", 1, 4, cycles.parse("")), [])

    def test_error_is_kept(self):
        text = line(rc=-5, ret=-99, hypercall=0, rebind=0, rebuild=0) + (
            "# pvsr-error cycle=1 code=a vCPU did not park step=park vcpu=1 "
            "hypercall=-1 subop=-1 xen_errno=0 port=0 hook=-\n")
        g = cycles.cycles_json("save-restore", 1, cycles.parse(text), [])[0]["guest"]
        self.assertEqual(g["rc"], -5)
        self.assertEqual(g["error"]["code"], "a vCPU did not park")
        self.assertEqual(g["error"]["vcpu"], 1)
        self.assertIn("rc -5 (a vCPU did not park step=park vcpu=1",
                      cycles.summary_line({"cycle": 1, "op": "save-restore",
                                           "toolstack_s": None, "guest": g}))


    def test_request_path_and_downtime(self):
        text = line(ret=1) + (
            "# pvsr-request cycle=1 via=evtchn\n"
            "# pvsr-downtime cycle=1 wall_park_ns=1764659000123456789 "
            "wall_release_ns=1764659000456789012\n") + line(cycle=2, ret=1) + (
            "# pvsr-request cycle=2 via=xenstore\n"
            "# pvsr-downtime cycle=2 wall_park_ns=1764659001000000000 "
            "wall_release_ns=0\n")
        cs = cycles.cycles_json("checkpoint", 2, cycles.parse(text), [])
        g1, g2 = cs[0]["guest"], cs[1]["guest"]
        self.assertEqual(g1["request_via"], "evtchn")
        self.assertEqual(g1["downtime_ns"], 333332223)
        self.assertEqual(g2["request_via"], "xenstore")
        # Backed out before the complete hooks: no release, no downtime.
        self.assertIsNone(g2["downtime_ns"])

    def test_request_path_verdict(self):
        text = line(ret=1) + "# pvsr-request cycle=1 via=evtchn\n" + \
            line(cycle=2, ret=1) + "# pvsr-request cycle=2 via=xenstore\n" + \
            line(cycle=3, ret=1)
        r = cycles.parse(text)
        on = cycles.request_problems(3, r, channel=True)
        self.assertEqual(len(on), 2, on)
        self.assertIn("cycle 2: the suspend request came through xenstore, not "
                      "evtchn", on[0])
        self.assertIn("cycle 3: the guest printed no pvsr-request line", on[1])
        off = cycles.request_problems(2, r, channel=False)
        self.assertEqual(len(off), 1, off)
        self.assertIn("cycle 1: the suspend request came through evtchn", off[0])
        self.assertTrue(cycles.suspend_channel_on([]))
        self.assertTrue(cycles.suspend_channel_on(["pvsr.trace=1"]))
        self.assertFalse(cycles.suspend_channel_on(["pvsr.suspend_evtchn=0"]))
        self.assertEqual(cycles.offline_vcpus(["pvsr.offline=2"]), 2)

    def test_check_times(self):
        text = line(ret=1) + ("# pvsr-checks cycle=1 total=30000000 "
                              "own_stack=20000000 timers=10000000\n")
        r = cycles.parse(text)
        self.assertEqual(r.checks[1], {"total": 30000000, "own_stack": 20000000,
                                       "timers": 10000000})
        g = cycles.cycles_json("checkpoint", 1, r, [])[0]["guest"]
        self.assertEqual(g["checks_ns"]["own_stack"], 20000000)
        # Cut off by a crash: kept aside, not half-read.
        cut = cycles.parse("# pvsr-checks cycle=2 total=12 own_stack=\n")
        self.assertNotIn(2, cut.checks)
        self.assertIn(2, cut.incomplete)

    def test_cut_downtime_line_is_incomplete(self):
        r = cycles.parse("# pvsr-downtime cycle=3 wall_park_ns=12\n")
        self.assertIn(3, r.incomplete)
        self.assertNotIn(3, r.downtime)


class HotplugTest(unittest.TestCase):
    def test_lines_and_summary(self):
        log = ("# pvsr-hotplug vcpu=4 state=online ns=1757829\r\n"
               "[2026] # pvsr-hotplug vcpu=4 state=offline ns=912\n"
               "# pvsr-guest: 2 vCPU(s) taken down and 4 brought up by the "
               "toolstack, 1 request(s) refused\n")
        self.assertEqual(cycles.hotplug_lines(log),
                         [{"vcpu": 4, "state": "online", "ns": 1757829},
                          {"vcpu": 4, "state": "offline", "ns": 912}])
        self.assertEqual(cycles.hotplug_summary([log]),
                         {"downs": 2, "ups": 4, "refused": 1})
        self.assertIsNone(cycles.hotplug_summary("# pvsr-guest: 3 suspend cycles"))


class VerdictTest(unittest.TestCase):
    def probs(self, text, scenario="save-restore", n=1, vcpus=2):
        return cycles.problems(scenario, n, vcpus, cycles.parse(text))

    def test_good(self):
        self.assertEqual(self.probs(line()), [])
        old = line().replace(" complete=3", "")
        self.assertNotIn("complete", old)
        self.assertEqual(self.probs(old), [])
        self.assertEqual(self.probs(line(ret=1, rc=1), "checkpoint"), [])
        self.assertEqual(self.probs(line(1) + line(2), "migrate", 2), [])
        self.assertEqual(self.probs(line(vcpus=1), vcpus=1), [])

    def test_missing(self):
        p = self.probs(line(1), n=3)
        self.assertEqual(len(p), 1, p)
        self.assertIn("no pvsr-report from the guest for cycles 2-3 of 3", p[0])
        self.assertIn("no pvsr-report", self.probs("", n=1)[0])

    def test_failed_suspend(self):
        p = self.probs(line(rc=-3, ret=-99) +
                       "# pvsr-error cycle=1 code=VCPUOP_down failed step=down "
                       "vcpu=1 hypercall=24 subop=2 xen_errno=-22 port=0 hook=-\n")
        self.assertEqual(len(p), 1, p)
        self.assertIn("cycle 1: pvsr_suspend failed (rc -3): VCPUOP_down failed "
                      "step=down vcpu=1 hypercall=24 subop=2 xen_errno=-22", p[0])
        p = self.probs(line(rc=-3, ret=-99))
        self.assertIn("no pvsr-error line", p[0])

    def test_zero_phase_in_multi_vcpu_guest(self):
        for phase in cycles.PHASES:
            p = self.probs(line(**{phase: 0}), vcpus=4)
            self.assertTrue(any("phase %s took 0 ns with 4 vCPUs online" % phase in x
                                for x in p), (phase, p))
        p = self.probs(line(park=0, rebind=0))
        self.assertTrue(any("phases park, rebind took 0 ns" in x for x in p), p)
        # One vCPU: nothing to park, a 0 is no evidence of anything.
        self.assertEqual(self.probs(line(vcpus=1, park=0, down=0), vcpus=1), [])

    def test_wrong_return(self):
        p = self.probs(line(ret=1, rc=1))                       # save-restore wants 0
        self.assertTrue(any("returned 1, save-restore expects 0" in x for x in p), p)
        p = self.probs(line(ret=0), "checkpoint")
        self.assertTrue(any("returned 0, checkpoint expects 1" in x for x in p), p)

    def test_vcpus(self):
        p = self.probs(line(vcpus=2), vcpus=4)
        self.assertTrue(any("2 vCPU(s) took part in the suspend, the domain has 4"
                            in x for x in p), p)
        text = line(vcpus=3).replace("vcpu=2 outcome=2", "vcpu=2 outcome=4")
        p = self.probs(text, vcpus=3)
        self.assertTrue(any("expected every other vCPU rebuilt: vCPU 2 never parked"
                            in x for x in p), p)
        text = "".join(x + "\n" for x in line(vcpus=3).splitlines()
                       if "vcpu=2 " not in x)
        p = self.probs(text, vcpus=3)
        self.assertTrue(any("no pvsr-vcpu line for vCPU 2" in x for x in p), p)

    def test_offline_vcpus(self):
        # --guest-arg pvsr.offline=1: 3 of 4 vCPUs take part.
        self.assertEqual(cycles.offline_vcpus(["console=hvc0", "pvsr.offline=1"]), 1)
        self.assertEqual(cycles.offline_vcpus([]), 0)
        r = cycles.parse(line(vcpus=3))
        self.assertEqual(cycles.problems("save-restore", 1, 4, r, offline=1), [])
        p = cycles.problems("save-restore", 1, 4, r)
        self.assertTrue(any("3 vCPU(s) took part in the suspend, the domain has 4"
                            in x for x in p), p)
        p = cycles.problems("save-restore", 1, 4, cycles.parse(line(vcpus=4)),
                            offline=1)
        self.assertTrue(any("the domain has 4 (1 offline)" in x for x in p), p)

    def test_extra_cycle(self):
        p = self.probs(line(1) + line(2), n=1)
        self.assertTrue(any("reported cycle 2, but only 1 were run" in x for x in p), p)

    def test_summary_line(self):
        c = cycles.cycles_json("save-restore", 2, cycles.parse([LOG, CYCLE2]), STEPS)
        self.assertEqual(cycles.summary_line(c[0]),
                         "cycle 1 save-restore: toolstack 2.76 s; guest park 1.9 ms, "
                         "rebind+rebuild 16.2 ms, total 1390.4 ms, return 0")
        self.assertEqual(cycles.summary_line({"cycle": 3, "op": "migrate",
                                              "toolstack_s": None, "guest": None}),
                         "cycle 3 migrate: toolstack -; guest: no report")


if __name__ == "__main__":
    unittest.main()


class SummaryLineTest(unittest.TestCase):
    def test_backed_out_cycle_prints(self):
        # A suspend that failed before the hypercall (e.g. a vCPU never
        # parked) has no return value: the summary must say so, not crash.
        r = cycles.parse(line(rc=-5, ret=0, hypercall=0, rebind=0, rebuild=0)
                         .replace("called=1", "called=0"))
        g = cycles.guest_json(r, 1)
        self.assertIsNone(g["return"])
        text = cycles.summary_line({"cycle": 1, "op": "save-restore",
                                    "toolstack_s": None, "guest": g})
        self.assertIn("return not called, rc -5", text)
