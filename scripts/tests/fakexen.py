# SPDX-License-Identifier: GPL-2.0
"""A fake xl/xenctx/xenstore-* on PATH, to run the dom0 job scripts offline.

Only for testing the harness's own shell and bookkeeping: it proves nothing
about Xen. MODE (in FAKE_XEN_MODE) picks what the "guest" does once unpaused:
poweroff, crash, hang, create-fails (boot); running, save-fails (the
scenarios that drive a running guest through xenstore states).
"""
import os
import shutil
import stat
import subprocess

from pvsr_harness import job as jobmod
from pvsr_harness.common import DOM0_JOB_DIR

FAKE_XL = r"""#!/bin/sh
# fake xl: state in $FAKE_XEN_DIR/state (absent = no guest)
d=$FAKE_XEN_DIR
echo "xl $*" >> "$d/calls"
case $1 in
create)
	[ "$FAKE_XEN_MODE" = create-fails ] && { echo "libxl: error: fake" >&2; exit 3; }
	echo "Parsing config from $3"; echo "--p---" > "$d/state" ;;
domid)
	[ -f "$d/state" ] || { echo "invalid domain" >&2; exit 1; }; echo 7 ;;
unpause)
	case $FAKE_XEN_MODE in
	poweroff) rm -f "$d/state"
		printf 'KTAP version 1\n1..2\nok 1 boot_start_info\nok 2 boot_b\n' \
			> "$FAKE_CONSOLE/guest-pvsr-guest.log" ;;
	crash) echo "----c-" > "$d/state"
		printf 'KTAP version 1\n1..2\nok 1 boot_start_info\nPANIC\n' \
			> "$FAKE_CONSOLE/guest-pvsr-guest.log" ;;
	hang) echo "r-----" > "$d/state" ;;
	stays-shutdown|stays-rebooted)	# no xl watching: the domain stays
		echo "---s--" > "$d/state"
		[ "$FAKE_XEN_MODE" = stays-shutdown ] && echo 0 > "$d/reason" || echo 1 > "$d/reason"
		printf 'KTAP version 1\n1..2\nok 1 boot_start_info\nok 2 boot_b\n' \
			> "$FAKE_CONSOLE/guest-pvsr-guest.log" ;;
	running|save-fails) echo "r-----" > "$d/state"; echo ready > "$d/xs" ;;
	esac ;;
save)
	# xl save [-c] NAME FILE: the "guest" resumes and checks itself
	n=$(($(cat "$d/cycle" 2>/dev/null || echo 0) + 1)); echo $n > "$d/cycle"
	[ "$2" = -c ] && echo "resumed $n" > "$d/xs" || rm -f "$d/state"
	[ "$FAKE_XEN_MODE" = save-fails ] && exit 1
	true ;;
restore)
	echo "r-----" > "$d/state"; echo "resumed $(cat "$d/cycle")" > "$d/xs" ;;
migrate)
	n=$(($(cat "$d/cycle" 2>/dev/null || echo 0) + 1)); echo $n > "$d/cycle"
	echo "resumed $n" > "$d/xs" ;;
list)
	# xl list -v: the harness reads State and Reason-Code
	echo "Name ID Mem VCPUs State Time(s) UUID Reason-Code Security Label"
	echo "Domain-0 0 1024 2 r----- 10.0 00000000-0000-0000-0000-000000000000 - -"
	[ -f "$d/state" ] && echo "pvsr-guest 7 128 1 $(cat "$d/state") 1.0 uuid $(cat "$d/reason" 2>/dev/null || echo -) -"
	true ;;
dmesg) echo "(XEN) fake xen log" ;;
destroy) rm -f "$d/state" ;;
*) echo "fake xl: $1 ok" ;;
esac
"""

FAKE_XENCTX = """#!/bin/sh
echo "xenctx $*" >> "$FAKE_XEN_DIR/calls"
echo "rip: ffffffff80001234 (fake)"
"""

FAKE_XS_READ = """#!/bin/sh
echo "xenstore-read $*" >> "$FAKE_XEN_DIR/calls"
[ -f "$FAKE_XEN_DIR/xs" ] || exit 1
cat "$FAKE_XEN_DIR/xs"
"""

# control/shutdown=poweroff: the "guest" prints its final KTAP and goes.
FAKE_XS_WRITE = """#!/bin/sh
echo "xenstore-write $*" >> "$FAKE_XEN_DIR/calls"
if [ "$2" = poweroff ]; then
	rm -f "$FAKE_XEN_DIR/state"
	printf 'KTAP version 1\\n1..1\\nok 1 boot_start_info\\n' \\
		> "$FAKE_CONSOLE/guest-pvsr-guest.log"
fi
"""


def make_fake_bin(tmp):
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    for name, text in (("xl", FAKE_XL), ("xenctx", FAKE_XENCTX),
                       ("xenstore-read", FAKE_XS_READ),
                       ("xenstore-write", FAKE_XS_WRITE)):
        p = os.path.join(bindir, name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, os.stat(p).st_mode | stat.S_IEXEC)
    return bindir


def run_job(tmp, mode, scenario="boot", vcpus=2, guest_timeout=2, cycles=1):
    """Lay out a job folder in tmp (as the harness does) and run job.sh with
    the fake tools; returns (exit status, jobdir)."""
    jobdir = os.path.join(tmp, "job")
    out = os.path.join(jobdir, "out")
    os.makedirs(os.path.join(out, "console"), exist_ok=True)
    for name in os.listdir(DOM0_JOB_DIR):
        shutil.copy(os.path.join(DOM0_JOB_DIR, name), jobdir)
    with open(os.path.join(jobdir, "guest.cfg"), "w") as f:
        f.write('name = "pvsr-guest"\n')
    with open(os.path.join(jobdir, "job.sh"), "w") as f:
        f.write(jobmod.job_script(scenario, vcpus, cycles, guest_timeout, guest_timeout,
                                  jobdir=jobdir, save_dir=os.path.join(tmp, "save")))
    fake = os.path.join(tmp, "fake")
    os.makedirs(fake, exist_ok=True)
    env = dict(os.environ, PATH=make_fake_bin(tmp) + ":" + os.environ["PATH"],
               PVSR_OUT=out, PVSR_CONSOLE=os.path.join(tmp, "console.txt"),
               FAKE_XEN_DIR=fake, FAKE_XEN_MODE=mode,
               FAKE_CONSOLE=os.path.join(out, "console"))
    res = subprocess.run(["sh", os.path.join(jobdir, "job.sh")], env=env,
                         capture_output=True, text=True, timeout=60)
    return res.returncode, jobdir
