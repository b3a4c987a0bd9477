# SPDX-License-Identifier: GPL-2.0
"""snoop.py: oxenstored access-log lines -> xenstore-snoop.log."""
import os
import tempfile
import unittest

from pvsr_harness import snoop

# Lines in oxenstored 4.17's format (logging.ml: "[date] CONN[.TX] OP DATA").
LOG = """\
[20261202T04:00:01.000Z]  A3          newconn   
[20261202T04:00:01.100Z]  A3          write     /local/domain/0/name Domain-0
[20261202T04:00:02.000Z]  A7          write     /local/domain/5/control/shutdown suspend
[20261202T04:00:02.001Z]  D5          w event   /local/domain/5/control/shutdown ctl
[20261202T04:00:02.010Z]  D5.4        read      /local/domain/5/control/shutdown
[20261202T04:00:02.011Z]  D5.4        write     /local/domain/5/control/shutdown 
[20261202T04:00:02.012Z]  D5.4        t end     
[20261202T04:00:02.012Z]  D5.4        error     EAGAIN
[20261202T04:00:02.020Z]  A7          w event   /local/domain/5/control/shutdown 0
[20261202T04:00:02.100Z]  D9          write     /local/domain/9/data/x y
[20261202T04:00:03.000Z]  D6          watch     /local/domain/6/control/shutdown ctl
[20261202T04:00:03.001Z]  A7          resume    6
"""


class SnoopTest(unittest.TestCase):
    def test_parse_line(self):
        r = snoop.parse_line("[20261202T04:00:02.000Z]  A7          write     "
                             "/local/domain/5/control/shutdown suspend")
        self.assertEqual((r["conn"], r["tx"], r["op"], r["path"], r["value"]),
                         ("A7", None, "write", "/local/domain/5/control/shutdown",
                          "suspend"))
        r = snoop.parse_line("[20261202T04:00:02.012Z]  D5.4        t end     ")
        self.assertEqual((r["conn"], r["tx"], r["op"]), ("D5", 4, "t end"))
        self.assertIsNone(snoop.parse_line("garbage"))

    def test_filters_to_the_guest_and_marks_errors(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "x"))
            with open(os.path.join(d, "x", "xenstored-access.log"), "w") as f:
                f.write(LOG)
            out = os.path.join(d, "snoop.log")
            s = snoop.snoop(os.path.join(d, "x"), [5, 6], out)
            with open(out) as f:
                text = f.read()
        self.assertNotIn("Domain-0", text)          # dom0's own business
        self.assertNotIn("/local/domain/9/", text)  # another guest
        self.assertIn("dom0(A7)    tx=-   write      /local/domain/5/control/shutdown"
                      " = 'suspend'", text)
        self.assertIn("guest(D5)   tx=4   write      /local/domain/5/control/shutdown"
                      " = ''", text)
        self.assertIn("t end", text)
        self.assertIn("-> ERROR EAGAIN", text)
        self.assertIn("guest(D6)", text)            # the domid after a restore
        self.assertIn("resume     6", text)
        self.assertEqual(s["errors"], 1)
        self.assertEqual(s["watch_events"], 2)
        self.assertEqual([w["value"] for w in s["control_shutdown_writes"]],
                         ["suspend", ""])
        (c,) = s["cycles"]
        self.assertEqual((c["request"], c["ack"], c["ack_tx"]),
                         ("04:00:02.000", "04:00:02.011", 4))
        self.assertEqual((c["guest_watches"], c["guest_watch_events"]), (1, 1))
        self.assertEqual(snoop.problems(s, "save-restore", 1), [])
        self.assertEqual(snoop.problems(s, "boot", 1), [])
        self.assertEqual(len(snoop.problems(s, "save-restore", 2)), 1)

    def test_problems_name_the_missing_ack_and_watches(self):
        s = {"cycles": [{"cycle": 1, "request": "t", "ack": None, "ack_tx": None,
                         "guest_watches": 0, "guest_watch_events": 0}]}
        p = snoop.problems(s, "save-restore", 1)
        self.assertEqual(len(p), 3, p)
        self.assertIn("never acknowledged", p[0])
        # a checkpoint keeps its watches: none registered again is right
        self.assertEqual(len(snoop.problems(s, "checkpoint", 1)), 2)

    def test_suspend_channel(self):
        # A real 2-cycle save-restore with the suspend event channel
        # (domains 1, 2, 3): libxl reads the key, never writes "suspend".
        log = """\
[20261202T07:13:18.495Z]  A6.1         write     /local/domain/1/device/suspend/event-channel 
[20261202T07:13:22.935Z]  D1           write     device/suspend/event-channel 19
[20261202T07:13:29.062Z]  A18          read      /local/domain/1/device/suspend/event-channel 
[20261202T07:13:34.068Z]  A19.1        write     /local/domain/2/device/suspend/event-channel 
[20261202T07:13:35.506Z]  D2           write     device/suspend/event-channel 7
[20261202T07:13:40.747Z]  A24          read      /local/domain/2/device/suspend/event-channel 
[20261202T07:13:45.746Z]  D3           write     device/suspend/event-channel 7
"""
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "xenstored-access.log"), "w") as f:
                f.write(log)
            s = snoop.snoop(d, [1, 2, 3], os.path.join(d, "out"))
            with open(os.path.join(d, "xenstored-access.log"), "a") as f:
                f.write(LOG.replace("/5/", "/3/").replace("D5", "D3"))
            mixed = snoop.snoop(d, [1, 2, 3], os.path.join(d, "out"))
        self.assertEqual(s["suspend_channel"],
                         {"guest_writes": ["19", "7", "7"], "dom0_reads": 2})
        self.assertEqual(snoop.problems(s, "save-restore", 2, channel=True), [])
        # Without the channel the same log lacks every xenstore request.
        self.assertEqual(len(snoop.problems(s, "save-restore", 2)), 1)
        # A third cycle needs a third read and a fourth port.
        p = snoop.problems(s, "save-restore", 3, channel=True)
        self.assertEqual(len(p), 2, p)
        # A dom0 'suspend' write while the guest offered the channel fails.
        p = snoop.problems(mixed, "save-restore", 2, channel=True)
        self.assertEqual(len(p), 1, p)
        self.assertIn("although the guest has a suspend event channel", p[0])

    def test_no_log_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(ValueError):
                snoop.snoop(d, [1], os.path.join(d, "out"))

    def test_config_turns_the_access_log_on(self):
        conf = snoop.config("quota-activate = true\naccess-log-nb-chars = 180\n")
        self.assertTrue(conf.startswith("quota-activate = true\n"))
        # the later key wins in oxenstored's parser
        self.assertGreater(conf.rindex("access-log-nb-chars = 0"),
                           conf.index("access-log-nb-chars = 180"))
        self.assertIn("access-log-read-ops = true", conf)
        self.assertIn("access-log-special-ops = true", conf)


if __name__ == "__main__":
    unittest.main()
