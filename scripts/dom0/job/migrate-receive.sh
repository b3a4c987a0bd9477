#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two-host runs: what the receiving dom0's `busybox nc -l -e` runs for an
# incoming live migration (stdin/stdout are the TCP connection).
exec xl migrate-receive
