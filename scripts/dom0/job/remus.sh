# SPDX-License-Identifier: GPL-2.0
# pvsr dom0: checkpoint-rate windows under `xl remus` (POSIX sh, after
# lib.sh and scenarios.sh), and stopping xl remus (the soak's too).
#
# `xl remus -F -b -n -d -i MS NAME localhost` checkpoints the guest's
# memory into a blackhole (/dev/null) every MS ms: each checkpoint is a
# suspend request, a suspend, a copy of the dirty memory and a cancelled
# resume (the hypercall returns 1). Its first checkpoint also copies all
# of the guest's memory, live, before it (seconds under TCG), so the
# window starts at the first suspend xl logs ("Domain now suspended").
#
# xl remus never ends on its own: xl's main_remus returns only when a
# checkpoint fails, and it has no signal handler: a signal kills it
# wherever it is, and nobody resumes a guest it leaves suspended (xl has
# no "resume" command; seen: SIGTERM while suspended left the domain
# "---ss-", reason 2, for good). Nor can dom0 see whether xl has already
# notified the guest's suspend event channel: on a machine where the
# guest's checks after a checkpoint outlast xl's interval, a request is
# pending nearly all the time (seen: 60 tries of freezing xl in what
# looked like a gap between two checkpoints, every one followed by a
# suspend). So remus_stop does not look for a gap: it kills xl (and its
# save helper) while the guest runs its checks after a checkpoint, when
# it takes no request and the last checkpoint is over; then it lets a
# request already delivered run its course, and resumes the guest
# cancelled itself, as libxl would have, if it ends up suspended with no
# toolstack behind it. The guest keeps running (in log-dirty mode, which
# a later save or migration simply enables again) and powers off
# normally.
#
# Variables from job.sh: REMUS_SECONDS REMUS_INTERVAL. The functions here
# run inside `step`, so they keep off lib.sh's own names (_n, _t0, _t1...).

REMUS_FIRST_TIMEOUT=180
REMUS_IN_CHECKS_TIMEOUT=10
REMUS_QUIET_TIMEOUT=30

# Suspends xl remus has logged so far.
remus_suspends() {
	grep -c "Domain now suspended" "$1"
}

secs_since() {
	awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'
}

# Condition: the guest is between a checkpoint's resume and its
# "resumed K" (its checks run; it takes no request in that window), so
# remus can be stopped without cutting a suspend in half.
remus_in_checks() {
	_sk=$(guest_state_k)
	[ "$_sk" -ge 0 ] && [ "$(guest_reported_k)" -gt "$_sk" ]
}

# Condition: nothing in flight for a second of polls: the guest's last
# carried-out request ("# control/shutdown: suspend", printed for requests
# on the suspend event channel too) has its pvsr-report after it, and the
# guest finished that cycle's checks ("resumed K"), so a request that was
# still pending on the event channel (dom0 cannot take that back) would
# have been taken by now. Or the domain is suspended.
remus_quiet() {
	guest_suspended && return 0
	if ! tail -c 65536 "$(guest_console)" 2>/dev/null | awk '
		/^# control\/shutdown: suspend$/ { last = "request" }
		/^# pvsr-report cycle=/ { last = "report" }
		END { exit last == "request" }' || remus_in_checks; then
		REMUS_QUIET=
		return 1
	fi
	# Quiet since the first quiet poll for a second (polls are slow here).
	_now=$(uptime_s)
	[ -z "$REMUS_QUIET" ] && REMUS_QUIET=$_now
	awk -v a="$REMUS_QUIET" -v b="$_now" 'BEGIN { exit !(b - a >= 1) }'
}

# remus_stop PID [now]: stop xl remus safely, in the guest's checks window
# if it comes within REMUS_IN_CHECKS_TIMEOUT s ("now": at once); then
# clear a request it left in control/shutdown, and if the guest had taken
# one (a suspend in flight), let it finish and resume it cancelled if it
# ends suspended. Sets REMUS_KILLED_AT (dom0 uptime), REMUS_RESUMED (0 or
# 1: the guest was resumed here) and REMUS_K_AT_RESUME (the guest's
# data/pvsr/state count then, -3 if not resumed). Whether xl had logged
# the suspend dom0 resumed cannot be told from dom0 (a request xl sent
# just before the kill looks the same), so the guest's answer to it,
# a count above REMUS_K_AT_RESUME, is what settles it.
remus_stop() {
	[ "${2:-}" = now ] || wait_until "$REMUS_IN_CHECKS_TIMEOUT" remus_in_checks
	REMUS_KILLED_AT=$(uptime_s)
	REMUS_RESUMED=0
	REMUS_K_AT_RESUME=-3
	echo "$REMUS_KILLED_AT s: stopping xl remus ($1)"
	kill_tree "$1"
	wait "$1"
	echo "$(uptime_s) s: xl remus exited with status $? (killed on purpose)"
	_v=$(xenstore-read "/local/domain/$DOMID/control/shutdown" 2>/dev/null)
	if [ "$_v" = suspend ]; then
		echo "clearing the request remus left: control/shutdown '$_v'"
		xenstore-write "/local/domain/$DOMID/control/shutdown" ""
	fi
	REMUS_QUIET=
	wait_until "$REMUS_QUIET_TIMEOUT" remus_quiet || return 1
	if guest_suspended; then
		echo "$(uptime_s) s: the guest is suspended with no toolstack behind it"
		REMUS_K_AT_RESUME=$(guest_state_k)
		guest_resume_cancelled || return 1
		REMUS_RESUMED=1
	fi
	echo "$(uptime_s) s: the guest reported cycles up to $(guest_reported_k)"
	xl list -v
}

# remus_run TAG K0: xl remus from the guest's cycle K0 on, REMUS_SECONDS
# after its first suspend, then remus_stop. Writes result TAG_window_s
# (first suspend to the kill, dom0 uptime), TAG_window_checkpoints
# (suspends in that time), TAG_suspends (every suspend xl logged) and
# TAG_dom0_resumes (suspends dom0 resumed after the kill: 0 or 1). Sets
# REMUS_WANT, the cycle the guest must reach: K0 + suspends.
# Returns non-zero if xl remus ended by itself (a failed checkpoint),
# never suspended the guest, or could not be stopped safely.
remus_run() {
	_tag=$1
	_k0=$2
	_log=$PVSR_OUT/$_tag-xl.log
	_rt0=$(uptime_s)
	echo "$_rt0 s: xl remus -F -b -n -d -i $REMUS_INTERVAL $GUEST_NAME localhost"
	xl remus -F -b -n -d -i "$REMUS_INTERVAL" "$GUEST_NAME" localhost \
		> "$_log" 2>&1 < /dev/null &
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
		remus_stop "$_xl" now
		remus_failed "xl remus never suspended the guest in $REMUS_FIRST_TIMEOUT s"
		return 1
	fi
	if ! remus_stop "$_xl"; then
		remus_failed "the guest did not settle in $REMUS_QUIET_TIMEOUT s after xl remus was stopped"
		return 1
	fi
	_nsusp=$(remus_suspends "$_log")
	REMUS_WANT=$((_k0 + _nsusp))
	echo "$_nsusp suspends logged; $REMUS_RESUMED resumed by dom0 after the kill (guest state then $REMUS_K_AT_RESUME); the guest must reach cycle $REMUS_WANT"
	result "${_tag}_window_s" "$(awk -v a="$_tfirst" -v b="$REMUS_KILLED_AT" \
		'BEGIN { printf "%.2f", b - a }')"
	result "${_tag}_window_checkpoints" $((_nsusp - _nfirst))
	result "${_tag}_suspends" "$_nsusp"
	result "${_tag}_dom0_resumes" "$REMUS_RESUMED"
	echo "xl remus said:"
	cat "$_log"
	return 0
}

# remus_failed WHY: say why the window failed, to the step's output and to
# the harness (result failed_why), then what xl printed.
remus_failed() {
	echo "$(uptime_s) s: $1; xl remus said:"
	result failed_why "$1"
	cat "$_log"
}

# Condition for wait_until: the guest runs and its data/pvsr/state has
# stayed the same "resumed K" for a second, K at least REMUS_WANT and, if
# dom0 resumed it, above REMUS_K_AT_RESUME (its checks after the last
# checkpoint are done; a guest whose count lags, as Linux's /init polling
# its kernel log does, has caught up). Writes K to $PVSR_OUT/remus-k.
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
	"resumed "*)
		[ "${_s#resumed }" -ge "$REMUS_WANT" ] &&
			[ "${_s#resumed }" -gt "$REMUS_K_AT_RESUME" ] || return 1
		;;
	*) return 1 ;;
	esac
	_gs=$(guest_state)
	case ${_gs%% *} in
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
