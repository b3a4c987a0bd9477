# SPDX-License-Identifier: GPL-2.0
"""backtrace.py: a failed run's record across guest, pvsr, dom0, xl."""
import os
import tempfile
import unittest

from pvsr_harness import backtrace

CONSOLE = """\
ok 30 resume_1_return
# pvsr-panic generation=3 code=rebinding an event channel failed step=rebind vcpu=0 hypercall=24 subop=10 xen_errno=-5 port=0 hook=-

*** PANIC on vCPU 0: pvsr: vCPU 0 resume failed: ...
Backtrace:
  #0 [<ffffffff8000e9c1>]
  #1 [<ffffffff80007787>]
*** crashing the domain
"""


class BacktraceTest(unittest.TestCase):
    def test_guest_failure_reads_panic_frames_and_detail(self):
        head, vcpu, frames, detail = backtrace.guest_failure([CONSOLE, CONSOLE])
        self.assertTrue(head.startswith("PANIC on vCPU 0"))
        self.assertEqual(vcpu, 0)
        self.assertEqual(frames, [(0, 0xffffffff8000e9c1), (1, 0xffffffff80007787)])
        self.assertEqual(detail["source"], "pvsr-panic")
        self.assertEqual(detail["step"], "rebind")
        self.assertEqual(detail["xen_errno"], -5)
        self.assertEqual(detail["code"], "rebinding an event channel failed")

    def test_pvsr_error_line_when_no_panic(self):
        _, _, frames, detail = backtrace.guest_failure([
            "# pvsr-error cycle=1 code=a vCPU did not reach the pause barrier "
            "step=park vcpu=1 hypercall=-1 subop=-1 xen_errno=0 port=0 hook=-\n"])
        self.assertEqual(frames, [])
        self.assertEqual((detail["step"], detail["vcpu"]), ("park", 1))

    def test_an_earlier_cycles_error_explains_nothing(self):
        boot = ("# pvsr-error cycle=0 code=a subsystem suspend hook failed "
                "step=hooks vcpu=-1 hypercall=-1 subop=-1 xen_errno=42 port=0 "
                "hook=selftest-refuse\n")
        later = "".join("# pvsr-report cycle=%d rc=1 called=1\n" % k
                        for k in range(1, 6))
        self.assertIsNone(backtrace.guest_failure([boot + later])[3])
        err5 = ("# pvsr-error cycle=5 code=a vCPU did not reach the pause "
                "barrier step=park vcpu=3 hypercall=-1 subop=-1 xen_errno=0 "
                "port=0 hook=-\n")
        detail = backtrace.guest_failure([boot + later + err5])[3]
        self.assertEqual((detail["cycle"], detail["vcpu"]), (5, 3))

    def test_record_orders_guest_pvsr_dom0_toolstack(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "3-restore-1.out")
            with open(out, "w") as f:
                f.write("libxl: error: libxl_x.c:1: something failed\nfine\n")
            wait = os.path.join(d, "4-wait.out")
            open(wait, "w").close()
            cmds = os.path.join(d, "commands.log")
            with open(cmds, "w") as f:
                f.write("$ xl restore /x\n# step 3 restore-1: exit 0 after 1 s\n"
                        "$ wait_until 60 state_reached\n# step 4 wait-resumed-1: exit 1\n")
            steps = [{"n": 3, "name": "restore-1", "rc": 0, "output": out},
                     {"n": 4, "name": "wait-resumed-1", "rc": 1, "output": wait},
                     {"n": 5, "name": "xl-list-v", "rc": 1, "output": wait}]
            elf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "build", "test-guest", "pvsr-guest")
            if not os.path.exists(elf):
                elf = "/bin/true"           # any ELF: only symbols differ
            rec = backtrace.build([CONSOLE], steps, {"outcome": "crashed"}, elf, cmds)
        self.assertEqual(len(rec["guest"]["frames"]), 2)
        self.assertEqual(rec["dom0_step"]["name"], "wait-resumed-1")
        self.assertEqual(rec["dom0_step"]["command"], "wait_until 60 state_reached")
        self.assertEqual(rec["toolstack_op"]["name"], "restore-1")
        self.assertEqual(rec["toolstack_errors"],
                         ["libxl: error: libxl_x.c:1: something failed"])
        text = backtrace.lines(rec)
        order = [next(i for i, l in enumerate(text) if l.strip().startswith(w))
                 for w in ("guest:", "#0", "pvsr:", "dom0 step", "toolstack op",
                           "toolstack:")]
        self.assertEqual(order, sorted(order))


if __name__ == "__main__":
    unittest.main()
