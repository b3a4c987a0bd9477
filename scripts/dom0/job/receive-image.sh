#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two-host runs: what the receiving dom0's `busybox nc -l -e` runs for a
# save image sent by the other dom0 (stdin is the TCP connection).
exec cat > "${SAVE_DIR:-/var/lib/pvsr}/guest.save"
