# SPDX-License-Identifier: GPL-2.0
"""scripts/trace: reading the guest's pvsr-trace lines into timelines."""
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader(
    "pvsr_trace_tool", os.path.join(HERE, "..", "trace"))
_spec = importlib.util.spec_from_loader("pvsr_trace_tool", _loader)
trace = importlib.util.module_from_spec(_spec)
_loader.exec_module(trace)

LOG_A = """pvsr-guest: booting
# pvsr-trace cycle=1 t=0 vcpu=0 event=begin arg=0
# pvsr-trace cycle=1 t=1000 vcpu=0 event=park-sent arg=1
# pvsr-trace cycle=1 t=3000 vcpu=1 event=parked arg=0
# pvsr-trace cycle=1 t=900000 vcpu=0 event=vcpu-up arg=1
"""
# After a migration the tail is repeated in the new domain's log.
LOG_B = """# pvsr-trace cycle=1 t=900000 vcpu=0 event=vcpu-up arg=1
# pvsr-trace cycle=1 t=950000 vcpu=1 event=resumed arg=0
# pvsr-trace cycle=1 dropped=2
"""


class TraceTest(unittest.TestCase):
    def write_logs(self, d):
        console = os.path.join(d, "out", "console")
        os.makedirs(console)
        for name, text in (("guest-pvsr-guest.log", LOG_A),
                           ("guest-pvsr-guest--incoming.log", LOG_B)):
            with open(os.path.join(console, name), "w") as f:
                f.write(text)

    def test_reads_both_logs_and_drops_repeats(self):
        with tempfile.TemporaryDirectory() as d:
            self.write_logs(d)
            cycles, dropped = trace.read_events(trace.log_files([d]))
        self.assertEqual([e[2] for e in cycles[1]],
                         ["begin", "park-sent", "parked", "vcpu-up",
                          "resumed"])
        self.assertEqual(dropped, {1: 2})

    def test_latencies_per_vcpu(self):
        with tempfile.TemporaryDirectory() as d:
            self.write_logs(d)
            cycles, _ = trace.read_events(trace.log_files([d]))
        self.assertEqual(trace.latencies(cycles[1], "park-sent", "parked",
                                         True), {1: 2000})
        self.assertEqual(trace.latencies(cycles[1], "vcpu-up", "resumed",
                                         True), {1: 50000})

    def test_no_trace_lines(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "guest-x.log")
            with open(path, "w") as f:
                f.write("ok 1 boot_start_info\n")
            cycles, _ = trace.read_events([path])
        self.assertEqual(cycles, {})



class TraceTableTest(unittest.TestCase):
    """kernel/trace_events.h is the one table: the decoder reads it."""

    def test_table_parses_in_enum_order(self):
        ev = trace.load_events()
        self.assertEqual(ev[0][:2], ("BEGIN", "begin"))
        ids = [i for i, _, _ in ev]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(trace.by_id(ev, "PARK_SENT"), "park-sent")
        self.assertNotIn("ID", ids)           # the comment's example is not an event

    def test_the_guest_prints_the_tables_names(self):
        # kind_names[] in kernel/trace.c comes from the same lines:
        # the built guest holds every name (the linker may share tails).
        elf = os.path.join(HERE, "..", "..", "build", "test-guest", "pvsr-guest")
        with open(elf, "rb") as f:
            data = f.read()
        pos = [data.find(name.encode() + b"\0")
               for _, name, _ in trace.load_events()]
        self.assertNotIn(-1, pos, "a table name is missing from the guest")

    def test_unknown_and_numbered_events(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "guest-x.log")
            with open(p, "w") as f:
                f.write("# pvsr-trace cycle=1 t=0 vcpu=0 event=0 arg=0\n"
                        "# pvsr-trace cycle=1 t=5 vcpu=0 event=no-such arg=0\n")
            cycles, _ = trace.read_events([p])
        self.assertEqual([e for _, _, e, _ in cycles[1]], ["begin", "no-such"])
        self.assertEqual(trace.read_events.unknown, {"no-such"})

    def test_xs_snoop_lines_split_by_suspend_request(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "xenstore-snoop.log")
            with open(p, "w") as f:
                f.write("# header\n"
                        "t1 guest(D1) tx=- watch x\n"
                        "t2 dom0(A3) tx=- write /local/domain/1/control/shutdown = 'suspend'\n"
                        "t3 guest(D1) tx=2 write /local/domain/1/control/shutdown = ''\n"
                        "t4 dom0(A3) tx=- write /local/domain/2/control/shutdown = 'suspend'\n")
            xs = trace.xs_snoop_cycles(p)
        self.assertEqual(len(xs[0]), 1)
        self.assertEqual(len(xs[1]), 2)
        self.assertEqual(len(xs[2]), 1)


FIXTURES = os.path.join(HERE, "fixtures")
MIGRATE = os.path.join(FIXTURES, "trace-migrate-4v")
CHECKPOINT = os.path.join(FIXTURES, "trace-checkpoint-4v")
perfetto = trace.perfetto


def build_from(logs):
    """scripts/trace's own path from a logs folder to the JSON object."""
    table = trace.load_events()
    cycles, dropped = trace.read_events(trace.log_files([logs]), table)
    docs = {name: doc for _, name, doc in table}
    return perfetto.build(cycles, dropped, docs, trace.run_result([logs]),
                          [logs]), cycles


def by(obj, **want):
    return [e for e in obj["traceEvents"]
            if all(e.get(k) == v for k, v in want.items())]


class PerfettoFromRealRunsTest(unittest.TestCase):
    """The JSON made from real captured runs (fixtures/README.md)."""

    def test_real_runs_keep_the_format_rules(self):
        for logs in (MIGRATE, CHECKPOINT):
            obj, cycles = build_from(logs)
            self.assertEqual(perfetto.check(obj), [], logs)
            self.assertEqual(sorted(cycles), [1, 2])
            self.assertEqual(obj["otherData"]["incomplete"], {})

    def test_every_trace_line_is_one_instant_on_its_vcpu(self):
        obj, cycles = build_from(MIGRATE)
        for k, events in cycles.items():
            inst = by(obj, pid=k, ph="i", s="t")
            self.assertEqual(len(inst), len(events))
            t0 = events[0][0]
            self.assertEqual(
                sorted((i["ts"], i["tid"], i["name"]) for i in inst),
                sorted(((t - t0) / 1000.0, v, e) for t, v, e, _ in events))

    def test_tracks_are_named_per_cycle_and_vcpu(self):
        obj, _ = build_from(CHECKPOINT)
        for k in (1, 2):
            self.assertEqual(by(obj, pid=k, ph="M", name="process_name")[0]
                             ["args"]["name"], f"cycle {k}: checkpoint")
            self.assertEqual(
                sorted(e["args"]["name"] for e in
                       by(obj, pid=k, ph="M", name="thread_name")),
                ["vCPU 0", "vCPU 1", "vCPU 2", "vCPU 3"])

    def test_phases_tile_the_suspend_on_vcpu_0(self):
        obj, cycles = build_from(MIGRATE)
        for k, events in cycles.items():
            whole = by(obj, pid=k, tid=0, ph="X", name="pvsr_suspend")
            self.assertEqual(len(whole), 1)
            end = [t for t, v, e, _ in events if e == "end"][0]
            self.assertAlmostEqual(whole[0]["dur"],
                                   (end - events[0][0]) / 1000.0, places=3)
            phases = [e for e in by(obj, pid=k, tid=0, ph="X")
                      if e["name"] != "pvsr_suspend"]
            self.assertEqual([p["name"] for p in phases],
                             [n for n, _, _ in perfetto.PHASE_ENDS])
            at = 0.0
            for p in phases:
                self.assertAlmostEqual(p["ts"], at, places=3)
                at = p["ts"] + p["dur"]
            self.assertAlmostEqual(at, whole[0]["dur"], places=3)
            # The report's own phases ride along, from result.json.
            self.assertIn("report_total_ms", whole[0]["args"])

    def test_vcpu_states_match_the_text_latencies(self):
        obj, cycles = build_from(MIGRATE)
        for k, events in cycles.items():
            park = trace.latencies(events, "park-sent", "parked", True)
            back = trace.latencies(events, "vcpu-up", "resumed", True)
            for v in (1, 2, 3):
                states = {e["name"]: e for e in by(obj, pid=k, tid=v,
                                                  ph="X")}
                self.assertEqual(list(states), [s for s, _, _ in
                                                perfetto.VCPU_STATES])
                self.assertAlmostEqual(states["parking"]["dur"],
                                       park[v] / 1000.0, places=3)
                self.assertAlmostEqual(states["resuming"]["dur"],
                                       back[v] / 1000.0, places=3)
                self.assertNotIn("args", states["parked"])


def write_cut_copy(src, d, keep, dropped):
    """A copy of a real logs folder whose cycle-2 trace stops after
    `keep` lines, with the guest's 'dropped=' line appended: made here,
    no real 4-vCPU run fills the 512-event buffer."""
    dst = os.path.join(d, "logs")
    shutil.copytree(src, dst)
    path = os.path.join(dst, "out", "console", "guest-pvsr-guest.log")
    with open(path) as f:
        lines = f.readlines()
    out, n = [], 0
    for line in lines:
        if "pvsr-trace cycle=2 " in line:
            n += 1
            if n > keep:
                continue
        out.append(line)
    if dropped:
        out.append(f"# pvsr-trace cycle=2 dropped={dropped}\n")
    with open(path, "w") as f:
        f.writelines(out)
    return dst


class PerfettoCutTraceTest(unittest.TestCase):
    def test_dropped_events_are_reported_and_the_json_stays_valid(self):
        # Cut after a phase's end event (12: the 2nd of 3 'down's) and
        # after it (9: a park IPI after the last 'parked').
        for keep in (12, 9):
            with self.subTest(keep=keep):
                self.cut_after(keep)

    def cut_after(self, keep):
        with tempfile.TemporaryDirectory() as d:
            logs = write_cut_copy(CHECKPOINT, d, keep=keep, dropped=14)
            obj, cycles = build_from(logs)
        self.assertEqual(len(cycles[2]), keep)
        self.assertEqual(perfetto.check(obj), [])
        why = obj["otherData"]["incomplete"]
        self.assertEqual(list(why), ["2"])
        self.assertIn("14 events dropped", why["2"][0])
        self.assertIn("no 'end' event", why["2"][1])
        self.assertIn("INCOMPLETE", by(obj, pid=2, name="process_name")[0]
                      ["args"]["name"])
        self.assertNotIn("INCOMPLETE", by(obj, pid=1, name="process_name")
                         [0]["args"]["name"])
        marker = by(obj, pid=2, name="trace incomplete")
        self.assertEqual(len(marker), 1)
        last = max(t for t, _, _, _ in cycles[2]) - cycles[2][0][0]
        self.assertAlmostEqual(marker[0]["ts"], last / 1000.0, places=3)
        # The open phase is closed at the last event and named as cut.
        phases = by(obj, pid=2, tid=0, ph="X")
        self.assertTrue(phases[-1]["name"].endswith("(trace cut)"))
        self.assertAlmostEqual(phases[-1]["ts"] + phases[-1]["dur"],
                               last / 1000.0, places=3)
        # No vCPU came back: each one's last state is open, cut there.
        for v in (1, 2, 3):
            states = by(obj, pid=2, tid=v, ph="X")
            self.assertEqual(states[-1]["args"]["unmarked_end"], "trace cut")
            self.assertAlmostEqual(states[-1]["ts"] + states[-1]["dur"],
                                   last / 1000.0, places=3)

    def test_a_requested_cycle_with_no_trace_is_reported(self):
        with tempfile.TemporaryDirectory() as d:
            logs = write_cut_copy(CHECKPOINT, d, keep=0, dropped=0)
            obj, cycles = build_from(logs)
        self.assertNotIn(2, cycles)
        self.assertEqual(perfetto.check(obj), [])
        self.assertIn("no trace lines", obj["otherData"]["incomplete"]["2"][0])

    def test_the_command_says_so_and_writes_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            logs = write_cut_copy(CHECKPOINT, d, keep=12, dropped=14)
            out = os.path.join(d, "t.json")
            r = subprocess.run([sys.executable,
                                os.path.join(HERE, "..", "trace"), logs,
                                "--perfetto", out],
                               capture_output=True, text=True)
            with open(out) as f:
                obj = json.load(f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cycle 2: INCOMPLETE trace: 14 events dropped",
                      r.stderr)
        self.assertIn("INCOMPLETE: no 'end' event", r.stdout)
        self.assertIn("wrote " + out, r.stderr)
        self.assertEqual(perfetto.check(obj), [])


def good_events():
    return [
        {"name": "process_name", "ph": "M", "pid": 1, "tid": 0,
         "args": {"name": "p"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 0,
         "args": {"name": "t"}},
        {"name": "a", "ph": "B", "pid": 1, "tid": 0, "ts": 1},
        {"name": "x", "ph": "X", "pid": 1, "tid": 0, "ts": 2, "dur": 3},
        {"name": "y", "ph": "X", "pid": 1, "tid": 0, "ts": 2.5, "dur": 1},
        {"name": "i", "ph": "i", "s": "t", "pid": 1, "tid": 0, "ts": 4},
        {"name": "a", "ph": "E", "pid": 1, "tid": 0, "ts": 6},
    ]


class PerfettoCheckTest(unittest.TestCase):
    """The checker finds each broken rule (so its [] above means
    something)."""

    def broken(self, change):
        events = good_events()
        change(events)
        return perfetto.check({"traceEvents": events})

    def test_good_events_pass(self):
        self.assertEqual(perfetto.check({"traceEvents": good_events()}), [])

    def test_b_without_e(self):
        self.assertIn("B 'a' on pid 1 tid 0 has no E",
                      self.broken(lambda ev: ev.pop()))

    def test_e_on_another_track(self):
        def move(ev):
            ev[-1]["tid"] = 1
            ev.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": 1,
                       "args": {"name": "t1"}})
        errs = self.broken(move)
        self.assertTrue(any("E with no open B on pid 1 tid 1" in e
                            for e in errs), errs)
        self.assertIn("B 'a' on pid 1 tid 0 has no E", errs)

    def test_time_going_back_on_a_track(self):
        errs = self.broken(lambda ev: ev[5].update(ts=2.2))
        self.assertTrue(any("before the previous" in e for e in errs), errs)

    def test_missing_name(self):
        self.assertTrue(any("no name" in e for e in
                            self.broken(lambda ev: ev[3].pop("name"))))

    def test_partial_overlap(self):
        errs = self.broken(lambda ev: ev[4].update(dur=5))
        self.assertTrue(any("without nesting" in e for e in errs), errs)

    def test_unnamed_track(self):
        errs = self.broken(lambda ev: ev.pop(1))
        self.assertIn("pid 1 tid 0 has events but no thread_name", errs)


if __name__ == "__main__":
    unittest.main()
