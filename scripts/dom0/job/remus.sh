# SPDX-License-Identifier: GPL-2.0
# pvsr dom0: checkpoint-rate windows under `xl remus` (POSIX sh, after
# lib.sh and scenarios.sh).
#
# `xl remus -F -b -n -d -i MS NAME localhost` checkpoints the guest's
# memory into a blackhole (/dev/null) every MS ms: each checkpoint is a
# suspend request, a suspend, a copy of the dirty memory and a cancelled
# resume (the hypercall returns 1). Its first checkpoint also copies all
# of the guest's memory, live, before it (seconds under TCG), so the
# window starts at the first suspend xl logs ("Domain now suspended").
#
# xl remus never ends on its own: xl's main_remus returns only when a
# checkpoint fails (then it resumes the domain cancelled, or, if the guest
# did not suspend in time, leaves it as it is), and it has no signal
# handler: a signal kills it wherever it is. Landing in the middle of a
# checkpoint (request sent, or domain suspended) leaves the guest
# suspended with nobody to resume it (xl has no "resume" command; seen:
# SIGTERM while suspended left the domain "---ss-", reason 2, for good).
# SIGINT does nothing here: sh starts background jobs with it ignored. So
# the stop freezes xl (SIGSTOP) and looks:
#   - the domain suspended, or a request pending in control/shutdown: xl
#     is inside a checkpoint; SIGCONT and try again a moment later;
#   - the domain running, no request: xl is between two checkpoints, or has
#     just notified the guest's suspend event channel (invisible here). xl
#     stays frozen until the guest has checked its last checkpoint
#     (data/pvsr/state "resumed K" for every suspend xl logged) and then
#     REMUS_SETTLE_S more: a guest with a notification pending would have
#     suspended by then. Still running with no request: SIGKILL.
# The guest keeps running (in log-dirty mode, which a later save or
# migration simply enables again) and powers off normally.
#
# Variables from job.sh: REMUS_SECONDS REMUS_INTERVAL. The functions here
# run inside `step`, so they keep off lib.sh's own names (_n, _t0, _t1...).

REMUS_SETTLE_S=1
REMUS_STOP_TRIES=60
REMUS_GAP_LOOKS=100
REMUS_FIRST_TIMEOUT=180
REMUS_ANSWER_TIMEOUT=60

# The domain's xl state letters ("r-----"), "gone" or "xl-error".
remus_domain_state() {
	_rs=$(guest_state)
	echo "${_rs%% *}"
}

# True if the domain runs (or blocks) and no suspend request is pending.
remus_between_checkpoints() {
	_dstate=$(remus_domain_state)
	_req=
	case $_dstate in
	gone | xl-error | *s* | *c* | *d* | *p*) return 1 ;;
	esac
	_req=$(xenstore-read "/local/domain/$DOMID/control/shutdown" 2>/dev/null)
	[ -z "$_req" ]
}

# With xl running, look until the domain is seen between two checkpoints
# (or REMUS_GAP_LOOKS looks have passed); the caller freezes xl at once and
# looks again. A fixed sleep instead can lock onto xl's own period and land
# inside a checkpoint every time.
remus_await_gap() {
	_g=0
	while [ "$_g" -lt "$REMUS_GAP_LOOKS" ]; do
		remus_between_checkpoints && return 0
		_g=$((_g + 1))
	done
	return 1
}

# Suspends xl remus has logged so far.
remus_suspends() {
	grep -c "Domain now suspended" "$1"
}

# Condition for wait_until: the guest has checked cycle $REMUS_WANT_K, or
# is no longer running normally (then the caller looks again).
remus_guest_answered() {
	_s=$(xenstore-read "/local/domain/$DOMID/data/pvsr/state" 2>/dev/null)
	[ "$_s" = "resumed $REMUS_WANT_K" ] && return 0
	[ "$_s" = failed ] && return 0
	case $(remus_domain_state) in
	gone | xl-error | *s* | *c*) return 0 ;;
	esac
	return 1
}

secs_since() {
	awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'
}

# remus_run TAG K0: xl remus from the guest's cycle K0 on, REMUS_SECONDS
# after its first suspend, then the careful stop above. Writes result
# TAG_window_s (first suspend to the kill, dom0 uptime, less the seconds
# xl was frozen), TAG_window_checkpoints (suspends in that time),
# TAG_suspends (every suspend xl logged), TAG_stop_tries. Returns non-zero
# if xl remus ended by itself (a failed checkpoint), never suspended the
# guest, or could not be stopped safely.
remus_run() {
	_tag=$1
	_k0=$2
	_log=$PVSR_OUT/$_tag-xl.log
	_rt0=$(uptime_s)
	echo "$_rt0 s: xl remus -F -b -n -d -i $REMUS_INTERVAL $GUEST_NAME localhost"
	xl remus -F -b -n -d -i "$REMUS_INTERVAL" "$GUEST_NAME" localhost \
		> "$_log" 2>&1 &
	_xl=$!
	_tfirst=
	while kill -0 "$_xl" 2>/dev/null; do
		if [ -z "$_tfirst" ]; then
			if [ "$(remus_suspends "$_log")" -ge 1 ]; then
				_tfirst=$(uptime_s)
				_nfirst=$(remus_suspends "$_log")
				echo "$_tfirst s: first suspend after $(secs_since "$_rt0") s (the whole memory copied once)"
			elif [ "$(secs_since "$_rt0" | cut -d. -f1)" -ge "$REMUS_FIRST_TIMEOUT" ]; then
				echo "no suspend in $REMUS_FIRST_TIMEOUT s"
				break
			fi
		elif [ "$(secs_since "$_tfirst" | cut -d. -f1)" -ge "$REMUS_SECONDS" ]; then
			break
		fi
		sleep 0.2
	done
	if ! kill -0 "$_xl" 2>/dev/null; then
		wait "$_xl"
		remus_failed "xl remus ended by itself (exit $?) before the window closed"
		return 1
	fi
	if [ -z "$_tfirst" ]; then
		remus_stop_anyway
		remus_failed "xl remus never suspended the guest in $REMUS_FIRST_TIMEOUT s"
		return 1
	fi
	_try=1
	_frozen=0
	while [ "$_try" -le "$REMUS_STOP_TRIES" ]; do
		_ts=$(uptime_s)
		kill -STOP "$_xl"
		_why=
		if remus_between_checkpoints; then
			REMUS_WANT_K=$((_k0 + $(remus_suspends "$_log")))
			if ! wait_until "$REMUS_ANSWER_TIMEOUT" remus_guest_answered \
				> /dev/null; then
				_why="no 'resumed $REMUS_WANT_K' from the guest in $REMUS_ANSWER_TIMEOUT s"
			else
				sleep "$REMUS_SETTLE_S"
				remus_between_checkpoints ||
					_why="after the guest's answer: domain $_dstate, request '$_req'"
			fi
		else
			_why="domain $_dstate, request '$_req'"
		fi
		_frozen=$(awk -v f="$_frozen" -v a="$_ts" -v b="$(uptime_s)" \
			'BEGIN { printf "%.2f", f + b - a }')
		if [ -z "$_why" ]; then
			_rt1=$(uptime_s)
			kill -KILL "$_xl"
			wait "$_xl"
			_nsusp=$(remus_suspends "$_log")
			echo "$_rt1 s: xl remus killed at try $_try (domain $_dstate, no request, guest state 'resumed $REMUS_WANT_K'); $_nsusp suspends"
			# xl made no checkpoint while frozen: those seconds
			# are not the window's.
			result "${_tag}_window_s" "$(awk -v a="$_tfirst" -v b="$_rt1" \
				-v f="$_frozen" 'BEGIN { printf "%.2f", b - a - f }')"
			result "${_tag}_window_checkpoints" $((_nsusp - _nfirst))
			result "${_tag}_suspends" "$_nsusp"
			result "${_tag}_stop_tries" "$_try"
			echo "xl remus said:"
			cat "$_log"
			return 0
		fi
		echo "$(uptime_s) s: try $_try: $_why: letting xl go on"
		kill -CONT "$_xl"
		remus_await_gap
		_try=$((_try + 1))
	done
	kill -CONT "$_xl"
	remus_failed "could not find xl remus between two checkpoints in $REMUS_STOP_TRIES tries (last: $_why)"
	return 1
}

# remus_failed WHY: say why the window failed, to the step's output and to
# the harness (result failed_why), then what xl printed.
remus_failed() {
	echo "$(uptime_s) s: $1; xl remus said:"
	result failed_why "$1"
	cat "$_log"
}

# The window failed with xl still running: kill it and say what the
# domain looks like (the run fails anyway).
remus_stop_anyway() {
	kill -KILL "$_xl"
	wait "$_xl"
	echo "killed xl remus; domain $(remus_domain_state)"
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
# (the guest's last cycle) and TAG_checkpoints (cycles the guest made),
# besides remus_run's; leaves the guest running with REMUS_K = its last
# cycle.
remus_window() {
	_wtag=$1
	step "$_wtag" remus_run "$_wtag" "$2" || { xl_failed "$_wtag"; return 1; }
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
