# SPDX-License-Identifier: GPL-2.0
"""The remus and compare scenarios' parsing (compare.py, timing.py) and
the bench's rows, ratios and table (benchcmp.py), on real captured console
excerpts (scripts/tests/logs/) and hand-made dom0 results."""
import os
import signal
import subprocess
import tempfile
import time
import unittest

from pvsr_harness import benchcmp, compare, cycles, linux_domu, timing

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")


def read(name):
    with open(os.path.join(LOGS, name)) as f:
        return f.read()


class Args:
    vcpus = 4
    guest_arg = []
    cycles = 1
    remus_interval = 100
    remus_seconds = 15
    compare_guests = "pvsr,linux"


class PvsrTiming(unittest.TestCase):
    def test_downtime_from_the_wall_clock_stamps(self):
        r = cycles.parse(read("pvsr-remus-4v.log"))
        self.assertEqual([compare.pvsr_downtime_ns(r, k) for k in (1, 2, 3)],
                         [1796197652901365400 - 1796197652871824384,
                          1796197653596909887 - 1796197653538720891, None])

    def test_before_and_after_the_hypercall(self):
        r = cycles.parse(read("pvsr-remus-4v.log"))
        ph = cycles.guest_json(r, 1)["phase_ns"]
        self.assertEqual(timing.pvsr_before_ns(ph), 99274 + 5633513 + 117501 + 756665)
        self.assertEqual(timing.pvsr_after_ns(ph), 281761 + 2549657 + 215768)
        self.assertIsNone(timing.pvsr_before_ns(None))


class LinuxTiming(unittest.TestCase):
    """Debian 6.1 as a PV domU: save-restore, checkpoint, live migration
    and one remus checkpoint, as its /init copied the kernel log."""

    def test_before_and_after_from_printk_stamps(self):
        segs = timing.linux_segments(read("linux-6.1-domu-4v.log"))
        self.assertEqual(len(segs), 4)
        # "Freezing user space processes" [19.664048] to "suspending
        # xenstore..." [19.687525]; "xen:grant_table: ..." [19.717901] to
        # "Restarting tasks ... done." [20.119826].
        self.assertEqual((segs[0]["before_ns"], segs[0]["after_ns"]),
                         (23477000, 401925000))
        self.assertEqual((segs[1]["before_ns"], segs[1]["after_ns"]),
                         (29641325000 - 29625649000, 29748006000 - 29703354000))
        self.assertEqual([s["start"] for s in segs],
                         [19664048000, 29625649000, 48252808000, 91967256000])

    def test_a_suspend_without_its_hypercall_lines_has_no_figures(self):
        text = ("# kmsg: [    1.000000] Freezing user space processes\n"
                "# kmsg: [    1.100000] Restarting tasks ... done.\n")
        seg = timing.linux_segments(text)[0]
        self.assertIsNone(seg["before_ns"])
        self.assertIsNone(seg["after_ns"])

    def test_an_unfinished_suspend_is_not_a_segment(self):
        text = read("linux-6.1-domu-4v.log").split("Restarting tasks")[0]
        self.assertEqual(timing.linux_segments(text), [])

    def test_repeated_lines_count_once(self):
        text = read("linux-6.1-domu-4v.log")
        self.assertEqual(len(timing.linux_segments([text, text])), 4)

    def test_downtime_from_wallgap(self):
        self.assertEqual(timing.linux_downtimes(read("linux-6.1-domu-4v.log")),
                         {1: 5583900425, 2: 2190833334, 3: 2039454634,
                          4: 2139211489})

    def test_compare_record_for_linux(self):
        res = {"linux_cycles_save": "1 1", "linux_cycles_checkpoint": "2 2",
               "linux_cycles_migrate": "3 3", "linux_cycles_remus": "4 4"}
        steps = [{"name": "linux-save-1", "duration": 6.54},
                 {"name": "linux-restore-1", "duration": 1.92},
                 {"name": "linux-checkpoint-2", "duration": 3.97},
                 {"name": "linux-migrate-3", "duration": 18.84}]
        cs, probs = compare._linux_subject("linux", [read("linux-6.1-domu-4v.log")],
                                           res, steps)
        # The excerpt has no "ok 1 linux_domu_ready" (it starts later).
        self.assertEqual(probs, ["the Linux domU did not print 'ok 1 linux_domu_ready'"])
        self.assertEqual([(c["kind"], c["before_ms"], c["after_ms"], c["downtime_ms"],
                           c["toolstack_s"]) for c in cs],
                         [("save-restore", 23.477, 401.925, 5583.9, 8.46),
                          ("checkpoint", 15.676, 44.652, 2190.833, 3.97),
                          ("migrate", 118.976, 473.369, 2039.455, 18.84),
                          ("remus", 80.714, 137.92, 2139.211, None)])

    def test_fewer_suspends_than_dom0_ran_fails(self):
        res = {"linux_cycles_save": "1 5"}
        _, probs = compare._linux_subject("linux", [read("linux-6.1-domu-4v.log")],
                                          res, [])
        self.assertIn("the Linux domU's log shows 4 suspend(s), dom0 ran 5", probs)


class Wallgap(unittest.TestCase):
    """The domU's downtime stamper, built and run on this machine: a
    stretch in which it cannot run (SIGSTOP) is its reported gap."""

    def test_a_stopped_stretch_is_the_gap(self):
        with tempfile.TemporaryDirectory() as d:
            exe = linux_domu.build_wallgap(os.path.join(d, "wallgap"))
            with open(os.path.join(d, "cycle"), "w") as f:
                f.write("7\n")
            proc = subprocess.Popen([exe, os.path.join(d, "cycle")],
                                    stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(0.3)
                proc.send_signal(signal.SIGSTOP)
                time.sleep(0.4)
                proc.send_signal(signal.SIGCONT)
                time.sleep(0.1)
                proc.send_signal(signal.SIGUSR1)
                line = proc.stdout.readline()
            finally:
                proc.kill()
                proc.wait()
        gap = timing.linux_downtimes(line)
        self.assertEqual(list(gap), [7], line)
        self.assertGreaterEqual(gap[7], 400 * 10**6, line)
        self.assertLess(gap[7], 1500 * 10**6, line)


class RemusJudging(unittest.TestCase):
    RESULT = {"remus_checkpoints": "2", "remus_window_s": "1.60",
              "remus_first": "1", "remus_last": "2", "remus_dom0_resumes": "0",
              "remus_suspends": "2", "remus_window_checkpoints": "1"}

    def test_two_good_checkpoints(self):
        text = read("pvsr-remus-4v.log")
        rec, probs = compare.judge_remus(Args, self.RESULT, cycles.parse(text), [text])
        self.assertEqual(probs, [])
        self.assertEqual(rec["checkpoints"], 2)
        self.assertEqual(rec["per_s"], 0.625)
        self.assertAlmostEqual(rec["downtime_ms"], timing.median(
            [29.541016, 58.188996]), places=3)
        self.assertEqual(rec["requests"], {"evtchn": 2})
        # An older log without the guest's check times: none, not 0.
        self.assertIsNone(rec["checks_ms"])

    def test_the_guest_checks_per_checkpoint(self):
        text = read("pvsr-remus-4v.log") + (
            "# pvsr-checks cycle=1 total=900000000 own_stack=1\n"
            "# pvsr-checks cycle=2 total=1100000000 own_stack=1\n")
        rec, _ = compare.judge_remus(Args, self.RESULT, cycles.parse(text), [text])
        self.assertEqual(rec["checks_ms"], 1000.0)

    def test_a_request_through_xenstore_fails_with_the_channel_on(self):
        text = read("pvsr-remus-4v.log").replace("cycle=2 via=evtchn",
                                                 "cycle=2 via=xenstore")
        _, probs = compare.judge_remus(Args, self.RESULT, cycles.parse(text), [text])
        self.assertEqual(len(probs), 1, probs)
        self.assertIn("cycle 2: the suspend request came through xenstore", probs[0])

    def test_a_checkpoint_the_guest_never_reported_fails(self):
        text = read("pvsr-remus-4v.log")
        res = dict(self.RESULT, remus_checkpoints="3", remus_last="3",
                   remus_suspends="3")
        _, probs = compare.judge_remus(Args, res, cycles.parse(text), [text])
        self.assertTrue(any("no pvsr-report" in p and "3" in p for p in probs), probs)

    def test_a_suspend_the_guest_did_not_count_fails(self):
        text = read("pvsr-remus-4v.log")
        res = dict(self.RESULT, remus_suspends="3")
        _, probs = compare.judge_remus(Args, res, cycles.parse(text), [text])
        self.assertEqual(probs, ["xl remus suspended the guest 3 times and dom0 "
                                 "resumed it 0 time(s) after stopping xl, but the "
                                 "guest made 2 cycles in the window"])

    def test_one_cycle_more_only_if_dom0_resumed_it(self):
        # xl's request taken after xl was killed: a cycle xl never logged.
        text = read("pvsr-remus-4v.log")
        res = dict(self.RESULT, remus_suspends="1")
        _, probs = compare.judge_remus(Args, res, cycles.parse(text), [text])
        self.assertEqual(len(probs), 1, probs)
        self.assertIn("suspended the guest 1 times and dom0 resumed it 0 time(s)",
                      probs[0])
        res["remus_dom0_resumes"] = "1"
        _, probs = compare.judge_remus(Args, res, cycles.parse(text), [text])
        self.assertEqual(probs, [])
        # Two more than xl logged is one too many even then.
        res["remus_suspends"] = "0"
        _, probs = compare.judge_remus(Args, res, cycles.parse(text), [text])
        self.assertEqual(len(probs), 1, probs)

    def test_a_real_resume_in_a_remus_window_fails(self):
        text = read("pvsr-remus-4v.log").replace(
            "cycle=2 rc=1 called=1 return=1", "cycle=2 rc=0 called=1 return=0")
        _, probs = compare.judge_remus(Args, self.RESULT, cycles.parse(text), [text])
        self.assertTrue(any("returned 0, remus expects 1" in p for p in probs), probs)

    def test_an_unfinished_window_fails(self):
        rec, probs = compare.judge_remus(Args, {}, cycles.parse(""), [""])
        self.assertIsNone(rec)
        self.assertEqual(len(probs), 1)


class CompareResult(unittest.TestCase):
    def test_cycle_kinds_from_dom0(self):
        res = {"pvsr_cycles_save": "1 2", "pvsr_cycles_checkpoint": "3 4",
               "pvsr_cycles_migrate": "5 6", "pvsr_cycles_remus": "7 9"}
        kinds = compare.cycle_kinds(res, "pvsr")
        self.assertEqual([kinds[k] for k in range(1, 10)],
                         ["save-restore"] * 2 + ["checkpoint"] * 2 +
                         ["migrate"] * 2 + ["remus"] * 3)

    def test_a_guest_dom0_never_reached_is_named_once(self):
        class A(Args):
            compare_guests = "pvsr,linux"
        text = read("pvsr-remus-4v.log")
        res = {"pvsr_cycles_save": "1 2", "pvsr_done": "no"}
        rec, probs = compare.judge_compare(
            A, res, [], "/nonexistent",
            lambda name: [text] if name == "pvsr-guest" else [])
        self.assertIn("linux: not run (dom0 stopped before this guest)", probs)
        self.assertEqual([p for p in probs if p.startswith("linux")],
                         ["linux: not run (dom0 stopped before this guest)"])
        self.assertIn("pvsr: dom0 did not finish this guest's cycles", probs)
        self.assertTrue(any("returned 1, this kind of cycle expects 0" in p
                            for p in probs), probs)
        self.assertEqual(rec["subjects"]["linux"]["cycles"], [])

    def test_no_remus_window_with_remus_seconds_0(self):
        text = read("pvsr-remus-4v.log")
        res = {"pvsr_cycles_checkpoint": "1 2", "pvsr_done": "yes"}
        unfinished = "the remus window did not finish"

        class NoWindow(Args):
            compare_guests = "pvsr"
            remus_seconds = 0

        class Window(NoWindow):
            remus_seconds = 15
        for args, want in ((NoWindow, False), (Window, True)):
            rec, probs = compare.judge_compare(args, res, [], "/nonexistent",
                                               lambda name: [text])
            self.assertEqual(any(unfinished in p for p in probs), want, probs)
        self.assertIn("pvsr remus: not run (--remus-seconds 0)",
                      compare.summary_lines(dict(rec, remus_seconds=0)))

    def test_guest_list(self):
        self.assertEqual(compare.parse_guests("pvsr,pvsr-noevt,linux"),
                         ["pvsr", "pvsr-noevt", "linux"])
        for bad in ("linux,pvsr", "pvsr,pvsr", "pvsr,bsd", ""):
            with self.assertRaises(ValueError):
                compare.parse_guests(bad)

    def test_toolstack_steps(self):
        steps = [{"name": "linux-save-1", "duration": 3.5},
                 {"name": "linux-restore-1", "duration": 2.25},
                 {"name": "linux-checkpoint-2", "duration": 1.5}]
        self.assertEqual(compare.step_seconds(
            steps, compare.toolstack_steps("linux", "save-restore", 1)), 5.75)
        self.assertEqual(compare.step_seconds(
            steps, compare.toolstack_steps("linux", "checkpoint", 2)), 1.5)
        self.assertIsNone(compare.step_seconds(
            steps, compare.toolstack_steps("linux", "migrate", 3)))


def record(label_cycles):
    """A compare record with the given {label: [(kind, before, after,
    downtime, toolstack_s)]} and remus rates."""
    subjects = {}
    for label, (cs, rate) in label_cycles.items():
        subjects[label] = {"cycles": [
            {"cycle": i + 1, "kind": k, "before_ms": b, "after_ms": a,
             "downtime_ms": d, "toolstack_s": t}
            for i, (k, b, a, d, t) in enumerate(cs)],
            "remus": {"window_checkpoints": int(rate * 10), "window_s": 10.0,
                      "per_s": rate}}
    return {"subjects": subjects}


class BenchRatios(unittest.TestCase):
    REC = record({
        "pvsr": ([("save-restore", 1.0, 3.0, 5000.0, 6.0),
                  ("save-restore", 2.0, 4.0, 7000.0, 8.0),
                  ("save-restore", 3.0, 5.0, 6000.0, 7.0),
                  ("migrate", 1.0, 1.0, 100.0, 9.0)], 2.0),
        "pvsr-noevt": ([("save-restore", 2.0, 6.0, 6000.0, 7.0)], 1.0),
        "linux": ([("save-restore", 40.0, 360.0, 8000.0, 7.0),
                   ("migrate", 50.0, 250.0, 800.0, 10.0)], 1.6)})

    def evtchn(self, label):
        return {"pvsr": "on", "pvsr-noevt": "off"}.get(label)

    def test_rows_are_medians(self):
        rows = benchcmp.rows_of(4, self.REC, self.evtchn)
        sr = [r for r in rows if r["guest"] == "pvsr" and r["evtchn"] == "on"
              and r["kind"] == "save-restore"][0]
        self.assertEqual((sr["cycles"], sr["before_ms"], sr["after_ms"], sr["guest_ms"],
                          sr["downtime_ms"], sr["toolstack_ms"]),
                         (3, 2.0, 4.0, 6.0, 6000.0, 7000.0))
        rm = [r for r in rows if r["guest"] == "linux" and r["kind"] == "remus"][0]
        self.assertEqual((rm["rate_per_s"], rm["toolstack_ms"]), (1.6, 625.0))

    def test_rows_count_the_request_paths(self):
        rec = record({"pvsr": ([("checkpoint", 1.0, 1.0, 5.0, 1.0)] * 3, 1.0),
                      "linux": ([("checkpoint", 9.0, 9.0, 50.0, 2.0)], 1.0)})
        vias = ["evtchn", "evtchn", "xenstore"]
        for c, via in zip(rec["subjects"]["pvsr"]["cycles"], vias):
            c["request_via"] = via
        rows = benchcmp.rows_of(4, rec, self.evtchn)
        cp = [r for r in rows if r["guest"] == "pvsr" and r["kind"] == "checkpoint"][0]
        self.assertEqual(cp["requests"], {"evtchn": 2, "xenstore": 1})
        lx = [r for r in rows if r["guest"] == "linux" and r["kind"] == "checkpoint"][0]
        self.assertNotIn("requests", lx)

    def test_ratios_and_targets(self):
        ratios = benchcmp.ratios_of(benchcmp.rows_of(4, self.REC, self.evtchn))

        def get(evt, kind, metric):
            return [r for r in ratios if r["evtchn"] == evt and r["kind"] == kind
                    and r["metric"] == metric][0]
        g = get("on", "save-restore", "guest_ms")
        self.assertEqual((g["pvsr"], g["linux"], g["ratio"], g["target"]),
                         (6.0, 400.0, 0.015, "<= 0.02"))
        self.assertEqual(get("off", "save-restore", "guest_ms")["ratio"], 0.02)
        m = get("on", "migrate", "downtime_ms")
        self.assertEqual((m["ratio"], m["target"]), (0.125, "<= 0.5"))
        self.assertIsNone(get("on", "save-restore", "downtime_ms")["target"])
        r = get("on", "remus", "rate_per_s")
        self.assertEqual((r["ratio"], r["target"]), (1.25, ">= 2"))
        self.assertEqual(get("off", "remus", "rate_per_s")["ratio"], 0.625)

    def test_table_names_every_guest_and_ratio(self):
        rows = benchcmp.rows_of(4, self.REC, self.evtchn)
        text = "\n".join(benchcmp.table(rows, benchcmp.ratios_of(rows)))
        self.assertIn("### 4 vCPUs", text)
        self.assertIn("| pvsr (evtchn on) | save-restore | 3 | 2.00 | 4.00 | 6.00 | "
                      "6000.00 | 7000.00 | - |", text)
        self.assertIn("| linux | remus | 0 |", text)
        self.assertIn("| evtchn off | save-restore |", text)
        self.assertIn("0.015 (target <= 0.02)", text)
        self.assertIn("1.250 (target >= 2)", text)
        # One vCPU count only: no scaling table.
        self.assertNotIn("resume against vCPUs", text)

    def test_the_guest_checks_in_rows_and_table(self):
        rec = record({"pvsr": ([("remus", 1.0, 1.0, 5.0, None)] * 3, 1.0),
                      "linux": ([("remus", 9.0, 9.0, 50.0, None)], 2.0)})
        times = [{"total": 900.0, "own_stack": 500.0, "timers": 300.0,
                  "return": 0.1, "memory": 99.9},
                 {"total": 1100.0, "own_stack": 700.0, "timers": 200.0,
                  "return": 0.1, "memory": 199.9},
                 {}]
        for c, t in zip(rec["subjects"]["pvsr"]["cycles"], times):
            c["checks_ms"] = t
        rows = benchcmp.rows_of(4, rec, self.evtchn)
        rm = [r for r in rows if r["guest"] == "pvsr" and r["kind"] == "remus"][0]
        self.assertEqual(rm["checks_ms"], 1000.0)
        self.assertEqual(rm["slowest_checks"],
                         [["own_stack", 600.0], ["timers", 250.0],
                          ["memory", 149.9]])
        lx = [r for r in rows if r["guest"] == "linux" and r["kind"] == "remus"][0]
        self.assertNotIn("checks_ms", lx)
        text = "\n".join(benchcmp.table(rows, benchcmp.ratios_of(rows)))
        self.assertIn("remus 1000.00 ms (slowest: own_stack 600.00, timers "
                      "250.00, memory 149.90)", text)

    def test_scaling_against_four_vcpus(self):
        big = record({"pvsr": ([("save-restore", 1.0, 10.0, 5000.0, 6.0),
                                ("save-restore", 1.0, 14.0, 5000.0, 6.0)], 1.0),
                      "pvsr-noevt": ([("save-restore", 2.0, 30.0, 6000.0, 7.0)], 1.0)})
        rows = benchcmp.rows_of(4, self.REC, self.evtchn) + \
            benchcmp.rows_of(64, big, self.evtchn)
        sc = {(x["evtchn"], x["kind"], x["vcpus"]): x for x in benchcmp.scaling_of(rows)}
        on = sc[("on", "save-restore", 64)]
        self.assertEqual((on["after_ms"], on["base_after_ms"], on["ratio"], on["target"]),
                         (12.0, 4.0, 3.0, "<= 4"))
        self.assertEqual(sc[("off", "save-restore", 64)]["ratio"], 5.0)
        # migrate has no 64-vCPU row, Linux never scales here.
        self.assertEqual(len(sc), 2)
        text = "\n".join(benchcmp.table(rows, benchcmp.ratios_of(rows)))
        self.assertIn("| evtchn on | save-restore | 64 | 12.00 | 4.00 | 3.00 (target <= 4) |",
                      text)
        # No Linux at 64 vCPUs: said so, no empty ratio table.
        self.assertIn("(no Linux figures at 64 vCPUs: no ratios)", text)
        self.assertEqual(text.count("ratio pvsr/Linux"), 1)


if __name__ == "__main__":
    unittest.main()
