# SPDX-License-Identifier: GPL-2.0
"""Host packages the top-level commands (make check, make demo) need
before anything else can run: the guest build and the scripts."""
import os
import subprocess
import time

BUILD_DEPS = ["build-essential", "make", "libxen-dev", "python3", "git",
              "clang-format", "perl", "python3-matplotlib"]


def missing(packages):
    return [p for p in packages
            if subprocess.call(["dpkg", "-s", p], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) != 0]


def install(packages, log):
    """apt-get install what is missing; returns (ok, seconds)."""
    need = missing(packages)
    if not need:
        log("deps: all installed")
        return True, 0.0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"deps: installing {' '.join(need)}")
    t0 = time.monotonic()
    rc = subprocess.call(["apt-get", "update", "-q"], env=env)
    if rc == 0:
        rc = subprocess.call(["apt-get", "install", "-y", "-q",
                              "--no-install-recommends"] + need, env=env)
    if rc != 0:
        log("deps: FAILED: apt-get could not install " + " ".join(need))
    return rc == 0, time.monotonic() - t0
