# SPDX-License-Identifier: GPL-2.0
"""A Linux PV domU that speaks the harness's xenstore protocol: the other
guest of `scripts/bench --compare-linux` (the compare scenario), and the
plumbing self-test's guest (tests/test_e2e_linux.py).

Kernel: the cached dom0 vmlinux (Debian 6.1 runs as a PV domU too).
Ramdisk (built here): busybox, xenstore-read/-write from the cached dom0
root, wallgap (wallgap.c, built with gcc -static) and an /init that
- writes data/pvsr/state "ready", prints KTAP on hvc0;
- every 0.3 s reads and clears the kernel log (`dmesg -c`) and prints each
  line as "# kmsg: [   12.345678] text" (printk's own time stamps, from
  the ring buffer, so nothing is lost to a console that was suspended);
- counts "Restarting tasks ... done." (Linux logs it after every resume,
  real or cancelled) and after resume K writes K to /cycle, asks wallgap
  for its "# linux-downtime cycle=K ..." line (SIGUSR1) and writes
  data/pvsr/state "resumed K";
- copies an unknown control/shutdown value Linux ignored ("Ignoring
  shutdown request: X") into data/pvsr/error, as the pvsr guest words it.
control/shutdown=poweroff makes Linux run /sbin/poweroff, which prints the
final result and powers off. It prints no pvsr-report lines: a harness run
of the pvsr scenarios with it fails for exactly that reason.
"""
import os
import subprocess

from .common import HarnessError, REPO_ROOT
from . import setup

NAME = "linux-domu"
# quiet: the kernel prints only warnings on the console (hvc0 writes are
# slow under TCG and would stretch Linux's own suspend); /init copies the
# whole kernel log with its time stamps instead.
CMDLINE = "console=hvc0 quiet"
WALLGAP_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wallgap.c")

INIT = r"""#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
exec > /dev/hvc0 2>&1
echo "KTAP version 1"
echo "1..2"
echo 0 > /cycle
/bin/wallgap /cycle &
wallgap=$!
if /usr/bin/xenstore-write data/pvsr/state ready; then
	echo "ok 1 linux_domu_ready"
else
	echo "not ok 1 linux_domu_ready"
fi
k=0
while :; do
	new=$($B dmesg -c)
	if [ -n "$new" ]; then
		echo "$new" | $B sed 's/^/# kmsg: /'
		n=$(echo "$new" | $B grep -c "Restarting tasks")
		if [ "$n" -gt 0 ]; then
			k=$((k + n))
			echo $k > /cycle
			kill -USR1 $wallgap
			echo "# resumed $k"
			/usr/bin/xenstore-write data/pvsr/state "resumed $k"
		fi
		bad=$(echo "$new" | $B sed -n 's/.*Ignoring shutdown request: //p' | $B tail -n 1)
		if [ -n "$bad" ]; then
			echo "# control/shutdown: ignoring unknown value '$bad'"
			/usr/bin/xenstore-write data/pvsr/error \
				"control/shutdown: ignoring unknown value '$bad': Linux ignored it"
		fi
	fi
	$B sleep 0.3
done
"""

POWEROFF = r"""#!/bin/busybox sh
echo "# poweroff requested after $(/bin/busybox cat /cycle 2>/dev/null || echo 0) resume(s)" > /dev/hvc0
echo "ok 2 linux_domu_poweroff" > /dev/hvc0
/bin/busybox poweroff -f
"""


def build_wallgap(out_path):
    """gcc -static wallgap.c (the domU has no C library of its own)."""
    cmd = ["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out_path,
           WALLGAP_C]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise HarnessError("building wallgap: %s (install gcc)" % e)
    if res.returncode != 0:
        raise HarnessError("building wallgap failed (%s): %s"
                           % (" ".join(cmd), res.stderr.strip()))
    return out_path


def build(cache_dir, out_path):
    """Write the ramdisk to out_path; return (ramdisk, kernel) paths."""
    cache = setup.Cache(cache_dir)
    rootfs = cache.rootfs
    wallgap = build_wallgap(out_path + ".wallgap")
    c = setup.Cpio()
    for d in ("bin", "sbin", "dev", "proc", "sys", "usr", "usr/bin", "lib", "lib64",
              "lib/x86_64-linux-gnu"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    seen = set()
    for binary in ("/bin/busybox", "/usr/bin/xenstore-read", "/usr/bin/xenstore-write"):
        setup.add_binary(c, rootfs, binary, seen)
    with open(wallgap, "rb") as f:
        c.file("bin/wallgap", f.read(), 0o755)
    c.file("init", INIT.encode(), 0o755)
    c.file("sbin/poweroff", POWEROFF.encode(), 0o755)
    with open(out_path, "wb") as f:
        f.write(c.finish())
    return out_path, cache.vmlinux


def default_path():
    return os.path.join(REPO_ROOT, "build", "linux-domu", "linux-domu.cpio")
