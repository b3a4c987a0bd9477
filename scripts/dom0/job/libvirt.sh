# SPDX-License-Identifier: GPL-2.0
# pvsr dom0: the two-host operations under --control libvirt (POSIX sh),
# sourced by job.sh after agent.sh. libvirtd (Debian 12's libvirt 9.0, its
# libxl driver) is started by hand, listens on TCP without auth (only on the
# private network between the two dom0s) and logs into the job share. Every
# virsh command goes through `step`, like xl's.

VIRSH_URI=xen:///system

# Debian's libvirt-daemon pulls in the QEMU driver, which refuses to start
# without its user (debootstrap runs no adduser for it) and takes libvirtd
# down with it: create the user, as the package would have.
libvirt_user() {
	getent passwd libvirt-qemu && return 0
	getent group kvm > /dev/null || groupadd -r kvm || return 1
	getent group libvirt-qemu > /dev/null || groupadd -r libvirt-qemu || return 1
	useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt \
		-s /usr/sbin/nologin libvirt-qemu
}

libvirt_conf() {
	cat <<EOF_CONF
# Written by /job/libvirt.sh: TCP without auth, for the private network
# between the two test dom0s only.
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
log_outputs = "3:file:$PVSR_OUT/libvirtd.log"
EOF_CONF
}

libvirt_answers() {
	virsh -c "$VIRSH_URI" version > /dev/null 2>&1
}

libvirt_up() {
	step libvirt-user libvirt_user || return 1
	libvirt_conf > /run/libvirtd.conf
	step libvirtd-conf cat /run/libvirtd.conf
	step libvirtd libvirtd --listen --daemon --config /run/libvirtd.conf ||
		return 1
	step libvirtd-up wait_until 60 libvirt_answers || return 1
	step virsh-version virsh -c "$VIRSH_URI" version
}

# The domain XML from the harness's one xl config template.
domxml() {
	virsh -c "$VIRSH_URI" domxml-from-native xen-xl "$GUEST_CFG" \
		> "$PVSR_OUT/guest.xml" || return 1
	cat "$PVSR_OUT/guest.xml"
}

create_libvirt() {
	if ! step domxml domxml ||
		! step create virsh -c "$VIRSH_URI" create --paused "$PVSR_OUT/guest.xml"; then
		result outcome create-failed
		return 1
	fi
	set_domid || return 1
	step unpause virsh -c "$VIRSH_URI" resume "$GUEST_NAME" ||
		{ xl_failed unpause; return 1; }
}

save_libvirt() {
	step "save-$1" virsh -c "$VIRSH_URI" save "$GUEST_NAME" \
		"$SAVE_DIR/guest.save" || ag_failed "save-$1" || return 1
	step "image-sum-$1" image_sum
}

restore_libvirt() {
	step "restore-$1" virsh -c "$VIRSH_URI" restore "$SAVE_DIR/guest.save" ||
		ag_failed "restore-$1" || return 1
	step "rm-save-$1" rm -f "$SAVE_DIR/guest.save"
}

checkpoint_libvirt() {
	echo "libvirt's libxl driver has no checkpoint (save and keep running)"
	return 1
}

# migrate_libvirt K PEER: libvirt to libvirt over TCP; the data connection
# goes to PEER too (without --migrateuri the receiver would offer its
# hostname, which the sender cannot resolve).
migrate_libvirt() {
	step "migrate-$1" virsh -c "$VIRSH_URI" migrate --live --verbose \
		"$GUEST_NAME" "xen+tcp://$2/system" "tcp://$2" ||
		ag_failed "migrate-$1"
}

libvirt_logs() {
	for _f in /var/log/libvirt/libxl/*.log; do
		[ -f "$_f" ] || continue
		echo "==> $_f <=="
		cat "$_f"
	done
}
