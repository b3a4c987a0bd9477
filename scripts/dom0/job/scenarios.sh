# SPDX-License-Identifier: GPL-2.0
# pvsr dom0 scenarios (POSIX sh), run by the generated /job/job.sh after
# lib.sh. Each scenario_NAME function drives the guest with xl and returns
# non-zero on any failure; result.txt tells the harness what happened
# (outcome=poweroff|crashed|timeout|create-failed|xl-failed|guest-failed).
#
# Adding a scenario: write scenario_<name with _ for ->, using create_guest,
# wait_state, the xl steps and finish_guest; add its name to
# scripts/pvsr_harness/xlcfg.py SCENARIOS.
#
# Variables from job.sh: GUEST_NAME GUEST_CFG VCPUS CYCLES GUEST_TIMEOUT
# STATE_TIMEOUT SAVE_DIR STALL_DUMP XS_SNOOP.

DOMID=

set_domid() {
	# The guest's domain id changes on every restore and migration.
	step domid xl domid "$GUEST_NAME" || { xl_failed domid; return 1; }
	DOMID=$(cat "$(last_out)")
	result domid "$DOMID"
	mark "guest-domid $DOMID"
}

# Create paused, learn the domain id, then unpause: a guest that runs to
# completion at once must not race the lookup of its id.
create_guest() {
	if ! step create xl create -p "$GUEST_CFG"; then
		result outcome create-failed
		return 1
	fi
	set_domid || return 1
	step unpause xl unpause "$DOMID" || { xl_failed unpause; return 1; }
}

# The guest's xl list -v state and shutdown reason code ("r----- -",
# "---s-- 0"), "gone" or "xl-error".
guest_state() {
	_list=$(xl list -v 2>/dev/null) || { echo xl-error; return; }
	_st=$(echo "$_list" | awk -v n="$GUEST_NAME" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "Reason-Code") rc = i }
		$1 == n { print $5, (rc ? $rc : "?") }')
	echo "${_st:-gone}"
}

# The guest's console log being written now: after a live migration
# xenconsoled goes on writing guest-NAME--incoming.log (the domain's name
# while it arrived), after a restore guest-NAME.log again.
guest_console() {
	# shellcheck disable=SC2012 # our own file names, newest first
	ls -t "$PVSR_OUT/console/guest-$GUEST_NAME"*.log 2>/dev/null | head -n 1
}

# The guest's data/pvsr/state as a number: K for "resumed K", 0 for
# "ready", -1 for "failed", -2 for anything else (or no node).
guest_state_k() {
	_s=$(xenstore-read "/local/domain/$DOMID/data/pvsr/state" 2>/dev/null)
	case $_s in
	"resumed "*) echo "${_s#resumed }" ;;
	ready) echo 0 ;;
	failed) echo -1 ;;
	*) echo -2 ;;
	esac
}

# The highest cycle the guest's console has a pvsr-report line for (its
# suspend returned), 0 if none. Reads only the log's tail.
guest_reported_k() {
	_r=$(tail -c 65536 "$(guest_console)" 2>/dev/null |
		sed -n 's/.*# pvsr-report cycle=\([0-9]*\) .*/\1/p' | tail -n 1)
	echo "${_r:-0}"
}

# The domain is shut down for a suspend (reason 2) and stays so.
guest_suspended() {
	case $(guest_state) in
	*s*\ 2) return 0 ;;
	esac
	return 1
}

# Resume a domain left suspended with no toolstack behind it, as libxl
# does for a cancelled suspend (xc_domain_resume fast, then xenstored's
# XS_RESUME): the guest's suspend hypercall returns 1.
guest_resume_cancelled() {
	PYTHONPATH=/usr/lib/xen-4.17/lib/python python3 -c '
import sys
import xen.lowlevel.xc as xc
import xen.lowlevel.xs as xs
d = int(sys.argv[1])
xc.xc().domain_resume(d, 1)
h = xs.xs()
h.resume_domain(d)
print("domain %d resumed cancelled" % d)' "$DOMID"
}

# Condition for wait_until: the guest has powered off (gone), crashed, or
# shut down and stayed (after `xl save -c` the xl process that watched the
# domain has exited, so nobody applies on_poweroff="destroy" any more).
guest_ended() {
	_gs=$(guest_state)
	# Log each change of state (into the step's output), not every poll.
	[ "$_gs" != "${_last_gs:-}" ] && echo "$(uptime_s) s: xl list state $_gs"
	_last_gs=$_gs
	case $_gs in
	gone) echo gone > "$PVSR_OUT/guest-end" ;;
	*c*) echo crashed > "$PVSR_OUT/guest-end" ;;
	*s*\ 2) return 1 ;;	# suspended: a save or migration in progress
	*s*) echo "shutdown ${_gs#* }" > "$PVSR_OUT/guest-end" ;;
	*) return 1 ;;
	esac
}

dump_guest() {
	# Everything that tells why a guest died or hangs: Xen's view of the
	# domain and each vCPU's registers and stack, and its memory.
	step xl-list-v xl list -v
	step vcpu-list xl vcpu-list "$DOMID"
	_v=0
	while [ "$_v" -lt "$VCPUS" ]; do
		if [ -s /job/pvsr-guest.map ] && [ -z "${GUEST_FOREIGN:-}" ]; then
			step "xenctx-v$_v" xenctx -s /job/pvsr-guest.map -a "$DOMID" "$_v"
		else
			step "xenctx-v$_v" xenctx -a "$DOMID" "$_v"
		fi
		_v=$((_v + 1))
	done
	# Another guest than pvsr's (GUEST_FOREIGN: the compare scenario's
	# Linux domU): tagged so the host does not read it with pvsr's ELF.
	step dump-core dump_core "$DOMID" \
		"${GUEST_FOREIGN:+foreign-$GUEST_NAME-}end"
}

# dump_core DOMID TAG: `xl dump-core` of the domain (an ELF core: vCPU
# contexts and every page, for the host's scripts/pvsr-core) into
# $PVSR_OUT/cores/guest-TAG.core. Dumped onto dom0's own disk first (a
# save straight onto the 9p share fails, see XEN-FACTS), then copied.
dump_core() {
	mkdir -p "$SAVE_DIR" "$PVSR_OUT/cores" || return 1
	_core=$SAVE_DIR/guest-$2.core
	rm -f "$_core"
	echo "$(uptime_s) s: xl dump-core $1 $_core"
	xl dump-core "$1" "$_core" || { rm -f "$_core"; return 1; }
	ls -l "$_core"
	cp "$_core" "$PVSR_OUT/cores/guest-$2.core"
	_rc=$?
	rm -f "$_core"
	echo "$(uptime_s) s: copied to $PVSR_OUT/cores/guest-$2.core (rc $_rc)"
	return $_rc
}

# suspend_watched TAG XL-COMMAND...: run an xl command that asks the guest
# to suspend at once (save, save -c). If after $STALL_DUMP seconds the
# guest is still running, not suspended, it hangs in its suspend: dump its
# core once, paused, while it hangs (e.g. the pause barrier still holding),
# then let it go on and keep waiting for xl. STALL_DUMP=0: no watch. Not
# for `xl migrate`: its pre-copy runs the guest for seconds before it asks
# for the suspend.
# Returns xl's exit status.
suspend_watched() {
	_tag=$1
	shift
	"$@" &
	_xl=$!
	_sw_t0=$(uptime_s)
	_watch=${STALL_DUMP:-0}
	while kill -0 "$_xl" 2>/dev/null; do
		if [ "$_watch" -gt 0 ] && [ "$(awk -v a="$_sw_t0" -v b="$(uptime_s)" \
			'BEGIN { print (b - a >= '"$_watch"') }')" = 1 ]; then
			_watch=0
			_gs=$(guest_state)
			case $_gs in
			*s* | *c* | gone | xl-error) ;;
			*)
				echo "$(uptime_s) s: guest not suspended after $STALL_DUMP s (state $_gs): stall dump"
				result stall_dump "$_tag"
				xl pause "$DOMID"
				dump_core "$DOMID" "stall-$_tag"
				xl unpause "$DOMID" ;;
			esac
		fi
		sleep 0.2
	done
	wait "$_xl"
}

# Wait (bounded) for the guest to power off; a crash or a hang is a failure.
wait_guest_end() {
	rm -f "$PVSR_OUT/guest-end"
	if step wait-guest-end wait_until "$1" guest_ended; then
		_end=$(cat "$PVSR_OUT/guest-end")
	else
		_end=timeout
	fi
	case $_end in
	shutdown\ *)
		# Left shut down with reason code ${_end#shutdown }: record it
		# (the harness wants poweroff, 0) and clean up as xl would have.
		result shutdown_reason "${_end#shutdown }"
		step destroy xl destroy "$DOMID"
		_end=gone ;;
	esac
	result outcome "$_end"
	case $_end in
	gone)
		return 0 ;;
	crashed)
		dump_guest
		step destroy xl destroy "$DOMID"
		return 1 ;;
	*)
		step pause xl pause "$DOMID"
		dump_guest
		step destroy xl destroy "$DOMID"
		return 1 ;;
	esac
}

# Condition for wait_until: data/pvsr/state is $WANT, or "failed", or the
# guest is no longer running normally.
state_reached() {
	_s=$(xenstore-read "/local/domain/$DOMID/data/pvsr/state" 2>/dev/null)
	echo "$_s" > "$PVSR_OUT/guest-xs-state"
	[ "$_s" != "${_last_xs:-}" ] && echo "$(uptime_s) s: data/pvsr/state '$_s'"
	_last_xs=$_s
	[ "$_s" = "$WANT" ] && return 0
	[ "$_s" = failed ] && return 0
	guest_ended
}

# wait_state STATE: wait until the guest reports STATE in xenstore.
wait_state() {
	WANT=$1
	rm -f "$PVSR_OUT/guest-end"
	step "wait-$(echo "$1" | tr ' ' -)" wait_until "$STATE_TIMEOUT" state_reached
	_got=$(cat "$PVSR_OUT/guest-xs-state")
	[ "$_got" = "$WANT" ] && return 0
	if [ -f "$PVSR_OUT/guest-end" ]; then
		result outcome "$(cat "$PVSR_OUT/guest-end")"
	else
		result outcome guest-failed
	fi
	result failed_waiting_for "$WANT (state '$_got')"
	[ -f "$PVSR_OUT/guest-end" ] && [ "$(cat "$PVSR_OUT/guest-end")" = gone ] ||
		dump_guest
	return 1
}

# Ask the guest to power off (it prints its final KTAP) and wait for it.
finish_guest() {
	step shutdown xenstore-write "/local/domain/$DOMID/control/shutdown" poweroff ||
		return 1
	wait_guest_end "$GUEST_TIMEOUT"
}

xl_failed() {
	result outcome xl-failed
	result failed_step "$1"
	[ -n "$DOMID" ] && dump_guest
	return 1
}

scenario_boot() {
	create_guest || return 1
	wait_guest_end "$GUEST_TIMEOUT"
}

# An unknown control/shutdown value must be reported by the guest (in
# data/pvsr/error) and left in the node: only requests it carries out are
# acknowledged (cleared), as Linux does.
BOGUS_REQUEST=pvsr-from-dom0
BOGUS_TIMEOUT=60

# Condition for wait_until: data/pvsr/error names $BOGUS_REQUEST, or the
# guest is no longer running (then $PVSR_OUT/guest-end says how).
bogus_reported() {
	_e=$(xenstore-read "/local/domain/$DOMID/data/pvsr/error" 2>/dev/null)
	[ "$_e" != "${_last_err:-}" ] && echo "$(uptime_s) s: data/pvsr/error '$_e'"
	_last_err=$_e
	case $_e in
	*"'$BOGUS_REQUEST'"*) return 0 ;;
	esac
	guest_ended
}

# Write the bogus request, wait (bounded) for the guest's report, check the
# node still holds it, clear it. result.txt gets control_bogus_reported and
# control_bogus_left (yes/no; the harness fails the run on a "no") and
# control_bogus_node (what the node held). Returns 1 only if the guest is
# gone or xenstore failed, so the cycles still run after a "no".
check_unknown_request() {
	_node=/local/domain/$DOMID/control/shutdown
	step control-bogus xenstore-write "$_node" "$BOGUS_REQUEST" ||
		{ xl_failed control-bogus; return 1; }
	_t=$BOGUS_TIMEOUT
	[ "$STATE_TIMEOUT" -lt "$_t" ] && _t=$STATE_TIMEOUT
	rm -f "$PVSR_OUT/guest-end"
	_last_err=
	if step wait-bogus-reported wait_until "$_t" bogus_reported &&
		[ ! -f "$PVSR_OUT/guest-end" ]; then
		result control_bogus_reported yes
	else
		result control_bogus_reported no
	fi
	if [ -f "$PVSR_OUT/guest-end" ]; then
		result outcome "$(cat "$PVSR_OUT/guest-end")"
		result failed_waiting_for "data/pvsr/error naming '$BOGUS_REQUEST'"
		[ "$(cat "$PVSR_OUT/guest-end")" = gone ] || dump_guest
		return 1
	fi
	# A failed read: the guest removed the node (acknowledged it too).
	if step control-bogus-read xenstore-read "$_node"; then
		_v=$(cat "$(last_out)")
	else
		_v="(no node)"
	fi
	result control_bogus_node "$_v"
	if [ "$_v" = "$BOGUS_REQUEST" ]; then
		result control_bogus_left yes
	else
		result control_bogus_left no
	fi
	step control-bogus-clear xenstore-write "$_node" "" ||
		{ xl_failed control-bogus-clear; return 1; }
}

scenario_save_restore() {
	create_guest || return 1
	wait_state ready || return 1
	check_unknown_request || return 1
	mkdir -p "$SAVE_DIR"
	_k=1
	while [ "$_k" -le "$CYCLES" ]; do
		step "save-$_k" suspend_watched "save-$_k" \
			xl save "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
			{ xl_failed "save-$_k"; return 1; }
		step "restore-$_k" xl restore "$SAVE_DIR/guest.save" ||
			{ xl_failed "restore-$_k"; return 1; }
		step "rm-save-$_k" rm -f "$SAVE_DIR/guest.save"
		set_domid || return 1
		wait_state "resumed $_k" || return 1
		_k=$((_k + 1))
	done
	finish_guest
}

scenario_checkpoint() {
	create_guest || return 1
	wait_state ready || return 1
	mkdir -p "$SAVE_DIR"
	_k=1
	while [ "$_k" -le "$CYCLES" ]; do
		step "checkpoint-$_k" suspend_watched "checkpoint-$_k" \
			xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
			{ xl_failed "checkpoint-$_k"; return 1; }
		step "rm-save-$_k" rm -f "$SAVE_DIR/guest.save"
		wait_state "resumed $_k" || return 1
		_k=$((_k + 1))
	done
	finish_guest
}

scenario_migrate() {
	create_guest || return 1
	wait_state ready || return 1
	_k=1
	while [ "$_k" -le "$CYCLES" ]; do
		# xl runs "TRANSPORT HOST xl migrate-receive"; the transport
		# drops HOST and runs the receiver locally.
		step "migrate-$_k" xl migrate -s /job/migrate-transport.sh \
			"$GUEST_NAME" localhost ||
			{ xl_failed "migrate-$_k"; return 1; }
		set_domid || return 1
		wait_state "resumed $_k" || return 1
		_k=$((_k + 1))
	done
	finish_guest
}

# xl's logs of the guest, oldest first: after a migration the domain is
# watched by the receiving xl, which logs to xl-NAME--incoming.log.
xl_guest_logs() {
	for _f in $(ls -tr /var/log/xen/xl-"$GUEST_NAME"*.log); do
		echo "==> $_f <=="
		cat "$_f"
	done
}

# oxenstored's access log(s) into $PVSR_OUT/xenstore (--xs-snoop).
copy_access_log() {
	mkdir -p "$PVSR_OUT/xenstore" &&
	ls -l /var/log/xen/xenstored-access.log* &&
	cp /var/log/xen/xenstored-access.log* "$PVSR_OUT/xenstore/"
}

# Dom0 first: the largest scheduler weight for Domain-0, as Xen's tuning
# advice has it for busy hosts. This host has 2 pCPUs; a guest with 64
# busy vCPUs at equal weight left dom0 (and so xl, xenstored and the
# harness's own checks) a 1/33 share and stretched runs to 45 minutes.
DOM0_WEIGHT=65535
dom0_first() {
	xl sched-credit2 -d Domain-0 -w "$DOM0_WEIGHT" ||
		xl sched-credit -d Domain-0 -w "$DOM0_WEIGHT"
}

run_scenario() {
	result scenario "$1"
	mark "scenario-start $1"
	if step dom0-weight dom0_first; then
		result dom0_weight "$DOM0_WEIGHT"
	else
		result dom0_weight "default (xl sched-credit2/sched-credit failed)"
	fi
	"scenario_$(echo "$1" | tr - _)"
	_src=$?
	# Always: Xen's console ring, dom0's kernel log, and xl's own log of
	# the guest (it records each shutdown with its reason code).
	step xl-dmesg xl dmesg
	step dom0-dmesg dmesg
	step xl-guest-log xl_guest_logs
	[ "${XS_SNOOP:-0}" = 1 ] && step xs-access-log copy_access_log
	result scenario_rc "$_src"
	mark "scenario-end $1 rc=$_src"
	return $_src
}

# vCPUs of the guest that run (xl vcpu-list; a vCPU that is down shows
# no pCPU, "-").
vcpus_running() {
	xl vcpu-list "$GUEST_NAME" | awk 'NR > 1 && $4 != "-" { n++ } END { print n + 0 }'
}

# Condition for wait_until: exactly $WANT_VCPUS vCPUs run.
vcpus_reached() {
	_n=$(vcpus_running)
	[ "$_n" != "${_last_n:-}" ] && echo "$(uptime_s) s: $_n vCPU(s) running"
	_last_n=$_n
	[ "$_n" = "$WANT_VCPUS" ]
}

# vcpu_set N: xl vcpu-set, then wait (bounded) until the guest has taken
# its vCPUs down or brought them up (it honours cpu/N/availability).
vcpu_set() {
	step "vcpu-set-$1" xl vcpu-set --ignore-host "$GUEST_NAME" "$1" ||
		{ xl_failed "vcpu-set-$1"; return 1; }
	WANT_VCPUS=$1
	_last_n=
	step "wait-vcpus-$1" wait_until "$STATE_TIMEOUT" vcpus_reached ||
		{ result outcome guest-failed; result failed_step "wait-vcpus-$1"; dump_guest; return 1; }
	result "vcpus_after_set_$1" "$(vcpus_running)"
}

# vCPU hotplug across suspends (the domain has maxvcpus vCPUs, $VCPUS at
# boot): up, checkpoint, down, save/restore (a new domain), up again
# through the context builder, and a request the guest must refuse
# (vCPU 1 carries its workloads' IPI ring).
scenario_hotplug() {
	create_guest || return 1
	wait_state ready || return 1
	_max=$(xl vcpu-list "$GUEST_NAME" | awk 'NR > 1 { n++ } END { print n + 0 }')
	result max_vcpus "$_max"
	mkdir -p "$SAVE_DIR"
	vcpu_set "$_max" || return 1
	step checkpoint-1 suspend_watched checkpoint-1 \
		xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		{ xl_failed checkpoint-1; return 1; }
	step rm-save-1 rm -f "$SAVE_DIR/guest.save"
	wait_state "resumed 1" || return 1
	vcpu_set "$VCPUS" || return 1
	step save-2 suspend_watched save-2 \
		xl save "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		{ xl_failed save-2; return 1; }
	step restore-2 xl restore "$SAVE_DIR/guest.save" ||
		{ xl_failed restore-2; return 1; }
	step rm-save-2 rm -f "$SAVE_DIR/guest.save"
	set_domid || return 1
	wait_state "resumed 2" || return 1
	vcpu_set $((VCPUS + 1)) || return 1
	# Asking every vCPU but 0 to go: the extra one goes, the ring's vCPUs
	# are refused and keep running.
	step vcpu-set-1 xl vcpu-set --ignore-host "$GUEST_NAME" 1 || { xl_failed vcpu-set-1; return 1; }
	sleep 2
	result vcpus_after_refused_set "$(vcpus_running)"
	step error-after-refused xenstore-read "/local/domain/$DOMID/data/pvsr/error"
	finish_guest
}
