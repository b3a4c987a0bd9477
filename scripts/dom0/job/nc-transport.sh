#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two-host runs: `xl migrate -s THIS NAME PEER` runs
# "THIS PEER xl migrate-receive ...". Instead of ssh, connect to the
# listener the peer dom0 started (agent.sh listen_on: busybox nc -l with
# migrate-receive.sh): xl's stream goes over TCP on the private network.
exec busybox nc "$1" "${PVSR_MIGRATE_PORT:-7001}"
