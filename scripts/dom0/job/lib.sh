# SPDX-License-Identifier: GPL-2.0
# pvsr dom0 job library (POSIX sh; dash in dom0).
#
# The harness copies this file into each run's 9p share (/job) and dom0 runs
# it; it is not baked into the disk image, so changing it needs no setup.
#
# Every command dom0 runs for the harness goes through `step NAME CMD...`,
# which appends to $PVSR_OUT/commands.log, in order:
#     $ CMD                       (shell-quoted: copy it to replay the step)
#       | output...
#     # step N NAME: exit RC after S s (at dom0 uptime T s)
# and one machine-readable line to $PVSR_OUT/steps.tsv:
#     N <tab> NAME <tab> RC <tab> START_UPTIME <tab> DURATION
# The full output of step N also stays in $PVSR_OUT/steps/N-NAME.out.
# Progress markers ("PVSR-MARK: ...") go to the console (hvc0 -> Xen's
# serial line), where the harness reads them while the run goes on.

: "${PVSR_OUT:=/run/pvsr}"
mkdir -p "$PVSR_OUT/steps"
[ -f "$PVSR_OUT/commands.log" ] || cat > "$PVSR_OUT/commands.log" <<'EOF_HDR'
# Commands dom0 ran for scripts/harness, in order, with exit status and time.
# Commands that are shell functions (wait_until, guest_ended, ...) come from
# lib.sh and scenarios.sh in the run's folder (/job in dom0): to replay, run
#   PVSR_OUT=/tmp/replay; . /job/lib.sh; . /job/scenarios.sh
# and then the "$ " lines one by one.
EOF_HDR

mark() {
	echo "PVSR-MARK: $*" >> "${PVSR_CONSOLE:-/dev/console}"
}

uptime_s() {
	read -r _up _idle < /proc/uptime
	echo "$_up"
}

# Shell-quote the arguments, so the commands log can be replayed.
quote() {
	_out=
	for _a in "$@"; do
		case $_a in
		'' | *[!A-Za-z0-9_./:=,+@%-]*)
			_a="'$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'" ;;
		esac
		_out="$_out${_out:+ }$_a"
	done
	printf '%s' "$_out"
}

step() {
	_name=$1
	shift
	# Numbered across processes (init, then job.sh): the count lives in a file.
	_n=$(($(cat "$PVSR_OUT/.nstep" 2>/dev/null || echo 0) + 1))
	echo "$_n" > "$PVSR_OUT/.nstep"
	_outf=$PVSR_OUT/steps/$(printf %02d "$_n")-$_name.out
	_t0=$(uptime_s)
	mark "step-begin $_n $_name"
	printf '$ %s\n' "$(quote "$@")" >> "$PVSR_OUT/commands.log"
	"$@" > "$_outf" 2>&1 < /dev/null
	_rc=$?
	_t1=$(uptime_s)
	_dur=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.2f", b - a }')
	sed 's/^/  | /' "$_outf" >> "$PVSR_OUT/commands.log"
	printf '# step %d %s: exit %d after %s s (at dom0 uptime %s s)\n' \
		"$_n" "$_name" "$_rc" "$_dur" "$_t0" >> "$PVSR_OUT/commands.log"
	printf '%d\t%s\t%d\t%s\t%s\n' "$_n" "$_name" "$_rc" "$_t0" "$_dur" \
		>> "$PVSR_OUT/steps.tsv"
	mark "step-end $_n $_name rc=$_rc dur=$_dur"
	return $_rc
}

# The output file of the last step (to read what it printed).
last_out() {
	printf '%s' "$_outf"
}

# Bounded wait until a condition command succeeds: wait_until SECONDS CMD...
# Polls every 0.2 s; returns 1 if the deadline passes first.
wait_until() {
	_deadline=$(awk -v t="$(uptime_s)" -v d="$1" 'BEGIN { printf "%d", t + d + 1 }')
	shift
	_polls=0
	while :; do
		_polls=$((_polls + 1))
		if "$@"; then
			echo "condition met after $_polls poll(s)"
			return 0
		fi
		_now=$(uptime_s)
		if [ "${_now%.*}" -ge "$_deadline" ]; then
			echo "deadline passed after $_polls poll(s)"
			return 1
		fi
		sleep 0.2
	done
}

# kill_tree PID: kill a process and then its children (xl and its
# libxl-save-helper). The parent goes first, by SIGKILL, so that it cannot
# react to a child's death (xl has no handler for either signal).
kill_tree() {
	_kill_parent=$1
	_kill_children=
	for _p in /proc/[0-9]*; do
		read -r _st < "$_p/stat" 2>/dev/null || continue
		# pid (comm) state ppid ...: comm has no spaces for these.
		# shellcheck disable=SC2086 # split into fields on purpose
		set -- $_st
		[ "$4" = "$_kill_parent" ] && _kill_children="$_kill_children ${_p#/proc/}"
	done
	kill -KILL "$_kill_parent" 2>/dev/null
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$_kill_children" ] && kill -TERM $_kill_children 2>/dev/null
	return 0
}

result() {
	# result KEY VALUE: one line of $PVSR_OUT/result.txt for the harness
	printf '%s=%s\n' "$1" "$2" >> "$PVSR_OUT/result.txt"
}
