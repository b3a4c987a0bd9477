#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `xl migrate -s THIS NAME localhost` runs "THIS localhost xl migrate-receive":
# drop the host argument and run the receiver here (localhost migration).
shift
exec sh -c "$*"
