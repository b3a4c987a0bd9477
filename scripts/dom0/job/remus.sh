# SPDX-License-Identifier: GPL-2.0
# pvsr dom0: checkpoint-rate windows under `xl remus` (POSIX sh, after
# lib.sh and scenarios.sh).
#
# `xl remus -F -b -n -d -i MS NAME localhost` checkpoints the guest's
# memory into a blackhole (/dev/null) every MS ms: each checkpoint is a
# suspend request, a suspend, a memory copy and a cancelled resume (the
# hypercall returns 1). xl remus never ends on its own: it returns only
# when a checkpoint fails (then it resumes the domain cancelled, or, if the
# guest did not suspend in time, leaves it as it is).
#
# Stopping it cleanly: a plain signal can land in the middle of a
# checkpoint (request sent, or the domain suspended) and leave the guest
# suspended with nobody to resume it (xl has no "resume" command). So the
# stop freezes xl (SIGSTOP), waits REMUS_SETTLE_S so a suspend xl already
# asked for (xenstore or the suspend event channel) shows as a suspended
# domain, and kills xl (SIGKILL) only while the domain runs with no
# request pending in control/shutdown: then xl was between checkpoints
# (its interval timer, or just after the resume) and the guest keeps
# running, in log-dirty mode, which a later save or migration simply
# re-enables. Otherwise xl gets SIGCONT and the stop is tried again.
#
# Variables from job.sh: REMUS_SECONDS REMUS_INTERVAL.

REMUS_SETTLE_S=1.5
REMUS_STOP_TRIES=40

# The domain's xl state letters ("r-----") or "gone".
remus_domain_state() {
	_rs=$(guest_state)
	echo "${_rs%% *}"
}

# True if the domain runs (or blocks) and no suspend request is pending.
remus_safe_to_kill() {
	_req=
	case $(remus_domain_state) in
	gone | xl-error | *s* | *c* | *d* | *p*) return 1 ;;
	esac
	_req=$(xenstore-read "/local/domain/$DOMID/control/shutdown" 2>/dev/null)
	[ -z "$_req" ]
}

# remus_run TAG: xl remus for REMUS_SECONDS, then the careful stop above.
# Writes result TAG_window_s (xl's start to its kill, dom0 uptime, less
# the seconds xl was frozen), TAG_wall_s (the same with them) and
# TAG_stop_tries. Returns non-zero if xl remus ended early (a failed
# checkpoint) or could not be stopped safely.
remus_run() {
	_tag=$1
	_log=$PVSR_OUT/$_tag-xl.log
	_t0=$(uptime_s)
	echo "$_t0 s: xl remus -F -b -n -d -i $REMUS_INTERVAL $GUEST_NAME localhost"
	xl remus -F -b -n -d -i "$REMUS_INTERVAL" "$GUEST_NAME" localhost \
		> "$_log" 2>&1 &
	_xl=$!
	_end=$(awk -v t="$_t0" -v d="$REMUS_SECONDS" 'BEGIN { printf "%.2f", t + d }')
	while kill -0 "$_xl" 2>/dev/null; do
		[ "$(awk -v a="$(uptime_s)" -v b="$_end" 'BEGIN { print (a >= b) }')" = 1 ] &&
			break
		sleep 0.2
	done
	if ! kill -0 "$_xl" 2>/dev/null; then
		wait "$_xl"
		echo "$(uptime_s) s: xl remus ended by itself (exit $?) before the window closed:"
		cat "$_log"
		return 1
	fi
	_try=1
	_frozen=0
	while [ "$_try" -le "$REMUS_STOP_TRIES" ]; do
		_ts=$(uptime_s)
		kill -STOP "$_xl"
		sleep "$REMUS_SETTLE_S"
		_frozen=$(awk -v f="$_frozen" -v a="$_ts" -v b="$(uptime_s)" \
			'BEGIN { printf "%.2f", f + b - a }')
		if remus_safe_to_kill; then
			_t1=$(uptime_s)
			kill -KILL "$_xl"
			wait "$_xl"
			echo "$_t1 s: xl remus killed at try $_try (domain $(remus_domain_state), no request pending)"
			# xl made no checkpoint while frozen: those seconds are
			# not the window's.
			result "${_tag}_window_s" "$(awk -v a="$_t0" -v b="$_t1" \
				-v f="$_frozen" 'BEGIN { printf "%.2f", b - a - f }')"
			result "${_tag}_wall_s" "$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.2f", b - a }')"
			result "${_tag}_stop_tries" "$_try"
			echo "xl remus said:"
			cat "$_log"
			return 0
		fi
		echo "$(uptime_s) s: try $_try: domain $(remus_domain_state), request '$_req': letting xl go on"
		kill -CONT "$_xl"
		sleep 0.$((_try % 7 + 1))
		_try=$((_try + 1))
	done
	kill -CONT "$_xl"
	echo "could not find xl remus between two checkpoints in $REMUS_STOP_TRIES tries"
	return 1
}

# Condition for wait_until: the guest runs and its data/pvsr/state has
# stayed the same "resumed K" for a second (its checks after the last
# checkpoint are done). Writes K to $PVSR_OUT/remus-k.
remus_settled() {
	_s=$(xenstore-read "/local/domain/$DOMID/data/pvsr/state" 2>/dev/null)
	_now=$(uptime_s)
	if [ "$_s" != "${_settle_s:-}" ]; then
		echo "$_now s: data/pvsr/state '$_s'"
		_settle_s=$_s
		_settle_t=$_now
		return 1
	fi
	case $_s in
	"resumed "*) ;;
	*) return 1 ;;
	esac
	case $(remus_domain_state) in
	gone | xl-error | *s* | *c*) return 1 ;;
	esac
	[ "$(awk -v a="$_settle_t" -v b="$_now" 'BEGIN { print (b - a >= 1) }')" = 1 ] ||
		return 1
	echo "${_s#resumed }" > "$PVSR_OUT/remus-k"
}

# remus_window TAG K0: a checkpoint-rate window on the running guest, whose
# last finished cycle is K0. Writes result TAG_first (K0 + 1), TAG_last
# (the guest's last cycle), TAG_checkpoints and TAG_window_s; leaves the
# guest running with REMUS_K = its last cycle.
remus_window() {
	_wtag=$1
	step "$_wtag" remus_run "$_wtag" || { xl_failed "$_wtag"; return 1; }
	_settle_s=
	rm -f "$PVSR_OUT/remus-k"
	if ! step "$_wtag-settle" wait_until "$STATE_TIMEOUT" remus_settled; then
		result outcome guest-failed
		result failed_waiting_for "a settled 'resumed K' after $_wtag (state '$_settle_s')"
		dump_guest
		return 1
	fi
	REMUS_K=$(cat "$PVSR_OUT/remus-k")
	result "${_wtag}_first" $(($2 + 1))
	result "${_wtag}_last" "$REMUS_K"
	result "${_wtag}_checkpoints" $((REMUS_K - $2))
	mark "remus $_wtag checkpoints=$((REMUS_K - $2))"
}

scenario_remus() {
	create_guest || return 1
	wait_state ready || return 1
	remus_window remus 0 || return 1
	finish_guest
}
