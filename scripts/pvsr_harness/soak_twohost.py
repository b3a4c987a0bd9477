# SPDX-License-Identifier: GPL-2.0
"""scripts/soak --hosts 2: save-restores or live migrations between two
Xen hosts (hosts.py, `harness run --hosts 2`), counted like a one-host
soak.

The two-host harness runs the cycles (scenario migrate-2host or
save-restore-2host, the guest with pvsr.scenario=two-host and a fixed
plan) and stops at the first cycle whose "resumed K" does not come; this
adds a progress line every --progress seconds from both hosts' guest
consoles and, at the end, the soak's counts over both (soak_count.py) in
the summary and the JSON ("soak").
"""
import argparse
import json
import os
import threading
import time

from .common import Progress, REPO_ROOT
from . import hosts as hostsmod
from . import soak_count
from .run import _read, guest_logs
from .soak_run import ConsoleFollower

SCENARIO = {"migrate": "migrate-2host", "save-restore": "save-restore-2host"}


def harness_args(args, kind, count):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    logs = args.logs or os.path.join(REPO_ROOT, "build", "harness",
                                     "soak-2host-%dv-%s" % (args.vcpus, stamp))
    guest_timeout = 180 + 120 * count
    b_delay = 30
    return argparse.Namespace(
        scenario=SCENARIO[kind], hosts=2, control="xl", xen_b=None,
        mem_a=2048, mem_b=1792, b_delay=b_delay, vcpus=args.vcpus,
        memory=args.memory, cycles=count, json=args.json, logs=logs,
        accel="auto", timeout=args.timeout or (b_delay + args.boot_timeout
                                               + guest_timeout + 120 * count + 300),
        boot_timeout=args.boot_timeout, guest_timeout=guest_timeout,
        qemu_arg=[], xen_arg=[], guest_arg=list(args.guest_arg),
        kernel=args.kernel, ramdisk=None, cache=args.cache, xs_snoop=False,
        stall_dump=args.stall_dump, dom0_initrd="pvsr", max_vcpus=None)


class Follow(threading.Thread):
    """A progress line from both hosts' guest consoles every `every` s."""

    def __init__(self, logs, every, progress):
        super().__init__(daemon=True)
        self.logs, self.every, self.progress = logs, every, progress
        self.tally = soak_count.Tally()
        self.stop = threading.Event()

    def run(self):
        followers = [ConsoleFollower(os.path.join(self.logs, "host-" + h))
                     for h in ("a", "b")]
        last = time.monotonic()
        while not self.stop.wait(1):
            for f in followers:
                for line in f.new_lines():
                    self.tally.feed(line)
            if time.monotonic() - last >= self.every:
                last = time.monotonic()
                checks = self.tally.checks()
                bad = sum(1 for c in checks.values() for ok, _ in c.values() if not ok)
                self.progress("soak progress: %d cycle(s) checked, %d failed check(s)"
                              % (max(checks) if checks else 0, bad))


def soak_record(d, logs, kind, count):
    """The soak record of a finished two-host run (its JSON `d`)."""
    tally = soak_count.Tally()
    for h in ("a", "b"):
        for path in guest_logs(os.path.join(logs, "host-" + h)):
            tally.feed_text(_read(path))
    kinds = {}
    for c in d.get("cycles") or []:
        if c.get("guest") is not None:
            moved = c.get("moved")
            kinds[c["cycle"]] = {"kind": "%s-2host" % (c.get("op") or kind),
                                 "fault": None if moved in (None, True) else "not moved"}
    s = soak_count.soak_json(tally, kinds, [], {})
    s["plan"] = [{"kind": kind, "count": count}]
    s["hosts"] = 2
    return s


def run(args, kind, count):
    """scripts/soak --hosts 2; returns the two-host run's exit status (1 if
    it passed but the soak's counts found a failure)."""
    progress = Progress()
    ha = harness_args(args, kind, count)
    follow = Follow(ha.logs, args.progress, progress)
    follow.start()
    try:
        rc = hostsmod.run(ha)
    finally:
        follow.stop.set()
    jpath = os.path.join(ha.logs, "result.json")
    try:
        with open(jpath) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        progress("soak: no two-host result to count (%s)" % e)
        return rc or 1
    s = soak_record(d, ha.logs, kind, count)
    d["soak"] = s
    if s["stopped"] and d.get("passed"):
        d["passed"] = False
        d["error"] = "soak stopped at cycle %s: %s" % (s["stopped"]["cycle"],
                                                        "; ".join(s["stopped"]["what"]))
        rc = 1
    for path in filter(None, [jpath, args.json]):
        with open(path, "w") as f:
            json.dump(d, f, indent=2)
            f.write("\n")
    for line in soak_count.summary_lines(s):
        progress(line)
    progress("soak result: %s" % ("PASS" if rc == 0 else "FAIL"))
    return rc
