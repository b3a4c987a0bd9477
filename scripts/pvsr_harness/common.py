# SPDX-License-Identifier: GPL-2.0
"""Shared bits: paths, the progress printer, errors, subprocess helpers."""
import os
import subprocess
import sys
import time

SCRIPTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(SCRIPTS_DIR)
DOM0_DIR = os.path.join(SCRIPTS_DIR, "dom0")
DOM0_ROOTFS_DIR = os.path.join(DOM0_DIR, "rootfs")
DOM0_JOB_DIR = os.path.join(DOM0_DIR, "job")
DEFAULT_CACHE = "/var/cache/pvsr"

# The one Xen we run: bookworm main's build, which still has shadow paging
# (needed for PV live migration); bookworm-security's 4.17.7 dropped it.
XEN_PKG_VERSION = "4.17.5+72-g01140da4e8-1"
XEN_PACKAGES = ("xen-hypervisor-4.17-amd64", "xen-utils-4.17")
XEN_LIBDIR = "/usr/lib/xen-4.17"


class HarnessError(Exception):
    """A failure with a message meant for the person reading the output."""


class Progress:
    """Prints "[  14.2s] message" lines, timed from construction."""

    def __init__(self, stream=None, t0=None):
        self.t0 = time.monotonic() if t0 is None else t0
        self.stream = stream or sys.stdout

    def elapsed(self):
        return time.monotonic() - self.t0

    def __call__(self, msg):
        self.stream.write("[%6.1fs] %s\n" % (self.elapsed(), msg))
        self.stream.flush()


def run_cmd(argv, progress=None, check=True, **kw):
    """Run a host command, echoing it; raise HarnessError on failure."""
    if progress:
        progress("$ " + " ".join(argv))
    res = subprocess.run(argv, **kw)
    if check and res.returncode != 0:
        raise HarnessError("command failed (exit %d): %s"
                           % (res.returncode, " ".join(argv)))
    return res


def rel(path):
    """A path relative to the repo when inside it (for shorter messages)."""
    try:
        r = os.path.relpath(path, REPO_ROOT)
    except ValueError:
        return path
    return path if r.startswith("..") else r
