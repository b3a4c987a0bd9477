# SPDX-License-Identifier: GPL-2.0
"""Command line of scripts/soak."""
import argparse
import os
import sys

from .common import DEFAULT_CACHE, REPO_ROOT, HarnessError
from . import soak_plan
from .soak_count import FAULTS

DESCRIPTION = """\
Soak: one pvsr test guest through a long series of suspends in ONE Xen
boot (one `scripts/harness run` of the dom0 scenario "soak"), every
workload running on every vCPU. Each cycle's resume checks are counted;
the first failure stops the soak with the cycle number, the guest's
report for that cycle, and what the harness collects for a failure
(guest core, backtrace, logs). Modes, interleaved evenly when several
are given: --checkpoints (xl remus -F -b -n -d -i MS: memory
checkpoints into a blackhole, each a suspend and a cancelled resume),
--save-restore, --migrate (localhost), --faults. --mixed without counts
runs a default mix. --hosts 2 runs --save-restore or --migrate between two
Xen hosts (`harness run --hosts 2`), without checkpoints or faults.

Exit status: 0 every cycle passed; 1 the guest failed (a check, a
crash, a hang, a stop); 2 usage; 3 infrastructure (no cache, QEMU, Xen,
dom0, toolstack)."""

FAULT_HELP = """\
faults, each counted like the cycles:
  back-to-back    a checkpoint request while the guest still runs the
                  previous resume;
  double-request  xl save, xl restore -p, a second control/shutdown=suspend
                  written into the paused new domain, unpause: the guest
                  must not act on it inside the suspend it resumes from;
                  it refuses it (cleared, data/pvsr/error) or serves it
                  later (a suspend of its own, which dom0 resumes
                  cancelled), and the node ends empty;
  unknown         an unknown control/shutdown value before a real request:
                  reported in data/pvsr/error and left in the node;
  pause           xl pause across the request and after the resume;
  toolstack-fail  xl save onto the 9p share fails after the guest
                  suspended ("Failed to write page data to stream (14 =
                  Bad address)"); libxl resumes it cancelled;
  vcpu-set        xl vcpu-set up to --max-vcpus and back to --vcpus between
                  suspends and while a request is served (needs --max-vcpus
                  and a guest that honours cpu/N/availability; never in
                  "all").
LIST: comma-separated NAME or NAME:COUNT, or "all"."""

# --mixed without counts.
MIXED_DEFAULT = {"checkpoints": 200, "save_restore": 6, "migrate": 4}


def build_parser():
    p = argparse.ArgumentParser(prog="scripts/soak", description=DESCRIPTION,
                                epilog=FAULT_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoints", type=int, default=0, metavar="N",
                   help="remus checkpoints (about 2 per second at 4 vCPUs)")
    p.add_argument("--save-restore", type=int, default=0, metavar="N",
                   help="xl save + xl restore cycles")
    p.add_argument("--migrate", type=int, default=0, metavar="N",
                   help="live migrations to localhost")
    p.add_argument("--mixed", action="store_true",
                   help="interleave checkpoints, save-restores, migrations and "
                   "faults; without counts: %s checkpoints, %s save-restores, "
                   "%s migrations and every fault but vcpu-set once"
                   % (MIXED_DEFAULT["checkpoints"], MIXED_DEFAULT["save_restore"],
                      MIXED_DEFAULT["migrate"]))
    p.add_argument("--faults", metavar="LIST",
                   help="faults to inject (see below; names: %s)" % ", ".join(FAULTS))
    p.add_argument("--checkpoint-block", type=int, metavar="N",
                   help="checkpoints per xl remus run when mixed with other "
                   "kinds (default: one run between each two other entries)")
    p.add_argument("--hosts", type=int, choices=(1, 2), default=1,
                   help="2: save-restores or live migrations between two Xen "
                   "hosts, each in its own QEMU (takes both QEMU slots; about "
                   "1 min per move through busybox nc) (default %(default)s)")
    p.add_argument("--vcpus", type=int, required=True, help="guest vCPUs")
    p.add_argument("--max-vcpus", type=int, metavar="N",
                   help="the domain's vCPUs (maxvcpus): those above --vcpus "
                   "start offline and --faults vcpu-set brings them up and "
                   "takes them down (the ones online at boot carry the IPI "
                   "ring and stay)")
    p.add_argument("--memory", type=int, default=128, metavar="MIB",
                   help="guest memory (default %(default)s)")
    p.add_argument("--remus-ms", type=int, default=100, metavar="MS",
                   help="xl remus checkpoint interval (default %(default)s)")
    p.add_argument("--cycle-timeout", type=int, default=120, metavar="S",
                   help="longest dom0 waits for one cycle's 'resumed K' before "
                   "it stops the soak as a hang (default %(default)s)")
    p.add_argument("--progress", type=float, default=20, metavar="S",
                   help="seconds between progress lines (default %(default)s, "
                   "at most 30)")
    p.add_argument("--json", metavar="FILE",
                   help="write the JSON result here too (always LOGS/result.json); "
                   "its 'soak' key has the counts and every cycle up to a stop")
    p.add_argument("--logs", metavar="DIR", help="logs folder (default "
                   "build/harness/soak-<vcpus>v-<timestamp>/)")
    p.add_argument("--kernel", default=os.path.join(REPO_ROOT, "build", "test-guest",
                                                    "pvsr-guest"),
                   help="guest ELF (default build/test-guest/pvsr-guest)")
    p.add_argument("--guest-arg", action="append", default=[], metavar="WORD",
                   help="extra word for the guest command line (repeatable)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="hard limit on the whole run (default: from the plan)")
    p.add_argument("--boot-timeout", type=float, default=300, metavar="S",
                   help="limit for Xen + dom0 to bring the toolstack up "
                   "(default %(default)s)")
    p.add_argument("--stall-dump", type=int, default=5, metavar="S",
                   help="as `harness run --stall-dump` (default %(default)s)")
    p.add_argument("--cache", default=DEFAULT_CACHE,
                   help="cache folder (default %(default)s)")
    return p


class UsageError(Exception):
    pass


def plan_from(args):
    if args.mixed and not (args.checkpoints or args.save_restore or args.migrate):
        args.checkpoints = MIXED_DEFAULT["checkpoints"]
        args.save_restore = MIXED_DEFAULT["save_restore"]
        args.migrate = MIXED_DEFAULT["migrate"]
    faults_text = args.faults if args.faults is not None else ("all" if args.mixed else "")
    faults = soak_plan.parse_faults(faults_text)
    for name in ("checkpoints", "save_restore", "migrate"):
        if getattr(args, name) < 0:
            raise UsageError("--%s must be >= 0" % name.replace("_", "-"))
    return soak_plan.build(args.checkpoints, args.save_restore, args.migrate,
                           faults, args.checkpoint_block)


def harness_args(args, plan):
    """The namespace run.py expects, for scenario "soak"."""
    cycles = soak_plan.cycles_of(plan)
    guest_timeout = 300
    timeout = args.timeout or (args.boot_timeout + soak_plan.seconds_of(plan)
                               + guest_timeout * 2 + args.cycle_timeout + 600)
    return argparse.Namespace(
        scenario="soak", hosts=1, control="xl", vcpus=args.vcpus,
        memory=args.memory, cycles=cycles, json=args.json, logs=args.logs,
        accel="auto", timeout=timeout, boot_timeout=args.boot_timeout,
        guest_timeout=guest_timeout, qemu_arg=[], xen_arg=[],
        guest_arg=list(args.guest_arg), kernel=args.kernel, ramdisk=None,
        cache=args.cache, xs_snoop=False, stall_dump=args.stall_dump,
        dom0_initrd="pvsr", soak_plan=plan, remus_ms=args.remus_ms,
        cycle_timeout=args.cycle_timeout, progress=args.progress,
        max_vcpus=args.max_vcpus)


def check(args):
    if args.vcpus < 1:
        raise UsageError("--vcpus must be at least 1")
    if args.max_vcpus is not None and args.max_vcpus < args.vcpus:
        raise UsageError("--max-vcpus must be at least --vcpus")
    if args.memory < 16:
        raise UsageError("--memory must be at least 16 MiB")
    if not 0 < args.progress <= 30:
        raise UsageError("--progress must be in (0, 30] seconds")
    if args.remus_ms < 1:
        raise UsageError("--remus-ms must be at least 1")
    if args.cycle_timeout < 10:
        raise UsageError("--cycle-timeout must be at least 10 s")
    if args.checkpoint_block is not None and args.checkpoint_block < 1:
        raise UsageError("--checkpoint-block must be at least 1")
    for g in args.guest_arg:
        if '"' in g or "\\" in g or " " in g:
            raise UsageError("--guest-arg %r: one word, no quotes or backslashes" % g)


def two_hosts(args):
    if args.checkpoints or args.mixed or args.faults or args.max_vcpus:
        raise UsageError("--hosts 2 runs --save-restore or --migrate only "
                         "(no checkpoints, faults, --mixed or --max-vcpus)")
    if bool(args.save_restore) == bool(args.migrate):
        raise UsageError("--hosts 2 needs exactly one of --save-restore N and "
                         "--migrate N")
    kind, count = (("migrate", args.migrate) if args.migrate
                   else ("save-restore", args.save_restore))
    if count < 1:
        raise UsageError("--hosts 2: the count must be at least 1")
    from .soak_twohost import run
    return run(args, kind, count)


def main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check(args)
        if args.hosts == 2:
            return two_hosts(args)
        try:
            plan = plan_from(args)
        except ValueError as e:
            raise UsageError(str(e))
        if any(k == "fault-vcpu-set" for k, _ in plan) and \
                (args.max_vcpus or 0) <= args.vcpus:
            raise UsageError("--faults vcpu-set needs --max-vcpus above --vcpus: "
                             "the vCPUs online at boot stay, those above come and go")
        from .soak_run import run
        return run(harness_args(args, plan))
    except UsageError as e:
        parser.exit(2, "soak: error: %s\n" % e)
    except HarnessError as e:
        sys.stderr.write("soak: error: %s\n" % e)
        return 3
    except KeyboardInterrupt:
        sys.stderr.write("soak: interrupted\n")
        return 130
