# SPDX-License-Identifier: GPL-2.0
"""Helpers of scripts/harness (the pvsr nested Xen harness)."""
