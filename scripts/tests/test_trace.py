# SPDX-License-Identifier: GPL-2.0
"""scripts/trace: reading the guest's pvsr-trace lines into timelines."""
import importlib.machinery
import importlib.util
import os
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


if __name__ == "__main__":
    unittest.main()


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
