# SPDX-License-Identifier: GPL-2.0
# pvsr dom0 agent for two-host runs (POSIX sh), sourced by the generated
# /job/job.sh after lib.sh and scenarios.sh.
#
# In a two-host run (scripts/pvsr_harness/hosts.py) the host harness drives
# both dom0s: it writes commands, one shell snippet per file, as
# /job/cmd/N.sh (N = 1, 2, ...; each file appears complete, by rename), and
# this agent runs them in order in one shell and answers with
# $PVSR_OUT/agent/N.rc. Every command the snippets run goes through `step`
# (lib.sh), so out/commands.log is the same replayable record as in a
# one-host run. `agent_stop` collects the logs and ends the loop; dom0's
# init then powers off.
#
# The two dom0s reach each other over a private network (QEMU's socket
# netdev on the host's loopback): A is $NET_PREFIX.1, B is $NET_PREFIX.2.
# Transport for xl migrate and for save images: busybox nc (no ssh).

NET_PREFIX=10.77.0
# Every frame is one UDP datagram through QEMU on the host: big frames cut
# the per-packet cost of TCG (about 1 MB/s with 1500-byte frames).
NET_MTU=${NET_MTU:-16000}
PVSR_MIGRATE_PORT=7001
PVSR_IMAGE_PORT=7002
export PVSR_MIGRATE_PORT SAVE_DIR

agent_main() {
	mkdir -p "$PVSR_OUT/agent" "$SAVE_DIR"
	AG_N=1
	AG_STOP=
	mark "agent-ready"
	while [ -z "$AG_STOP" ]; do
		if [ ! -f "${PVSR_JOB:-/job}/cmd/$AG_N.sh" ]; then
			sleep 0.2
			continue
		fi
		mark "agent-cmd $AG_N"
		. "${PVSR_JOB:-/job}/cmd/$AG_N.sh"
		AG_RC=$?
		echo "$AG_RC" > "$PVSR_OUT/agent/$AG_N.rc.tmp"
		mv "$PVSR_OUT/agent/$AG_N.rc.tmp" "$PVSR_OUT/agent/$AG_N.rc"
		mark "agent-done $AG_N rc=$AG_RC"
		AG_N=$((AG_N + 1))
	done
}

# The first network interface that is not the loopback.
net_iface() {
	for _i in /sys/class/net/*; do
		[ "${_i##*/}" = lo ] || { echo "${_i##*/}"; return 0; }
	done
	return 1
}

have_iface() {
	net_iface > /dev/null
}

# net_up ADDRESS: bring up the private network with this dom0's address.
net_up() {
	step net-modules modprobe -a virtio_net || return 1
	step net-iface wait_until 20 have_iface || return 1
	_if=$(net_iface)
	step net-addr ip addr add "$1/24" dev "$_if" || return 1
	step net-link ip link set "$_if" mtu "$NET_MTU" up || return 1
	step net-show ip addr show "$_if"
}

peer_answers() {
	busybox ping -c 1 -W 1 "$PEER_IP" > /dev/null 2>&1
}

# net_reach PEER: bounded wait until the other dom0 answers a ping.
net_reach() {
	PEER_IP=$1
	step net-reach wait_until 60 peer_answers
}

# port_listening PORT: something listens on TCP PORT (/proc/net/tcp and
# tcp6, hex; busybox nc -l listens on an IPv6 socket that takes both).
port_listening() {
	_hex=$(printf ':%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2> /dev/null |
		awk -v p="$_hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }'
}

listening() {
	port_listening "$AG_PORT"
}

# listen_on NAME PORT PROG: one busybox nc listener in the background, for
# one connection, running PROG with the connection as stdin/stdout (PROG's
# stderr goes to $PVSR_OUT/NAME.log). Returns once the port listens.
listen_on() {
	AG_PORT=$2
	busybox nc -l -p "$2" -e "$3" 2> "$PVSR_OUT/$1.log" &
	AG_LISTENER=$!
	AG_LISTENER_LOG=$PVSR_OUT/$1.log
	echo "listener pid $AG_LISTENER on port $2 runs $3"
	wait_until 20 listening
}

listener_gone() {
	! kill -0 "$AG_LISTENER" 2> /dev/null
}

# wait_listener SECONDS: bounded wait for the listener's connection to end;
# prints what PROG wrote to stderr and returns PROG's exit status.
wait_listener() {
	if ! wait_until "$1" listener_gone; then
		echo "the listener (pid $AG_LISTENER) is still running after $1 s"
		kill "$AG_LISTENER" 2> /dev/null
		cat "$AG_LISTENER_LOG"
		return 1
	fi
	wait "$AG_LISTENER"
	_lrc=$?
	cat "$AG_LISTENER_LOG"
	echo "listener exit status $_lrc"
	return $_lrc
}

# The guest no longer exists on this host (it left by migration).
guest_absent() {
	if xl domid "$GUEST_NAME" > /dev/null 2>&1; then
		echo "$GUEST_NAME is still here:"
		xl list
		return 1
	fi
	xl list
}

# The guest exists here and runs (or is blocked): not paused, not shut down.
guest_running() {
	xl list "$GUEST_NAME" || return 1
	case $(guest_state) in
	r*|-b*) return 0 ;;
	esac
	echo "state $(guest_state)"
	return 1
}

image_sum() {
	sha256sum "$SAVE_DIR/guest.save"
	ls -l "$SAVE_DIR/guest.save"
}

send_image() {
	busybox nc "$1" "$PVSR_IMAGE_PORT" < "$SAVE_DIR/guest.save"
}

# check_image SHA256: the received save image is the one that was sent.
check_image() {
	image_sum
	[ "$(sha256sum < "$SAVE_DIR/guest.save" | cut -d' ' -f1)" = "$1" ]
}

# Steps of the two-host scenarios, per host and cycle K. Each returns
# non-zero on failure; result.txt gets failed_step for the harness.
ag_failed() {
	result failed_step "$1"
	return 1
}

# Receiver of a live migration: listen, then (after the sender's
# migrate-K) wait for migrate-receive to end and for the guest's report.
recv_migrate_listen() {
	step "listen-$1" listen_on "recv-$1" "$PVSR_MIGRATE_PORT" \
		/job/migrate-receive.sh || ag_failed "listen-$1"
}

recv_migrate_end() {
	step "receive-$1" wait_listener 120 || ag_failed "receive-$1"
}

send_migrate() {
	step "migrate-$1" xl migrate -s /job/nc-transport.sh "$GUEST_NAME" "$2" ||
		ag_failed "migrate-$1"
}

# After the guest left: it must not exist here any more.
left_host() {
	step "left-$1" guest_absent || ag_failed "left-$1"
}

# host_time K NANOSECONDS: the host machine's time, for the guest's
# resume_K_time_hosts check (the guest waits for this cycle's value).
host_time() {
	step "host-time-$1" xenstore-write "/local/domain/$DOMID/pvsr/host-time" \
		"$1 $2" || ag_failed "host-time-$1"
}

# After the guest arrived: learn its domain id, give it the host's time,
# wait for its checks (arrived K NANOSECONDS).
arrived() {
	set_domid || return 1
	host_time "$1" "$2" || return 1
	wait_state "resumed $1"
}

# Save here (the image stays on this dom0's disk until sent).
save_here() {
	step "save-$1" xl save "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		ag_failed "save-$1" || return 1
	step "image-sum-$1" image_sum
}

recv_image_listen() {
	rm -f "$SAVE_DIR/guest.save"
	step "listen-image-$1" listen_on "recv-image-$1" "$PVSR_IMAGE_PORT" \
		/job/receive-image.sh || ag_failed "listen-image-$1"
}

send_image_to() {
	step "send-image-$1" send_image "$2" || ag_failed "send-image-$1" || return 1
	step "rm-save-$1" rm -f "$SAVE_DIR/guest.save"
}

recv_image_end() {
	step "receive-image-$1" wait_listener 300 || ag_failed "receive-image-$1" ||
		return 1
	step "check-image-$1" check_image "$2" || ag_failed "check-image-$1"
}

restore_here() {
	step "restore-$1" xl restore "$SAVE_DIR/guest.save" ||
		ag_failed "restore-$1" || return 1
	step "rm-save-$1" rm -f "$SAVE_DIR/guest.save"
}

checkpoint_here() {
	step "checkpoint-$1" xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
		ag_failed "checkpoint-$1" || return 1
	step "rm-save-$1" rm -f "$SAVE_DIR/guest.save"
}

# The guest is still here and running after a failed move.
still_here() {
	step "still-here-$1" guest_running || ag_failed "still-here-$1"
}

# After a failed move: did the guest go through suspend K (cancelled, it
# then reports "resumed K") or was it never suspended (the move failed in
# its live phase)? Bounded wait for "resumed K"; prints which, in
# $PVSR_OUT/suspended-K: yes, no or failed.
was_suspended() {
	WANT="resumed $1"
	rm -f "$PVSR_OUT/guest-end"
	step "wait-resumed-$1" wait_until "$2" state_reached
	_got=$(cat "$PVSR_OUT/guest-xs-state")
	case $_got in
	"resumed $1") echo yes > "$PVSR_OUT/suspended-$1" ;;
	failed) echo failed > "$PVSR_OUT/suspended-$1" ;;
	*) echo no > "$PVSR_OUT/suspended-$1" ;;
	esac
	[ ! -f "$PVSR_OUT/guest-end" ]
}

# Collect the logs and end the agent loop (dom0 then powers off).
agent_stop() {
	step xl-dmesg xl dmesg
	step dom0-dmesg dmesg
	step xl-list-end xl list
	step xl-guest-log xl_guest_logs
	[ "$CONTROL" = libvirt ] && step libvirt-logs libvirt_logs
	AG_STOP=1
}

# The operations under --control xl (libvirt.sh has the libvirt ones).
create_xl() {
	create_guest
}

checkpoint_xl() {
	checkpoint_here "$1"
}

save_xl() {
	save_here "$1"
}

restore_xl() {
	restore_here "$1"
}
