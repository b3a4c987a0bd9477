# SPDX-License-Identifier: GPL-2.0
"""The verdict and the JSON record, from job output made by the fake tools
(no QEMU)."""
import argparse
import os
import tempfile
import unittest

from pvsr_harness import job as jobmod
from pvsr_harness import run as runmod
from fakexen import run_job


def fake_run(tmp, mode, marks=("init-start", "toolstack-up", "job-done"),
             serial="(XEN) Xen version 4.17.5 (pkg-xen-devel@lists)\n", xl_log=None,
             scenario="boot", cycles=1):
    rc, jobdir = run_job(tmp, mode, vcpus=2, guest_timeout=1, scenario=scenario,
                         cycles=cycles)
    if xl_log is not None:
        for st in jobmod.read_steps(jobdir):
            if st["name"] == "xl-guest-log":
                with open(st["output"], "w") as f:
                    f.write(xl_log)
    args = argparse.Namespace(scenario=scenario, vcpus=2, memory=128, cycles=cycles,
                              guest_arg=[],
                              accel="auto", guest_timeout=1, json=None)
    r = runmod.Run(args, progress=lambda msg: None)
    r.logs = jobdir
    r.kernel = "/k/pvsr-guest"
    r.manifest = {"xen_package_version": "4.17.5+72-g01140da4e8-1",
                  "shadow_paging": True, "dom0_kernel": "6.1.0-x"}
    r.serial_log = os.path.join(tmp, "serial.log")
    with open(r.serial_log, "w") as f:
        f.write(serial)
    r.stderr_path = os.path.join(tmp, "qemu-stderr.log")
    open(r.stderr_path, "w").close()
    r.rc_qemu = 0
    r.t_qemu = 100.0
    r.marks = {m: 100.0 + 10 * i for i, m in enumerate(marks)}
    r.judge()
    return r, r.to_json(42.0)


class VerdictTest(unittest.TestCase):
    def test_pass_json_shape(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "poweroff")
            self.assertTrue(d["passed"], d.get("error"))
            self.assertNotIn("error", d)
            for key, typ in (("scenario", str), ("vcpus", int), ("memory_mib", int),
                             ("xen_version", str), ("shadow_paging", bool),
                             ("accel", str), ("passed", bool), ("ktap", dict),
                             ("timings_s", dict), ("logs", dict)):
                self.assertIsInstance(d[key], typ, key)
            self.assertEqual(d["accel"], "tcg")
            for key in ("passed", "failed", "skipped"):
                self.assertIsInstance(d["ktap"][key], int)
            self.assertEqual(d["ktap"]["tests"][0],
                             {"number": 1, "name": "boot_start_info", "ok": True})
            t = d["timings_s"]
            self.assertEqual(t["qemu_to_toolstack"], 10.0)
            self.assertIsInstance(t["create"], float)
            self.assertEqual(t["total"], 42.0)
            for key in ("guest", "xen", "dom0", "commands"):
                self.assertTrue(os.path.isfile(d["logs"][key]), key)

    def test_crash(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "crash")
            self.assertFalse(d["passed"])
            self.assertIn("guest crashed", d["error"])
            self.assertFalse(r.infra)

    def test_hang(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "hang")
            self.assertFalse(d["passed"])
            self.assertIn("did not power off", d["error"])
            self.assertIn("guest printed nothing", d["error"])

    def test_create_failed(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "create-fails")
            self.assertFalse(d["passed"])
            self.assertIn("xl create failed", d["error"])
            self.assertIn("libxl: error: fake", d["error"])

    def test_remus_window_failure_says_why(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "remus-dies", scenario="remus")
            self.assertFalse(d["passed"])
            self.assertIn("xl remus failed: xl remus ended by itself (exit 1) before "
                          "the window closed; its last lines: ", d["error"])

    def test_shut_down_domain_left_behind(self):
        # After `xl save -c` nobody destroys the domain on power-off: the
        # job reads the reason from xl list -v and destroys it itself.
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "stays-shutdown")
            self.assertTrue(d["passed"], d.get("error"))
            self.assertEqual(d["shutdown_reasons"][-1], "poweroff")
            self.assertIn("destroy", [s["name"] for s in d["timings_s"]["steps"]])
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "stays-rebooted")
            self.assertFalse(d["passed"])
            self.assertIn("reason reboot", d["error"])

    def test_guest_never_ready(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "hang", scenario="checkpoint")
            self.assertFalse(d["passed"])
            self.assertIn("never reached xenstore state ready", d["error"])
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "not-ready", scenario="save-restore")
            self.assertFalse(d["passed"])
            self.assertTrue(d["error"].startswith(
                "guest reported 'failed' in xenstore while dom0 waited for state "
                "ready;"), d["error"])
            self.assertNotIn("control/shutdown check did not run", d["error"])

    def test_save_restore_passes(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "running", scenario="save-restore")
            self.assertTrue(d["passed"], d.get("error"))
            names = [s["name"] for s in d["timings_s"]["steps"]]
            self.assertIn("save-1", names)
            self.assertIn("restore-1", names)
            self.assertEqual(d["cycles_requested"], 1)
            self.assertEqual(len(d["cycles"]), 1)
            c = d["cycles"][0]
            self.assertEqual((c["cycle"], c["op"]), (1, "save-restore"))
            self.assertIsInstance(c["toolstack_s"], float)
            self.assertEqual(c["guest"]["return"], 0)
            self.assertEqual(c["guest"]["phase_ns"]["hypercall"], 4000)
            self.assertEqual(c["guest"]["vcpus"], [{"vcpu": 1, "outcome": 2, "deferred": 0,
                                                    "park_ns": 10, "resume_ns": 20}])
            self.assertEqual(d["control_bogus"], {
                "value": "pvsr-from-dom0", "reported": True,
                "left_in_node": True, "node": "pvsr-from-dom0"})
            lines = runmod.summary_lines(d, 42.0)
            self.assertTrue(lines[0].startswith("summary: PASS save-restore, 2 vCPU(s)"))
            self.assertRegex(lines[1], r"^  cycle 1 save-restore: toolstack \d+\.\d\d s; "
                             r"guest park 0\.0 ms, rebind\+rebuild 0\.0 ms, "
                             r"total 0\.0 ms, return 0$")
            self.assertEqual(lines[2], "  control/shutdown 'pvsr-from-dom0': "
                             "reported, left in the node")

    def test_checkpoint_and_migrate_cycles(self):
        # migrate: every report line twice in --incoming.log (deduplicated).
        for scenario, ret in (("checkpoint", 1), ("migrate", 0)):
            with tempfile.TemporaryDirectory() as tmp:
                r, d = fake_run(tmp, "running", scenario=scenario, cycles=2)
                self.assertTrue(d["passed"], (scenario, d.get("error")))
                self.assertEqual([(c["cycle"], c["op"], c["guest"]["return"])
                                  for c in d["cycles"]],
                                 [(1, scenario, ret), (2, scenario, ret)])
                self.assertIsNone(d["control_bogus"])
                self.assertNotIn("control/shutdown",
                                 " ".join(runmod.summary_lines(d, 1.0)))

    def test_missing_report_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "no-report", scenario="save-restore", cycles=2)
            self.assertFalse(d["passed"])
            self.assertFalse(r.infra)
            self.assertIn("no pvsr-report from the guest for cycles 1-2 of 2", d["error"])
            self.assertEqual([c["guest"] for c in d["cycles"]], [None, None])
            self.assertIn("guest: no report", runmod.summary_lines(d, 1.0)[1])

    def test_unknown_control_value(self):
        for mode, want in (("bogus-silent", "did not report the unknown value"),
                           ("bogus-acked", "acknowledged (cleared) an unknown value")):
            with tempfile.TemporaryDirectory() as tmp:
                r, d = fake_run(tmp, mode, scenario="save-restore")
                self.assertFalse(d["passed"], mode)
                self.assertIn(want, d["error"])
                # The cycles still ran: the next real suspend is evidence too.
                self.assertIsNotNone(d["cycles"][0]["guest"], mode)
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "bogus-silent", scenario="save-restore")
            self.assertEqual(d["control_bogus"]["reported"], False)
            self.assertIn("NOT reported", runmod.summary_lines(d, 1.0)[-1])

    def test_toolstack_never_up_is_infra(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "poweroff", marks=("init-start",))
            self.assertFalse(d["passed"])
            self.assertTrue(r.infra)
            self.assertIn("toolstack did not come up", d["error"])

    def test_xen_never_booted(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "poweroff", marks=(), serial="SeaBIOS\n")
            self.assertFalse(d["passed"])
            self.assertTrue(r.infra)
            self.assertIn("Xen did not boot", d["error"])

    def test_qemu_printed_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "poweroff", marks=(), serial="")
            self.assertIn("QEMU failed to start", d["error"])


class ShutdownReasonTest(unittest.TestCase):
    LOG = ("Waiting for domain pvsr-guest (domid 1) to die [pid 223]\n"
           "Domain 1 has shut down, reason code 2 0x2\n"
           "Domain 1 has shut down, reason code %d 0x0\n")

    def test_parse(self):
        self.assertEqual(runmod.parse_shutdowns(self.LOG % 0), ["suspend", "poweroff"])

    def test_reboot_is_not_a_pass(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "poweroff", xl_log=self.LOG % 1)
            self.assertFalse(d["passed"])
            self.assertIn("reason reboot", d["error"])
            self.assertEqual(d["shutdown_reasons"], ["suspend", "reboot"])

    def test_poweroff_passes(self):
        with tempfile.TemporaryDirectory() as tmp:
            r, d = fake_run(tmp, "poweroff", xl_log=self.LOG % 0)
            self.assertTrue(d["passed"], d.get("error"))


class QemuCommandTest(unittest.TestCase):
    def test_command(self):
        class C:
            xen, vmlinux, initrd, image = "/c/xen", "/c/vmlinux", "/c/initrd.img", "/c/dom0.img"
            initrd_pvsr = "/c/initrd-pvsr.img"
        cmd = runmod.qemu_command(C, "/logs", "auto", ["-d", "x"], ["sched=credit"])
        s = " ".join(cmd)
        for want in ("-machine pc -accel tcg,thread=single -cpu qemu64 -smp 2 -m 2048",
                     "-nodefaults", "-no-reboot", "-kernel /c/xen",
                     "file=/c/dom0.img,if=virtio,format=raw,snapshot=on",
                     "mount_tag=pvsr", "-d x"):
            self.assertIn(want, s)
        append = cmd[cmd.index("-append") + 1]
        self.assertEqual(append, runmod.XEN_ARGS + " sched=credit")
        initrd = cmd[cmd.index("-initrd") + 1]
        self.assertTrue(initrd.startswith("/c/vmlinux root=/dev/vda rw console=hvc0 panic=1"))
        self.assertTrue(initrd.endswith(",/c/initrd-pvsr.img"))
        self.assertEqual(initrd.count(","), 1)   # commas split multiboot modules
        kvm = runmod.qemu_command(C, "/logs", "kvm")
        self.assertIn("kvm", kvm)
        big = runmod.qemu_command(C, "/logs", "auto", memory_mib=11776)
        self.assertEqual(big[big.index("-m") + 1], "11776")

    def test_host_memory(self):
        # The default guest fits the 2 GiB host; a 5 GiB guest needs dom0,
        # Xen's room and the guest, twice when it migrates on one host.
        self.assertEqual(runmod.host_memory_mib("migrate", 128), 2048)
        self.assertEqual(runmod.host_memory_mib("remus", 5120), 1024 + 512 + 5120)
        self.assertEqual(runmod.host_memory_mib("migrate", 5120),
                         1024 + 512 + 2 * 5120)
        self.assertEqual(runmod.host_memory_mib("soak", 1024), 1024 + 512 + 2048)


if __name__ == "__main__":
    unittest.main()
