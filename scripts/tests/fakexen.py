# SPDX-License-Identifier: GPL-2.0
"""A fake xl/xenctx/xenstore-* on PATH, to run the dom0 job scripts offline.

Only for testing the harness's own shell and bookkeeping: it proves nothing
about Xen. MODE (in FAKE_XEN_MODE) picks what the "guest" does once unpaused:
poweroff, crash, hang, create-fails (boot); running, save-fails (the
scenarios that drive a running guest through xenstore states); no-report
(running, but it prints no pvsr-report lines); save-stalls (xl save
waits 2 s for a guest that never suspends, then fails); bogus-silent, bogus-acked
(running, but an unknown control/shutdown value is not reported, or is
cleared); remus-dies (running, but xl remus exits after two checkpoints);
not-ready (boot checks failed: state "failed"). The "guest"
prints its pvsr-report lines (2 vCPUs) after every resume, twice into
guest-NAME--incoming.log after a migration.
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
# report CYCLE RETURN [LOG]: the guest's pvsr-report lines after a resume
report() {
	[ "$FAKE_XEN_MODE" = no-report ] && return
	printf '# pvsr-report cycle=%d rc=%d called=1 return=%d prepare=50 park=100 down=200 teardown=300 hypercall=4000 rebind=500 rebuild=600 hooks=70 total=5820 vcpus=2\n# pvsr-vcpu cycle=%d vcpu=1 outcome=%d deferred=0 park=10 resume=20\n# pvsr-request cycle=%d via=evtchn\n' \
		"$1" "$2" "$2" "$1" $((2 + $2)) "$1" >> "$FAKE_CONSOLE/guest-pvsr-guest${3:-}.log"
}
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
	running|save-fails|save-stalls|no-report|bogus-*|remus-dies)
		echo "r-----" > "$d/state"; echo ready > "$d/xs" ;;
	not-ready) echo "r-----" > "$d/state"; echo failed > "$d/xs" ;;
	esac ;;
save)
	# xl save [-c] NAME FILE: the "guest" resumes and checks itself
	n=$(($(cat "$d/cycle" 2>/dev/null || echo 0) + 1)); echo $n > "$d/cycle"
	[ "$FAKE_XEN_MODE" = save-fails ] && exit 1
	# the guest never suspends: xl gives up after a while
	[ "$FAKE_XEN_MODE" = save-stalls ] && { sleep 2; exit 1; }
	if [ "$2" = -c ]; then
		report "$n" 1; echo "resumed $n" > "$d/xs"
	else
		rm -f "$d/state"
	fi
	true ;;
restore)
	echo "r-----" > "$d/state"; report "$(cat "$d/cycle")" 0
	echo "resumed $(cat "$d/cycle")" > "$d/xs" ;;
migrate)
	n=$(($(cat "$d/cycle" 2>/dev/null || echo 0) + 1)); echo $n > "$d/cycle"
	report "$n" 0 --incoming; report "$n" 0 --incoming
	echo "resumed $n" > "$d/xs" ;;
remus)
	# xl remus -F -b -n -d -i MS NAME HOST: checkpoints until killed; each
	# a suspend (state ---ss-, as Xen shows it), then a cancelled resume
	# after which the "guest" reports, runs its checks for 0.3 s and
	# publishes the cycle (a process of its own: killing xl leaves it).
	n=$(cat "$d/cycle" 2>/dev/null || echo 0)
	echo "xc: info: Saving domain 7, type x86 PV" >&2
	sleep 0.3
	while :; do
		echo "---ss-" > "$d/state"
		echo "xc: progress: Domain now suspended: 0/0    0%" >&2
		sleep 0.15
		n=$((n + 1)); echo $n > "$d/cycle"
		echo "r-----" > "$d/state"
		report "$n" 1
		( (sleep 0.3; echo "resumed $n" > "$d/xs") & )
		# a checkpoint fails with no word from xl (seen: a killed xl)
		[ "$FAKE_XEN_MODE" = remus-dies ] && [ "$n" -ge 2 ] && exit 1
		sleep 0.4
	done ;;
list)
	# xl list -v: the harness reads State and Reason-Code
	echo "Name ID Mem VCPUs State Time(s) UUID Reason-Code Security Label"
	echo "Domain-0 0 1024 2 r----- 10.0 00000000-0000-0000-0000-000000000000 - -"
	[ -f "$d/state" ] && echo "pvsr-guest 7 128 1 $(cat "$d/state") 1.0 uuid $(cat "$d/reason" 2>/dev/null || echo -) -"
	true ;;
dmesg) echo "(XEN) fake xen log" ;;
dump-core) [ -f "$d/state" ] || exit 1; echo "fake core of $2" > "$3" ;;
destroy) rm -f "$d/state" ;;
*) echo "fake xl: $1 ok" ;;
esac
"""

FAKE_XENCTX = """#!/bin/sh
echo "xenctx $*" >> "$FAKE_XEN_DIR/calls"
echo "rip: ffffffff80001234 (fake)"
"""

# Three nodes: data/pvsr/state (file xs), data/pvsr/error (xs-error),
# control/shutdown (xs-control).
FAKE_XS_READ = """#!/bin/sh
echo "xenstore-read $*" >> "$FAKE_XEN_DIR/calls"
case $1 in
*/data/pvsr/state) f=xs ;;
*/data/pvsr/error) f=xs-error ;;
*/control/shutdown) f=xs-control ;;
*) exit 1 ;;
esac
[ -f "$FAKE_XEN_DIR/$f" ] || exit 1
cat "$FAKE_XEN_DIR/$f"
"""

# control/shutdown=poweroff: the "guest" prints its final KTAP and goes;
# an unknown value is reported in data/pvsr/error and left in the node.
FAKE_XS_WRITE = """#!/bin/sh
d=$FAKE_XEN_DIR
echo "xenstore-write $*" >> "$d/calls"
case $1 in
*/control/shutdown) ;;
*) exit 0 ;;
esac
case $2 in
poweroff)
	rm -f "$d/state"
	printf 'KTAP version 1\\n1..1\\nok 1 boot_start_info\\n' \\
		>> "$FAKE_CONSOLE/guest-pvsr-guest.log" ;;
'')
	printf '\\n' > "$d/xs-control" ;;
*)
	printf '%s\\n' "$2" > "$d/xs-control"
	case $FAKE_XEN_MODE in
	bogus-silent) ;;
	bogus-acked) printf '\\n' > "$d/xs-control" ;;
	esac
	[ "$FAKE_XEN_MODE" = bogus-silent ] ||
		echo "control/shutdown: ignoring unknown value '$2': not one of suspend, poweroff, halt, reboot" > "$d/xs-error" ;;
esac
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


def run_job(tmp, mode, scenario="boot", vcpus=2, guest_timeout=2, cycles=1,
            stall_dump=jobmod.STALL_DUMP_S, **job_kw):
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
                                  jobdir=jobdir, save_dir=os.path.join(tmp, "save"),
                                  stall_dump=stall_dump, **job_kw))
    return run_job_sh(tmp, jobdir, out, mode), jobdir


def run_job_sh(tmp, jobdir, out, mode, timeout=60):
    """Run jobdir/job.sh under /bin/sh with the fake xl tools on PATH;
    returns its exit status."""
    fake = os.path.join(tmp, "fake")
    os.makedirs(fake, exist_ok=True)
    env = dict(os.environ, PATH=make_fake_bin(tmp) + ":" + os.environ["PATH"],
               PVSR_OUT=out, PVSR_CONSOLE=os.path.join(tmp, "console.txt"),
               FAKE_XEN_DIR=fake, FAKE_XEN_MODE=mode,
               FAKE_CONSOLE=os.path.join(out, "console"))
    res = subprocess.run(["sh", os.path.join(jobdir, "job.sh")], env=env,
                         capture_output=True, text=True, timeout=timeout)
    return res.returncode
