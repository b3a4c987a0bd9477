# SPDX-License-Identifier: GPL-2.0
"""Command-line errors are loud and have distinct exit statuses (no QEMU
boot: the failure happens before, or QEMU fails at once)."""
import contextlib
import io
import json
import os
import tempfile
import unittest

from pvsr_harness import cli, setup


def call(argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            rc = cli.main(argv)
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue() + err.getvalue()


def fake_cache(tmp):
    """A cache that passes the manifest check but holds no bootable files."""
    cache = os.path.join(tmp, "cache")
    os.makedirs(cache)
    for name in ("xen", "vmlinuz", "vmlinux", "initrd.img", "initrd-pvsr.img", "dom0.img"):
        open(os.path.join(cache, name), "w").close()
    with open(os.path.join(cache, "manifest.json"), "w") as f:
        json.dump({"image_key": setup.image_key(), "initrd_key": setup.initrd_key(),
                   "shadow_paging": True,
                   "xen_package_version": "x"}, f)
    return cache


class CliTest(unittest.TestCase):
    def test_usage_errors(self):
        for argv in ([], ["bogus"], ["run", "--vcpus", "1"],
                     ["run", "--scenario", "boot"],
                     ["run", "--scenario", "nope", "--vcpus", "1"],
                     ["run", "--scenario", "boot", "--vcpus", "x"],
                     ["run", "--scenario", "boot", "--vcpus", "0"],
                     ["run", "--scenario", "boot", "--vcpus", "1", "--cycles", "0"],
                     ["run", "--scenario", "boot", "--vcpus", "1", "--memory", "4"],
                     ["run", "--scenario", "boot", "--vcpus", "1", "--accel", "hvf"],
                     ["run", "--scenario", "boot", "--vcpus", "1",
                      "--guest-arg", 'a"b'],
                     ["run", "--scenario", "migrate", "--vcpus", "1",
                      "--memory", "5120", "--host-memory", "8192"],
                     ["run", "--scenario", "migrate-2host", "--hosts", "2",
                      "--vcpus", "1", "--host-memory", "4096"]):
            rc, text = call(argv)
            self.assertEqual(rc, 2, (argv, text))

    def test_help(self):
        for argv in (["--help"], ["setup", "--help"], ["run", "--help"],
                     ["selftest", "--help"]):
            rc, text = call(argv)
            self.assertEqual(rc, 0, argv)
            self.assertIn("usage:", text)

    def test_missing_cache(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, text = call(["run", "--scenario", "boot", "--vcpus", "1",
                             "--cache", os.path.join(tmp, "none")])
            self.assertEqual(rc, 3)
            self.assertIn("no dom0 cache", text)
            self.assertIn("scripts/harness setup", text)

    def test_stale_cache(self):
        with tempfile.TemporaryDirectory() as tmp:
            cache = fake_cache(tmp)
            with open(os.path.join(cache, "manifest.json"), "w") as f:
                json.dump({"image_key": "old"}, f)
            rc, text = call(["run", "--scenario", "boot", "--vcpus", "1",
                             "--cache", cache])
            self.assertEqual(rc, 3)
            self.assertIn("stale", text)

    def test_missing_kernel(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, text = call(["run", "--scenario", "boot", "--vcpus", "1",
                             "--cache", fake_cache(tmp),
                             "--kernel", os.path.join(tmp, "nokernel")])
            self.assertEqual(rc, 3)
            self.assertIn("does not exist", text)

    def test_kernel_not_elf(self):
        with tempfile.TemporaryDirectory() as tmp:
            k = os.path.join(tmp, "k")
            with open(k, "w") as f:
                f.write("not an elf")
            rc, text = call(["run", "--scenario", "boot", "--vcpus", "1",
                             "--cache", fake_cache(tmp), "--kernel", k])
            self.assertEqual(rc, 3)
            self.assertIn("not an ELF", text)

    def test_qemu_fails_to_start(self):
        # Empty xen/vmlinuz files: QEMU refuses them and exits at once.
        with tempfile.TemporaryDirectory() as tmp:
            k = os.path.join(tmp, "k")
            with open(k, "wb") as f:
                f.write(b"\x7fELF" + b"\0" * 60)
            logs = os.path.join(tmp, "logs")
            jpath = os.path.join(tmp, "r.json")
            rc, text = call(["run", "--scenario", "boot", "--vcpus", "1",
                             "--cache", fake_cache(tmp), "--kernel", k,
                             "--logs", logs, "--json", jpath, "--timeout", "60"])
            self.assertEqual(rc, 3, text)
            self.assertIn("QEMU failed to start", text)
            with open(jpath) as f:
                d = json.load(f)
            self.assertFalse(d["passed"])
            self.assertIn("QEMU failed to start", d["error"])
            self.assertTrue(os.path.isfile(os.path.join(logs, "qemu-cmdline.txt")))


if __name__ == "__main__":
    unittest.main()
