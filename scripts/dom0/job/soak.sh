# SPDX-License-Identifier: GPL-2.0
# pvsr dom0 soak (POSIX sh, dash): one guest through a long series of
# suspends in one Xen boot, sourced by job.sh after lib.sh and scenarios.sh.
#
# scripts/soak writes the plan into /job/soak.conf (without it the soak is
# $CYCLES remus checkpoints):
#   SOAK_PLAN           lines "KIND COUNT", run in order. KIND is checkpoint
#                       (xl remus, blackhole), save-restore, migrate, or a
#                       fault: fault-back-to-back, fault-double-request,
#                       fault-unknown, fault-pause, fault-toolstack-fail,
#                       fault-vcpu-set
#   SOAK_REMUS_MS       remus checkpoint interval (ms)
#   SOAK_CYCLE_TIMEOUT  longest wait for one cycle's "resumed K" (s)
#
# The guest counts its suspends (cycle K); after each it publishes
# data/pvsr/state "resumed K" (or "failed"). dom0 records, per cycle, what
# the toolstack did in $PVSR_OUT/soak-cycles.tsv ("K kind fault uptime"),
# per fault its outcome in $PVSR_OUT/soak-faults.tsv ("fault first last
# outcome detail"), and marks "soak cycle K KIND" on the console (the
# host's progress). The first failure stops the soak: result.txt gets
# soak_stop_cycle and soak_stop_reason, the guest is dumped (dump_guest)
# and asked to power off (its final KTAP), or destroyed if it hangs.

SOAK_DONE=0          # last cycle the guest finished ("resumed K")
SOAK_STOPPED=
SOAK_REMUS_MS=100
SOAK_CYCLE_TIMEOUT=120
SOAK_PLAN="checkpoint ${CYCLES:-1}"
# The job folder (/job in dom0): where job.sh, which sources this, lives.
SOAK_JOB=$(dirname "$0")
# shellcheck disable=SC1091 # written per run by scripts/soak
[ -f "$SOAK_JOB/soak.conf" ] && . "$SOAK_JOB/soak.conf"

soak_record() {
	# soak_record K KIND FAULT
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${3:--}" "$(uptime_s)" \
		>> "$PVSR_OUT/soak-cycles.tsv"
	mark "soak cycle $1 $2${3:+ $3}"
}

soak_fault_result() {
	# soak_fault_result FAULT FIRST LAST OUTCOME DETAIL...
	_f=$1 _a=$2 _b=$3 _o=$4
	shift 4
	printf '%s\t%s\t%s\t%s\t%s\n' "$_f" "$_a" "$_b" "$_o" "$*" \
		>> "$PVSR_OUT/soak-faults.tsv"
	mark "soak fault $_f cycles $_a-$_b $_o"
}

# The host found a failed check in the guest's console (scripts/soak
# writes /job/soak-stop: "K what"): the guest's own "failed" state does not
# last when requests keep coming, the next "resumed K" overwrites it.
SOAK_HOST_STOP=$SOAK_JOB/soak-stop

# Condition for wait_until: the guest finished a cycle after $SOAK_WANT - 1,
# reported failed, ended, the host asked to stop, or (if $SOAK_XL is set)
# that xl process exited.
soak_progress() {
	_k=$(guest_state_k)
	echo "$_k" > "$PVSR_OUT/soak-state"
	[ -f "$SOAK_HOST_STOP" ] && return 0
	[ "$_k" -ge "$SOAK_WANT" ] && return 0
	[ "$_k" = -1 ] && return 0
	[ -n "${SOAK_XL:-}" ] && ! kill -0 "$SOAK_XL" 2>/dev/null && return 0
	guest_ended
}

# soak_wait K: wait (bounded) until the guest finished cycle K or later.
# Returns 0 if it did; else sets SOAK_STOPPED and returns 1.
soak_wait() {
	SOAK_WANT=$1
	rm -f "$PVSR_OUT/guest-end"
	wait_until "$SOAK_CYCLE_TIMEOUT" soak_progress > /dev/null
	_k=$(cat "$PVSR_OUT/soak-state")
	soak_host_stop && return 1
	[ "$_k" -ge "$1" ] && return 0
	if [ -f "$PVSR_OUT/guest-end" ]; then
		soak_stop "$1" "the guest $(cat "$PVSR_OUT/guest-end") before finishing cycle $1"
	elif [ "$_k" = -1 ]; then
		# "failed" has no number: the guest's last report names the cycle.
		_rk=$(guest_reported_k)
		[ "$_rk" -lt "$1" ] && _rk=$1
		soak_stop "$_rk" "the guest reported failed in data/pvsr/state (its last cycle: $_rk)"
	elif [ -n "${SOAK_XL:-}" ] && ! kill -0 "$SOAK_XL" 2>/dev/null; then
		return 1
	else
		soak_stop "$1" "no 'resumed $1' from the guest within $SOAK_CYCLE_TIMEOUT s (state '$(xenstore-read "/local/domain/$DOMID/data/pvsr/state" 2>/dev/null)')"
	fi
	return 1
}

# The host asked to stop: take its cycle and reason.
soak_host_stop() {
	[ -f "$SOAK_HOST_STOP" ] || return 1
	read -r _hk _hwhy < "$SOAK_HOST_STOP"
	soak_stop "$_hk" "the host found a failed check: $_hwhy"
	return 0
}

# Record every cycle from SOAK_DONE+1 to K as KIND (FAULT).
soak_advance() {
	while [ "$SOAK_DONE" -lt "$1" ]; do
		SOAK_DONE=$((SOAK_DONE + 1))
		soak_record "$SOAK_DONE" "$2" "${3:-}"
	done
}

soak_stop() {
	[ -n "$SOAK_STOPPED" ] && return 1
	SOAK_STOPPED=$1
	result soak_stop_cycle "$1"
	result soak_stop_reason "$2"
	mark "soak stop cycle $1: $2"
	return 1
}

# ---- one op each, all ending with the guest's "resumed K" ----

soak_save_restore() {
	_k=$((SOAK_DONE + 1))
	step "save-$_k" suspend_watched "save-$_k" \
		xl save "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		{ soak_stop "$_k" "xl save failed (step save-$_k)"; return 1; }
	step "restore-$_k" xl restore "$SAVE_DIR/guest.save" ||
		{ soak_stop "$_k" "xl restore failed (step restore-$_k)"; return 1; }
	rm -f "$SAVE_DIR/guest.save"
	set_domid || { soak_stop "$_k" "no domain id after restore $_k"; return 1; }
	soak_wait "$_k" || return 1
	soak_advance "$_k" save-restore
}

soak_migrate() {
	_k=$((SOAK_DONE + 1))
	step "migrate-$_k" xl migrate -s "$SOAK_JOB/migrate-transport.sh" \
		"$GUEST_NAME" localhost ||
		{ soak_stop "$_k" "xl migrate failed (step migrate-$_k)"; return 1; }
	set_domid || { soak_stop "$_k" "no domain id after migration $_k"; return 1; }
	soak_wait "$_k" || return 1
	soak_advance "$_k" migrate
}

# One checkpoint with `xl save -c` (the faults use it: one request each).
soak_save_c() {
	_k=$((SOAK_DONE + 1))
	step "checkpoint-$_k" suspend_watched "checkpoint-$_k" \
		xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		{ soak_stop "$_k" "xl save -c failed (step checkpoint-$_k)"; return 1; }
	rm -f "$SAVE_DIR/guest.save"
	[ "${2:-wait}" = nowait ] && return 0
	soak_wait "$_k" || return 1
	soak_advance "$_k" save-c "${1:-}"
}

# ---- remus: memory checkpoints into a blackhole, N of them ----

# Stop remus (remus_stop); a stopped soak stops it at once: no more
# cycles of a failed guest.
soak_remus_stop() {
	remus_stop "$1" "${SOAK_STOPPED:+now}"
}

# Variables here must not be the ones `step` (lib.sh: _n, _rc, ...) or
# soak_wait (_k) set: they run inside.
soak_checkpoints() {
	_goal=$((SOAK_DONE + $1))
	_first=$((SOAK_DONE + 1))
	_cpstep=$(cat "$PVSR_OUT/.nstep" 2>/dev/null || echo 0)
	_log=$PVSR_OUT/steps/remus-$_first.out
	mark "soak remus from cycle $_first to $_goal"
	printf '$ %s\n' "$(quote xl remus -F -b -n -d -i "$SOAK_REMUS_MS" "$GUEST_NAME" localhost)" \
		>> "$PVSR_OUT/commands.log"
	xl remus -F -b -n -d -i "$SOAK_REMUS_MS" "$GUEST_NAME" localhost \
		> "$_log" 2>&1 < /dev/null &
	SOAK_XL=$!
	_cprc=0
	while [ "$SOAK_DONE" -lt "$_goal" ]; do
		soak_wait $((SOAK_DONE + 1)) || { _cprc=1; break; }
		_k=$(cat "$PVSR_OUT/soak-state")
		[ "$_k" -gt "$_goal" ] && _k=$_goal
		soak_advance "$_k" checkpoint
	done
	SOAK_XL_PID=$SOAK_XL
	SOAK_XL=
	if ! kill -0 "$SOAK_XL_PID" 2>/dev/null; then
		wait "$SOAK_XL_PID"
		_xrc=$?
		[ -z "$SOAK_STOPPED" ] && soak_stop $((SOAK_DONE + 1)) \
			"xl remus exited (status $_xrc) after cycle $SOAK_DONE: $(tail -n 3 "$_log" | tr '\n' ' ')"
		_cprc=1
	elif ! step "remus-stop-$_first" soak_remus_stop "$SOAK_XL_PID"; then
		[ -z "$SOAK_STOPPED" ] && soak_stop $((SOAK_DONE + 1)) \
			"stopping xl remus left the guest unsettled (step remus-stop-$_first)"
		_cprc=1
	fi
	sed 's/^/  | /' "$_log" >> "$PVSR_OUT/commands.log"
	printf '# remus from cycle %d: stopped after cycle %d (step count was %d)\n' \
		"$_first" "$SOAK_DONE" "$_cpstep" >> "$PVSR_OUT/commands.log"
	if [ "$_cprc" != 0 ]; then
		# The cycles remus made still happened (a stopped soak counts
		# them up to its stop cycle).
		soak_advance "$(guest_reported_k)" checkpoint
		return 1
	fi
	# Cycles remus finished while it was being stopped.
	_k=$(guest_reported_k)
	if [ "$_k" -gt "$SOAK_DONE" ]; then
		soak_wait "$_k" || return 1
		soak_advance "$_k" checkpoint
	fi
}

# ---- faults ----

# Two checkpoints back to back: the second request arrives while the
# guest still runs its resume (checks, hooks) of the first. dom0 is too
# slow to win that race by itself (an xl start-up takes longer than the
# guest's checks), so it pauses the guest the moment the first xl save -c
# is over, sends the second request to the paused guest, and unpauses it:
# the request is there before the guest finished resume $_a unless it
# finished before the pause (the record says which).
soak_fault_back_to_back() {
	_a=$((SOAK_DONE + 1))
	_b=$((_a + 1))
	step "checkpoint-$_a" sh -c "xl save -c $GUEST_NAME $SAVE_DIR/guest.save && xl pause $DOMID" ||
		{ soak_stop "$_a" "back to back: xl save -c or xl pause failed (step checkpoint-$_a)"; return 1; }
	_mid=$(guest_state_k)
	xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" \
		> "$PVSR_OUT/steps/back-to-back-$_b.out" 2>&1 &
	_xl=$!
	sleep 1
	step "unpause-$_b" xl unpause "$DOMID" ||
		{ soak_stop "$_b" "back to back: xl unpause failed"; return 1; }
	wait "$_xl"
	_xrc=$?
	rm -f "$SAVE_DIR/guest.save"
	sed 's/^/  | /' "$PVSR_OUT/steps/back-to-back-$_b.out" >> "$PVSR_OUT/commands.log"
	[ "$_xrc" = 0 ] || { soak_stop "$_b" "back to back: the second xl save -c exited $_xrc"; return 1; }
	soak_wait "$_b" || return 1
	soak_advance "$_b" save-c back-to-back
	if [ "$_mid" -lt "$_a" ]; then
		soak_fault_result back-to-back "$_a" "$_b" ok "request $_b sent while resume $_a ran (guest paused at state $_mid)"
	else
		soak_fault_result back-to-back "$_a" "$_b" ok "request $_b sent after resume $_a had finished (not back to back this time)"
	fi
}

# The guest's console lines for a second request: refused as busy
# (control.c refuse()), or refused because it arrived during a suspend
# (control_after_suspend(): cleared, reported in data/pvsr/error).
soak_count_console() {
	cat "$PVSR_OUT/console/guest-$GUEST_NAME"*.log 2>/dev/null | grep -c -- "$1"
}
SOAK_BUSY_LINE="'suspend' while 'suspend' runs: later"
SOAK_REFUSED_LINE="# control/shutdown: refused 'suspend'"

# Condition: what the guest did with the second request is known: it
# refused it (console), or it carried it out (the domain is suspended).
soak_second_handled() {
	guest_suspended && { echo served > "$PVSR_OUT/soak-second"; return 0; }
	[ "$(soak_count_console "$SOAK_REFUSED_LINE")" -gt "$_refused0" ] &&
		{ echo refused > "$PVSR_OUT/soak-second"; return 0; }
	return 1
}

# A second suspend request during a suspend: xl save, then xl restore -p
# (the new domain paused), control/shutdown=suspend written into it, and
# unpause: the request is there while the guest resumes from the first.
# It must not act on it inside that suspend. This guest refuses it right
# after the hypercall (cleared, reported in data/pvsr/error: carried out
# later it would suspend a guest nobody saves). A guest that serves it
# later instead suspends on its own with no toolstack behind it: dom0
# resumes it cancelled, as libxl would, and it must pass its checks. The
# node must end empty either way.
soak_fault_double_request() {
	_a=$((SOAK_DONE + 1))
	_busy0=$(soak_count_console "$SOAK_BUSY_LINE")
	_refused0=$(soak_count_console "$SOAK_REFUSED_LINE")
	step "save-$_a" suspend_watched "save-$_a" \
		xl save "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		{ soak_stop "$_a" "double request: xl save failed (step save-$_a)"; return 1; }
	step "restore-p-$_a" xl restore -p "$SAVE_DIR/guest.save" ||
		{ soak_stop "$_a" "double request: xl restore -p failed (step restore-p-$_a)"; return 1; }
	rm -f "$SAVE_DIR/guest.save"
	set_domid || { soak_stop "$_a" "no domain id after restore $_a"; return 1; }
	_node=/local/domain/$DOMID/control/shutdown
	step "double-second-$_a" xenstore-write "$_node" suspend ||
		{ soak_stop "$_a" "double request: xenstore-write failed"; return 1; }
	step "unpause-$_a" xl unpause "$DOMID" ||
		{ soak_stop "$_a" "double request: xl unpause failed"; return 1; }
	soak_wait "$_a" || return 1
	soak_advance "$_a" save-restore double-request
	rm -f "$PVSR_OUT/soak-second"
	step "double-handled-$_a" wait_until 30 soak_second_handled
	_how=$(cat "$PVSR_OUT/soak-second" 2>/dev/null)
	_b=$_a
	case $_how in
	served)
		step "double-resume-$_a" guest_resume_cancelled ||
			{ soak_stop "$_a" "double request: resuming the guest failed"; return 1; }
		_b=$((_a + 1))
		soak_wait "$_b" || return 1
		soak_advance "$_b" stale-request double-request
		_what="served later as cycle $_b (a suspend nobody asked xl for)" ;;
	refused)
		_what="refused: $(xenstore-read "/local/domain/$DOMID/data/pvsr/error" 2>/dev/null)" ;;
	*)
		_what="neither refused nor served within 30 s" ;;
	esac
	[ "$(soak_count_console "$SOAK_BUSY_LINE")" -gt "$_busy0" ] &&
		_what="$_what; refused as busy first"
	_v=$(xenstore-read "$_node" 2>/dev/null)
	if [ -n "$_v" ] || [ -z "$_how" ]; then
		soak_fault_result double-request "$_a" "$_b" failed "$_what; node holds '$_v'"
		soak_stop "$_b" "double request: $_what; control/shutdown holds '$_v'"
		return 1
	fi
	soak_fault_result double-request "$_a" "$_b" ok "$_what"
}

# An unknown control/shutdown value before a real request: reported in
# data/pvsr/error, left in the node (not acknowledged); dom0 clears it.
soak_fault_unknown() {
	_a=$((SOAK_DONE + 1))
	BOGUS_REQUEST=pvsr-soak-$_a
	_node=/local/domain/$DOMID/control/shutdown
	step "unknown-$_a" xenstore-write "$_node" "$BOGUS_REQUEST" ||
		{ soak_stop "$_a" "unknown value: xenstore-write failed"; return 1; }
	rm -f "$PVSR_OUT/guest-end"
	_last_err=
	if ! step "unknown-reported-$_a" wait_until 60 bogus_reported ||
		[ -f "$PVSR_OUT/guest-end" ]; then
		soak_fault_result unknown "$_a" "$_a" failed "'$BOGUS_REQUEST' not reported"
		soak_stop "$_a" "unknown control/shutdown '$BOGUS_REQUEST' not reported in data/pvsr/error"
		return 1
	fi
	_v=$(xenstore-read "$_node" 2>/dev/null)
	if [ "$_v" != "$BOGUS_REQUEST" ]; then
		soak_fault_result unknown "$_a" "$_a" failed "node held '$_v'"
		soak_stop "$_a" "unknown control/shutdown '$BOGUS_REQUEST' acknowledged: node held '$_v'"
		return 1
	fi
	step "unknown-clear-$_a" xenstore-write "$_node" ""
	soak_save_c unknown || return 1
	soak_fault_result unknown "$_a" "$_a" ok "reported, left in the node, then a checkpoint"
}

# xl pause before the request (the request waits in the node), unpause,
# and a pause/unpause right after the resume.
soak_fault_pause() {
	_a=$((SOAK_DONE + 1))
	step "pause-$_a" xl pause "$DOMID" || { soak_stop "$_a" "xl pause failed"; return 1; }
	xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" \
		> "$PVSR_OUT/steps/pause-save-$_a.out" 2>&1 &
	_xl=$!
	sleep 2
	step "unpause-$_a" xl unpause "$DOMID" || { soak_stop "$_a" "xl unpause failed"; return 1; }
	wait "$_xl"
	_xrc=$?
	rm -f "$SAVE_DIR/guest.save"
	[ "$_xrc" = 0 ] || { soak_stop "$_a" "pause: xl save -c exited $_xrc"; return 1; }
	if ! step "pause-after-$_a" xl pause "$DOMID"; then
		soak_stop "$_a" "xl pause after the resume failed"
		return 1
	fi
	sleep 1
	step "unpause-after-$_a" xl unpause "$DOMID" ||
		{ soak_stop "$_a" "xl unpause after the resume failed"; return 1; }
	soak_wait "$_a" || return 1
	soak_advance "$_a" save-c pause
	soak_fault_result pause "$_a" "$_a" ok "paused across the request and after the resume"
}

# xl save onto the 9p share fails after the guest suspended ("Failed to
# write page data to stream (14 = Bad address)", XEN-FACTS): libxl then
# resumes the guest cancelled (return 1 in a guest that expected a save).
soak_fault_toolstack_fail() {
	_a=$((SOAK_DONE + 1))
	_bad=$PVSR_OUT/soak-fail.save
	if step "save-fails-$_a" xl save "$GUEST_NAME" "$_bad"; then
		rm -f "$_bad"
		soak_fault_result toolstack-fail "$_a" "$_a" failed "xl save onto 9p succeeded"
		soak_stop "$_a" "toolstack failure: xl save onto the 9p share did not fail (the guest was saved and destroyed)"
		return 1
	fi
	rm -f "$_bad"
	_out=$(last_out)
	if ! grep -q "resuming domain" "$_out"; then
		soak_fault_result toolstack-fail "$_a" "$_a" failed "no resume"
		soak_stop "$_a" "toolstack failure: xl save failed without resuming the guest: $(tail -n 3 "$_out" | tr '\n' ' ')"
		return 1
	fi
	soak_wait "$_a" || return 1
	soak_advance "$_a" save-failed toolstack-fail
	soak_fault_result toolstack-fail "$_a" "$_a" ok "$(grep -m1 -o 'Failed to write[^)]*)' "$_out")"
}

soak_vcpus_are() {
	[ "$(vcpus_running)" = "$SOAK_WANT_VCPUS" ]
}

# soak_vcpu_set N CYCLE: xl vcpu-set, then wait (bounded) until N vCPUs run.
soak_vcpu_set() {
	step "vcpu-set-$1-$2" xl vcpu-set --ignore-host "$GUEST_NAME" "$1" ||
		{ soak_stop "$2" "xl vcpu-set $1 failed"; return 1; }
	SOAK_WANT_VCPUS=$1
	step "vcpus-$1-$2" wait_until 30 soak_vcpus_are && return 0
	soak_fault_result vcpu-set "$2" "$2" failed "$(vcpus_running) vCPUs run, not $1"
	soak_stop "$2" "vcpu-set: $(vcpus_running) vCPU(s) run 30 s after xl vcpu-set $1 (the guest must honour cpu/N/availability)"
	return 1
}

# soak_request_with_vcpu_set N: a checkpoint request and, while it is
# being served, xl vcpu-set N; then the vCPUs must reach N.
soak_request_with_vcpu_set() {
	_b=$((SOAK_DONE + 1))
	xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" \
		> "$PVSR_OUT/steps/vcpu-save-$_b.out" 2>&1 &
	_xl=$!
	step "vcpu-set-$1-$_b" xl vcpu-set --ignore-host "$GUEST_NAME" "$1"
	_vrc=$?
	wait "$_xl"
	_xrc=$?
	rm -f "$SAVE_DIR/guest.save"
	sed 's/^/  | /' "$PVSR_OUT/steps/vcpu-save-$_b.out" >> "$PVSR_OUT/commands.log"
	[ "$_vrc" = 0 ] || { soak_stop "$_b" "xl vcpu-set $1 during a request failed"; return 1; }
	[ "$_xrc" = 0 ] || { soak_stop "$_b" "vcpu-set during a request: xl save -c exited $_xrc"; return 1; }
	soak_wait "$_b" || return 1
	soak_advance "$_b" save-c vcpu-set
	SOAK_WANT_VCPUS=$1
	step "vcpus-$1-$_b" wait_until 30 soak_vcpus_are ||
		{ soak_stop "$_b" "vcpu-set during a request: $(vcpus_running) vCPU(s) run, not $1"; return 1; }
}

# vCPUs above the ones online at boot (those carry the workloads' IPI
# ring and stay) brought up and taken down with xl vcpu-set: between
# suspends, each followed by a checkpoint, and while a request is being
# served. Needs maxvcpus > vcpus (scripts/soak --max-vcpus).
soak_fault_vcpu_set() {
	_a=$((SOAK_DONE + 1))
	_max=$(xl vcpu-list "$GUEST_NAME" | awk 'NR > 1 { n++ } END { print n + 0 }')
	if [ "$_max" -le "$VCPUS" ]; then
		soak_fault_result vcpu-set "$_a" "$_a" failed "maxvcpus $_max"
		soak_stop "$_a" "vcpu-set: the domain has no vCPU above the $VCPUS online at boot (maxvcpus $_max; give --max-vcpus)"
		return 1
	fi
	soak_vcpu_set "$_max" "$_a" || return 1
	soak_save_c vcpu-set || return 1
	soak_vcpu_set "$VCPUS" "$_a" || return 1
	soak_save_c vcpu-set || return 1
	soak_request_with_vcpu_set "$_max" || return 1
	soak_request_with_vcpu_set "$VCPUS" || return 1
	soak_fault_result vcpu-set "$_a" "$SOAK_DONE" ok "vCPUs $VCPUS-$((_max - 1)) up and down between suspends and during requests"
}

# ---- the plan ----

soak_one() {
	soak_host_stop && return 1
	case $1 in
	checkpoint) soak_checkpoints "$2" ;;
	save-restore) soak_save_restore ;;
	migrate) soak_migrate ;;
	fault-*) "soak_fault_$(echo "${1#fault-}" | tr - _)" ;;
	*) soak_stop $((SOAK_DONE + 1)) "unknown soak plan entry '$1'" ;;
	esac
}

# The plan comes in on fd 3, so the ops (xl, python) never read it.
soak_run_plan() {
	while read -r _kind _count <&3; do
		[ -z "$_kind" ] && continue
		if [ "$_kind" = checkpoint ]; then
			soak_one checkpoint "$_count" || return 1
			continue
		fi
		_i=0
		while [ "$_i" -lt "${_count:-1}" ]; do
			soak_one "$_kind" || return 1
			_i=$((_i + 1))
		done
	done 3<<EOF_PLAN
$SOAK_PLAN
EOF_PLAN
}

scenario_soak() {
	: > "$PVSR_OUT/soak-cycles.tsv"
	: > "$PVSR_OUT/soak-faults.tsv"
	create_guest || return 1
	wait_state ready || return 1
	mkdir -p "$SAVE_DIR"
	mark "soak start"
	soak_run_plan
	_soakrc=$?
	result soak_cycles "$SOAK_DONE"
	if [ "$_soakrc" != 0 ]; then
		mark "soak stopped after cycle $SOAK_DONE"
		case $(guest_state) in
		gone | xl-error | *c*) ;;
		*)
			step pause xl pause "$DOMID"
			dump_guest
			step unpause xl unpause "$DOMID" ;;
		esac
		finish_guest
		return 1
	fi
	mark "soak done after cycle $SOAK_DONE"
	finish_guest
}
