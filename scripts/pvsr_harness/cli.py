# SPDX-License-Identifier: GPL-2.0
"""Command line of scripts/harness."""
import argparse
import os
import sys

from .common import DEFAULT_CACHE, REPO_ROOT, HarnessError, Progress
from .xlcfg import SCENARIOS
from .hosts import TWO_HOST_SCENARIOS


def cmd_setup(args):
    from .setup import setup
    setup(args.cache, Progress())
    return 0


def cmd_run(args):
    from .run import host_memory_mib, run
    two = args.scenario in TWO_HOST_SCENARIOS
    if args.hosts == 2 and not two:
        raise UsageError("--hosts 2 runs one of: %s" % ", ".join(TWO_HOST_SCENARIOS))
    if two and args.hosts != 2:
        raise UsageError("--scenario %s needs --hosts 2" % args.scenario)
    if not two and (args.control != "xl" or args.xen_b):
        raise UsageError("--control libvirt and --xen-b need --hosts 2")
    if two and args.ramdisk:
        raise UsageError("--ramdisk is for one-host runs")
    if two and args.host_memory is not None:
        raise UsageError("--host-memory is for one-host runs (two hosts: "
                         "--mem-a, --mem-b)")
    if args.control == "libvirt" and args.scenario == "checkpoint-migrate-2host":
        raise UsageError("libvirt's libxl driver has no checkpoint: "
                         "checkpoint-migrate-2host needs --control xl")
    if two:
        if args.b_delay < 0:
            raise UsageError("--b-delay must be >= 0")
        if min(args.mem_a, args.mem_b) < 1100:
            raise UsageError("--mem-a/--mem-b must be at least 1100 MiB "
                             "(dom0 has 1024)")
        if args.guest_timeout is None:
            args.guest_timeout = 180 + 120 * args.cycles
        if args.timeout is None:
            args.timeout = (args.b_delay + args.boot_timeout + args.guest_timeout
                            + 120 * args.cycles + 300)
    if args.vcpus < 1:
        raise UsageError("--vcpus must be at least 1")
    if args.max_vcpus is not None and args.max_vcpus < args.vcpus:
        raise UsageError("--max-vcpus %d is less than --vcpus %d"
                         % (args.max_vcpus, args.vcpus))
    if args.memory < 16:
        raise UsageError("--memory must be at least 16 MiB")
    need = host_memory_mib(args.scenario, args.memory)
    if args.host_memory is not None and args.host_memory < need:
        raise UsageError("--host-memory %d is less than the %d MiB this run "
                         "needs (see --help)" % (args.host_memory, need))
    if args.cycles < 1:
        raise UsageError("--cycles must be at least 1")
    if args.guest_timeout is None:
        args.guest_timeout = 180 if args.scenario == "boot" else 180 + 120 * args.cycles
        # Creating, copying and checking a guest of several GiB: about a
        # minute per GiB for each (a guess from 512 MiB runs, generous).
        args.guest_timeout += 60 * (args.memory // 1024) * (args.cycles + 1)
    if args.timeout is None:
        args.timeout = args.boot_timeout + args.guest_timeout + 120
        # remus: one window; compare: 3 kinds of cycles and a window per guest.
        if args.scenario == "remus":
            args.timeout += args.remus_seconds + 120
        elif args.scenario == "compare":
            args.timeout += 3 * (args.remus_seconds + 240 + 240 * args.cycles)
    if args.scenario in ("remus", "compare"):
        # compare may run no window at all (0); remus is nothing but one.
        min_seconds = 1 if args.scenario == "remus" else 0
        if args.remus_interval < 1 or args.remus_seconds < min_seconds:
            raise UsageError("--remus-interval must be >= 1 and --remus-seconds "
                             ">= 1 (compare: 0 runs no remus window)")
        if args.scenario == "compare":
            from .compare import parse_guests
            try:
                parse_guests(args.compare_guests)
            except ValueError as e:
                raise UsageError(str(e))
    if args.timeout < 30:
        raise UsageError("--timeout must be at least 30 s")
    if args.ramdisk and not os.path.isfile(args.ramdisk):
        raise UsageError("--ramdisk %s: no such file" % args.ramdisk)
    for g in args.guest_arg:
        if '"' in g or "\\" in g or " " in g:
            raise UsageError("--guest-arg %r: one word, no quotes or backslashes" % g)
    if two:
        from .hosts import run as run_two
        return run_two(args)
    return run(args)


def cmd_selftest(args):
    from .selftest import selftest
    return selftest(args)


class UsageError(Exception):
    pass


def build_parser():
    p = argparse.ArgumentParser(prog="scripts/harness", description=__doc__)
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    sub.required = True
    s = sub.add_parser("setup", help="install host packages, build the dom0 cache")
    s.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder (default %(default)s)")
    s.set_defaults(func=cmd_setup)

    r = sub.add_parser(
        "run", help="boot Xen + dom0 in QEMU and run a scenario",
        description="Boot Xen and dom0 under QEMU, create the test guest as a "
        "PV domU and run SCENARIO. Exit status: 0 passed; 1 the guest failed "
        "(a KTAP test failed, crash, hang, missing results); 2 usage; 3 the "
        "infrastructure failed (no cache, QEMU, Xen, dom0, toolstack).")
    r.add_argument("--scenario", required=True,
                   choices=SCENARIOS + tuple(TWO_HOST_SCENARIOS),
                   help="one host: %s; two hosts (--hosts 2): %s" % (
                       ", ".join(SCENARIOS), "; ".join(
                           "%s: %s" % kv for kv in TWO_HOST_SCENARIOS.items())))
    r.add_argument("--hosts", type=int, choices=(1, 2), default=1,
                   help="2: boot two Xen hosts (A and B, each in its own QEMU, "
                   "joined by a private network on the loopback); the guest "
                   "starts on A and moves between them (default %(default)s)")
    r.add_argument("--control", choices=("xl", "libvirt"), default="xl",
                   help="two hosts: drive the guest with xl, or through libvirtd "
                   "(libxl driver) with virsh (default %(default)s)")
    r.add_argument("--xen-b", metavar="VERSION",
                   help="two hosts: run this Debian build of "
                   "xen-hypervisor-4.17-amd64 on host B (fetched with apt-get "
                   "download into the cache folder), e.g. "
                   "4.17.7+13-g2445b30a44-0+deb12u1")
    r.add_argument("--mem-a", type=int, default=2048, metavar="MIB",
                   help="two hosts: host A's memory (default %(default)s)")
    r.add_argument("--mem-b", type=int, default=1792, metavar="MIB",
                   help="two hosts: host B's memory (default %(default)s; dom0 "
                   "takes 1024, so about 1150 leaves B too little to receive "
                   "a 128 MiB guest)")
    r.add_argument("--b-delay", type=float, default=30, metavar="S",
                   help="two hosts: start host B's QEMU this long after A's "
                   "(default %(default)s)")
    r.add_argument("--vcpus", type=int, required=True, help="guest vCPUs")
    r.add_argument("--max-vcpus", type=int, metavar="N",
                   help="the domain's vCPUs (xl maxvcpus, default --vcpus): "
                   "those above --vcpus start offline and `xl vcpu-set` "
                   "brings them up (the guest honours cpu/N/availability)")
    r.add_argument("--memory", type=int, default=128, metavar="MIB",
                   help="guest memory in MiB (default %(default)s)")
    r.add_argument("--host-memory", type=int, metavar="MIB",
                   help="one host: the nested host's memory (QEMU -m; default "
                   "dom0's 1024 + 512 for Xen + the guest, twice for a "
                   "migrating scenario, at least 2048)")
    r.add_argument("--cycles", type=int, default=1, metavar="K",
                   help="save/restore, checkpoint or migrate cycles (default %(default)s)")
    r.add_argument("--json", metavar="FILE", help="write the JSON result here too "
                   "(always written to LOGS/result.json)")
    r.add_argument("--logs", metavar="DIR", help="logs folder (default "
                   "build/harness/<scenario>-<vcpus>v-<timestamp>/)")
    r.add_argument("--accel", choices=("auto", "tcg", "kvm"), default="auto",
                   help="auto = tcg (this machine's KVM cannot run Xen)")
    r.add_argument("--timeout", type=float, metavar="S",
                   help="hard limit on the whole QEMU run (default: boot-timeout "
                   "+ guest-timeout + 120)")
    r.add_argument("--boot-timeout", type=float, default=300, metavar="S",
                   help="limit for Xen + dom0 to bring the toolstack up "
                   "(default %(default)s)")
    r.add_argument("--guest-timeout", type=int, metavar="S",
                   help="dom0's bounded wait for the guest to finish (and for "
                   "each xenstore state) (default 180, +120 per cycle for "
                   "scenarios other than boot, +60 per GiB of guest memory "
                   "per cycle and once for the boot)")
    r.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                   help="extra QEMU argument (repeatable)")
    r.add_argument("--xen-arg", action="append", default=[], metavar="ARG",
                   help="extra Xen command-line word (repeatable)")
    r.add_argument("--guest-arg", action="append", default=[], metavar="WORD",
                   help="extra word for the guest command line (repeatable)")
    r.add_argument("--kernel", default=os.path.join(REPO_ROOT, "build", "test-guest",
                                                    "pvsr-guest"),
                   help="guest ELF (default build/test-guest/pvsr-guest)")
    r.add_argument("--ramdisk", metavar="PATH",
                   help="guest ramdisk (for a Linux PV guest; the harness's own "
                   "plumbing self-test uses one)")
    r.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder (default %(default)s)")
    r.add_argument("--xs-snoop", action="store_true",
                   help="turn on oxenstored's full access log in dom0 and write "
                   "xenstore-snoop.log (the guest's xenstore requests and watch "
                   "events, and dom0's about it) into the logs folder")
    r.add_argument("--stall-dump", type=int, default=5, metavar="S",
                   help="dump the guest's core (xl dump-core) once if it has not "
                   "suspended S s after an xl save or save -c began; 0: never "
                   "(default %(default)s, under pvsr's 10 s park timeout)")
    r.add_argument("--remus-seconds", type=int, default=20, metavar="S",
                   help="remus and compare: how long xl remus checkpoints the "
                   "guest (default %(default)s)")
    r.add_argument("--remus-interval", type=int, default=100, metavar="MS",
                   help="remus and compare: xl remus -i, ms between checkpoints "
                   "(default %(default)s)")
    r.add_argument("--compare-guests", default="pvsr,linux", metavar="LIST",
                   help="compare: the guests, one after the other in one boot: "
                   "pvsr (this guest), pvsr-noevt (the same with "
                   "pvsr.suspend_evtchn=0), linux (a Debian 6.1 PV domU); "
                   "default %(default)s")
    r.add_argument("--dom0-initrd", choices=("pvsr", "debian"), default="pvsr",
                   help="dom0 initramfs: pvsr's small one (default) or Debian's")
    r.set_defaults(func=cmd_run)

    t = sub.add_parser("selftest", help="offline self-tests (--e2e: also "
                       "broken guests under real Xen must fail)",
                       description="The harness's own tests. Offline by default; "
                       "--e2e and --linux-domu boot real Xen under QEMU, each "
                       "test in its own process, --jobs at a time (a two-host "
                       "test takes two), each printing its progress.")
    t.add_argument("--e2e", action="store_true",
                   help="also build deliberately broken guests (a bad boot "
                   "check, setjmp faked with rax 0 at boot and at resume, a "
                   "kernel page with _PAGE_USER or in the user L4, no FPU or "
                   "segment-base restore, a park inside a preempted hypercall, "
                   "a vCPU that never parks, a panic after the hypercall, raw "
                   "time across two hosts) and tiny crashing/hanging ones, and "
                   "prove `run` fails each (fourteen QEMU runs), and run a 20 s "
                   "remus window the real guest must pass (one more; about "
                   "13 min with --jobs 2)")
    t.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="QEMU runs at once for --e2e/--linux-domu (default "
                   "%(default)s: one per core of this machine; two-host tests "
                   "count twice)")
    t.add_argument("--linux-domu", action="store_true",
                   help="also drive save-restore, checkpoint and migrate with a "
                   "Linux PV domU (the harness's plumbing without the pvsr "
                   "guest; three QEMU runs, about 3 min)")
    t.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder for --e2e and --linux-domu (default %(default)s)")
    t.add_argument("-v", "--verbose", action="store_true")
    t.set_defaults(func=cmd_selftest)
    return p


def main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as e:
        parser.exit(2, "harness: error: %s\n" % e)
    except HarnessError as e:
        sys.stderr.write("harness: error: %s\n" % e)
        return 3
    except KeyboardInterrupt:
        sys.stderr.write("harness: interrupted\n")
        return 130
