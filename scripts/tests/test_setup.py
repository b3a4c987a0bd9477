# SPDX-License-Identifier: GPL-2.0
"""Pieces of `harness setup` that need no network: stage keys, the cpio
writer, module ordering, symlink resolution inside the dom0 root."""
import os
import shutil
import subprocess
import tempfile
import unittest

from pvsr_harness import setup


def _unpack_newc(data, dest):
    """Minimal newc reader (for hosts without cpio)."""
    pos = 0
    while True:
        assert data[pos:pos + 6] == b"070701"
        f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        body = data[pos:pos + size]
        pos += size
        pos += -pos % 4
        if name == "TRAILER!!!":
            return
        path = os.path.join(dest, name)
        if mode & 0o170000 == 0o040000:
            os.makedirs(path, exist_ok=True)
        elif mode & 0o170000 == 0o100000:
            with open(path, "wb") as fh:
                fh.write(body)
            os.chmod(path, mode & 0o777)


class SetupPiecesTest(unittest.TestCase):
    def test_keys_are_stable_and_distinct(self):
        self.assertEqual(setup.rootfs_key(), setup.rootfs_key())
        self.assertNotEqual(setup.rootfs_key(), setup.image_key())
        self.assertNotEqual(setup.image_key(), setup.initrd_key())
        # The pin is part of the debootstrap stage's identity.
        self.assertIn("4.17.5+72-g01140da4e8-1", setup.XEN_PKG_VERSION)

    def test_dom0_files_are_baked_under_pvsr(self):
        names = [n for n, _ in setup.dom0_files()]
        self.assertIn("pvsr/init", names)
        self.assertTrue(all(n.startswith("pvsr/") for n in names), names)

    def test_cpio_unpacks(self):
        c = setup.Cpio()
        c.dir("bin")
        c.file("bin/hello", b"#!/bin/sh\necho hi\n", 0o755)
        c.file("odd", b"x" * 5)
        data = c.finish()
        with tempfile.TemporaryDirectory() as tmp:
            if shutil.which("cpio"):
                res = subprocess.run(["cpio", "-id", "--quiet"], input=data, cwd=tmp,
                                     capture_output=True)
                self.assertEqual(res.returncode, 0, res.stderr)
            else:
                _unpack_newc(data, tmp)
            with open(os.path.join(tmp, "bin/hello"), "rb") as f:
                self.assertEqual(f.read(), b"#!/bin/sh\necho hi\n")
            self.assertTrue(os.access(os.path.join(tmp, "bin/hello"), os.X_OK))
            with open(os.path.join(tmp, "odd"), "rb") as f:
                self.assertEqual(f.read(), b"xxxxx")

    def test_module_order_puts_dependencies_first(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "modules.dep"), "w") as f:
                f.write("kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko\n"
                        "kernel/fs/jbd2/jbd2.ko:\nkernel/lib/crc16.ko:\n"
                        "kernel/crypto/crc32c_generic.ko:\n")
            order = setup._module_order(tmp, ("crc32c_generic", "ext4"))
            self.assertEqual(order, ["kernel/crypto/crc32c_generic.ko",
                                     "kernel/lib/crc16.ko", "kernel/fs/jbd2/jbd2.ko",
                                     "kernel/fs/ext4/ext4.ko"])
            with self.assertRaises(setup.HarnessError):
                setup._module_order(tmp, ("virtio_blk",))

    def test_resolve_in_keeps_absolute_links_inside(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "usr/lib/x86_64-linux-gnu"))
            open(os.path.join(root, "usr/lib/x86_64-linux-gnu/ld.so"), "w").close()
            os.symlink("usr/lib", os.path.join(root, "lib"))
            os.makedirs(os.path.join(root, "lib64x"))
            os.symlink("/lib/x86_64-linux-gnu/ld.so", os.path.join(root, "lib64x/ld"))
            self.assertEqual(setup._resolve_in(root, "/lib64x/ld"),
                             os.path.join(root, "usr/lib/x86_64-linux-gnu/ld.so"))


class PinTest(unittest.TestCase):
    def test_wrong_xen_that_cannot_be_pinned_fails_clearly(self):
        calls = []
        old = (setup._dpkg_installed, setup._chroot_apt)
        setup._dpkg_installed = lambda pkg, root=None: "4.17.7+13-g2445b30a44-0+deb12u1"
        setup._chroot_apt = lambda root, args, progress: (
            calls.append(args) or subprocess.CompletedProcess(args, 100))
        try:
            with self.assertRaises(setup.HarnessError) as cm:
                setup.pin_xen("/nonexistent", lambda m: None)
        finally:
            setup._dpkg_installed, setup._chroot_apt = old
        msg = str(cm.exception)
        self.assertIn("cannot install Xen 4.17.5+72-g01140da4e8-1", msg)
        self.assertIn("CONFIG_SHADOW_PAGING", msg)
        self.assertIn("xen-hypervisor-4.17-amd64=4.17.5+72-g01140da4e8-1", calls[-1])
        self.assertIn("xen-utils-4.17=4.17.5+72-g01140da4e8-1", calls[-1])

    def test_right_xen_needs_nothing(self):
        old = setup._dpkg_installed
        setup._dpkg_installed = lambda pkg, root=None: setup.XEN_PKG_VERSION
        try:
            setup.pin_xen("/nonexistent", lambda m: None)
        finally:
            setup._dpkg_installed = old


if __name__ == "__main__":
    unittest.main()
