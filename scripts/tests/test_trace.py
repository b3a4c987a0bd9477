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
