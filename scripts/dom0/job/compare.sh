# SPDX-License-Identifier: GPL-2.0
# pvsr dom0: the `compare` scenario (POSIX sh, after lib.sh, scenarios.sh
# and remus.sh), for `scripts/bench --compare-linux`.
#
# One Xen boot takes each guest in COMPARE_SUBJECTS, one after the other
# (never two at once: they would share the two CPUs), through the same
# cycles: CYCLES x xl save + xl restore, CYCLES x xl save -c, CYCLES x live
# migration to localhost, then a REMUS_SECONDS checkpoint-rate window
# under xl remus (remus.sh), then a power-off. Every guest speaks the
# harness's xenstore protocol (data/pvsr/state "ready", "resumed K").
#
# COMPARE_SUBJECTS (from job.sh): "LABEL:NAME:CFG ..." (the first is the
# harness's own pvsr guest). Steps are named LABEL-save-K, LABEL-restore-K,
# LABEL-checkpoint-K, LABEL-migrate-K and LABEL-remus, K counting every
# cycle of that guest; result.txt gets LABEL_cycles_KIND = "FIRST LAST".

# compare_cycles LABEL KIND: CYCLES cycles of one kind on the running guest;
# CMP_K counts the guest's cycles.
compare_cycles() {
	_first=$((CMP_K + 1))
	_i=1
	while [ "$_i" -le "$CYCLES" ]; do
		CMP_K=$((CMP_K + 1))
		_s=$1-$2-$CMP_K
		case $2 in
		save)
			step "$_s" suspend_watched "$_s" \
				xl save "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
				{ xl_failed "$_s"; return 1; }
			_s=$1-restore-$CMP_K
			step "$_s" xl restore "$SAVE_DIR/guest.save" ||
				{ xl_failed "$_s"; return 1; }
			step "$1-rm-save-$CMP_K" rm -f "$SAVE_DIR/guest.save"
			set_domid || return 1 ;;
		checkpoint)
			step "$_s" suspend_watched "$_s" \
				xl save -c "$GUEST_NAME" "$SAVE_DIR/guest.save" ||
				{ xl_failed "$_s"; return 1; }
			step "$1-rm-save-$CMP_K" rm -f "$SAVE_DIR/guest.save" ;;
		migrate)
			step "$_s" xl migrate -s /job/migrate-transport.sh \
				"$GUEST_NAME" localhost ||
				{ xl_failed "$_s"; return 1; }
			set_domid || return 1 ;;
		esac
		# Cycles of this kind so far (the last line counts): a guest
		# that fails in this cycle is judged on it.
		result "$1_cycles_$2" "$_first $CMP_K"
		wait_state "resumed $CMP_K" || return 1
		_i=$((_i + 1))
	done
}

# compare_subject LABEL NAME CFG: one guest through every kind of cycle.
# The stall dump (suspend_watched) is for the pvsr guest only: the host
# reads a dump with the pvsr guest's ELF, and a Linux domU that is slow to
# suspend is no failure of it. GUEST_FOREIGN (dump_guest): not the pvsr
# guest.
compare_subject() {
	GUEST_NAME=$2
	GUEST_CFG=$3
	DOMID=
	CMP_K=0
	case $1 in
	pvsr*) STALL_DUMP=$CMP_STALL_DUMP GUEST_FOREIGN= ;;
	*) STALL_DUMP=0 GUEST_FOREIGN=1 ;;
	esac
	mark "compare-subject $1"
	create_guest || return 1
	wait_state ready || return 1
	for _kind in save checkpoint migrate; do
		compare_cycles "$1" "$_kind" || return 1
	done
	# REMUS_SECONDS=0: no window (the bench's large vCPU counts, where the
	# guest's checks after a checkpoint outlast xl's interval and xl
	# cannot be stopped between two checkpoints).
	if [ "$REMUS_SECONDS" -gt 0 ]; then
		remus_window "$1-remus" "$CMP_K" || return 1
		result "$1_cycles_remus" "$((CMP_K + 1)) $REMUS_K"
	fi
	finish_guest
}

scenario_compare() {
	mkdir -p "$SAVE_DIR"
	_main=$GUEST_NAME
	CMP_STALL_DUMP=${STALL_DUMP:-0}
	for _subj in $COMPARE_SUBJECTS; do
		_label=${_subj%%:*}
		_rest=${_subj#*:}
		compare_subject "$_label" "${_rest%%:*}" "${_rest#*:}" ||
			{ GUEST_NAME=$_main GUEST_FOREIGN=; return 1; }
		result "${_label}_done" yes
	done
	# xl's log of the harness's own guest for the shutdown reasons.
	GUEST_NAME=$_main GUEST_FOREIGN=
}
