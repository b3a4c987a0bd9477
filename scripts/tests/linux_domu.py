# SPDX-License-Identifier: GPL-2.0
"""A Linux PV domU that speaks the harness's xenstore protocol, to prove the
save/restore and migrate plumbing (xl steps, save image room, the migrate
transport, --incoming console logs, domid changes) under the real Xen
independently of the pvsr guest.

Kernel: the cached dom0 vmlinux (Debian 6.1 runs as a PV domU too).
Ramdisk: busybox + xenstore-read/-write from the cached dom0 root, and an
/init that writes data/pvsr/state "ready", then "resumed K" after the K-th
resume Linux logs (real or cancelled), and prints KTAP on hvc0. control/shutdown=poweroff makes
Linux run /sbin/poweroff, which prints the final result and powers off.
An unknown control/shutdown value Linux ignores and leaves in the node
("Ignoring shutdown request: X" in its log); /init copies that into
data/pvsr/error as the pvsr guest words it. It prints no pvsr-report lines
(Linux has no such figures), so a run with cycles fails for that alone.
This is evidence about the harness only, never about pvsr.
"""

from pvsr_harness import setup

INIT = r"""#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
exec > /dev/hvc0 2>&1
echo "KTAP version 1"
echo "1..2"
if /usr/bin/xenstore-write data/pvsr/state ready; then
	echo "ok 1 linux_domu_ready"
else
	echo "not ok 1 linux_domu_ready"
fi
# Linux logs "Restarting tasks ... done." after every resume, a real one
# (restore, migration) or a cancelled one (checkpoint).
k=0
while :; do
	n=$($B dmesg | $B grep -c "Restarting tasks")
	if [ "$n" -gt "$k" ]; then
		k=$n
		echo "# resumed $k"
		/usr/bin/xenstore-write data/pvsr/state "resumed $k"
		echo $k > /resumes
	fi
	bad=$($B dmesg | $B sed -n 's/.*Ignoring shutdown request: //p' | $B tail -n 1)
	if [ -n "$bad" ] && [ "$bad" != "$reported" ]; then
		reported=$bad
		echo "# control/shutdown: ignoring unknown value '$bad'"
		/usr/bin/xenstore-write data/pvsr/error \
			"control/shutdown: ignoring unknown value '$bad': Linux ignored it"
	fi
	$B sleep 0.3
done
"""

POWEROFF = r"""#!/bin/busybox sh
echo "# poweroff requested after $(/bin/busybox cat /resumes 2>/dev/null || echo 0) resume(s)" > /dev/hvc0
echo "ok 2 linux_domu_poweroff" > /dev/hvc0
/bin/busybox poweroff -f
"""


def build(cache_dir, out_path):
    rootfs = setup.Cache(cache_dir).rootfs
    c = setup.Cpio()
    for d in ("bin", "sbin", "dev", "proc", "sys", "usr", "usr/bin", "lib", "lib64",
              "lib/x86_64-linux-gnu"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    seen = set()
    for binary in ("/bin/busybox", "/usr/bin/xenstore-read", "/usr/bin/xenstore-write"):
        setup.add_binary(c, rootfs, binary, seen)
    c.file("init", INIT.encode(), 0o755)
    c.file("sbin/poweroff", POWEROFF.encode(), 0o755)
    with open(out_path, "wb") as f:
        f.write(c.finish())
    return out_path, setup.Cache(cache_dir).vmlinux
