# SPDX-License-Identifier: GPL-2.0
"""The remus and compare scenarios: the host's side.

remus (scripts/dom0/job/remus.sh): one checkpoint-rate window of
`xl remus -F -b -n -d -i MS` on the pvsr guest (pvsr.scenario=remus,
open-ended); every checkpoint is a cycle the guest reports and checks, and
each must return 1.

compare (scripts/dom0/job/compare.sh, for scripts/bench --compare-linux):
in one Xen boot, each guest of --compare-guests goes through CYCLES x
save-restore, CYCLES x checkpoint, CYCLES x live migration and a remus
window, one guest after the other. "pvsr" is the harness's own guest
(pvsr.scenario=soak, open-ended: the harness checks each cycle's return),
"pvsr-noevt" the same guest with pvsr.suspend_evtchn=0, "linux" a Debian
6.1 PV domU (linux_domu.py). The figures per guest, kind and cycle come
from the guests' own consoles (timing.py) and the dom0 steps.
"""
import os
import shutil

from . import cycles as cyclesmod
from . import ktap
from . import linux_domu
from . import timing
from . import xlcfg
from .common import HarnessError

DOM0_JOB = "/job"
KINDS = ("save-restore", "checkpoint", "migrate", "remus")
# The dom0 step word of each kind (LABEL-WORD-K) and the xl steps it times.
STEP_WORD = {"save-restore": "save", "checkpoint": "checkpoint",
             "migrate": "migrate", "remus": "remus"}
EXPECTED_RETURN = {"save-restore": 0, "checkpoint": 1, "migrate": 0, "remus": 1}
# label -> (domain name, xl config in the job folder)
SUBJECTS = {"pvsr": (xlcfg.GUEST_NAME, "guest.cfg"),
            "pvsr-noevt": ("pvsr-noevt", "guest-noevt.cfg"),
            "linux": (linux_domu.NAME, "linux.cfg")}
DEFAULT_GUESTS = "pvsr,linux"


def parse_guests(text):
    """--compare-guests "pvsr,pvsr-noevt,linux" -> labels; pvsr first."""
    labels = [w for w in text.split(",") if w]
    bad = [w for w in labels if w not in SUBJECTS]
    if bad or not labels or labels[0] != "pvsr" or len(set(labels)) != len(labels):
        raise ValueError("--compare-guests: a comma-separated list of %s, "
                         "starting with pvsr (the harness's own guest), each once; "
                         "got %r" % (", ".join(SUBJECTS), text))
    return labels


def prepare_job(jobdir, args, cache):
    """Extra xl configs, the Linux kernel and ramdisk for compare; returns
    the keyword arguments for job.prepare."""
    labels = parse_guests(getattr(args, "compare_guests", DEFAULT_GUESTS))
    if "pvsr-noevt" in labels:
        cfg = xlcfg.render(
            kernel=DOM0_JOB + "/pvsr-guest", memory_mib=args.memory,
            vcpus=args.vcpus, name=SUBJECTS["pvsr-noevt"][0],
            extra=xlcfg.guest_cmdline("soak", 0, list(args.guest_arg) +
                                      ["pvsr.suspend_evtchn=0"], vcpus=args.vcpus))
        _write(os.path.join(jobdir, SUBJECTS["pvsr-noevt"][1]), cfg)
    if "linux" in labels:
        ramdisk, kernel = linux_domu.build(cache.root, os.path.join(
            jobdir, "linux-domu.cpio"))
        _link_or_copy(kernel, os.path.join(jobdir, "linux-vmlinux"))
        cfg = xlcfg.render(kernel=DOM0_JOB + "/linux-vmlinux",
                           ramdisk=DOM0_JOB + "/linux-domu.cpio",
                           memory_mib=args.memory, vcpus=args.vcpus,
                           name=linux_domu.NAME, extra=linux_domu.CMDLINE)
        _write(os.path.join(jobdir, SUBJECTS["linux"][1]), cfg)
    subjects = " ".join("%s:%s:%s/%s" % (lab, SUBJECTS[lab][0], DOM0_JOB,
                                         SUBJECTS[lab][1]) for lab in labels)
    return {"guest_scenario": "soak", "compare_subjects": subjects}


def cleanup_job(jobdir):
    """The Linux kernel is a copy of the cache's: not kept per run."""
    try:
        os.unlink(os.path.join(jobdir, "linux-vmlinux"))
    except OSError:
        pass


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _link_or_copy(src, dst):
    if os.path.exists(dst):
        os.unlink(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def remus_window(result, tag):
    """dom0's figures of one remus window (remus.sh), or None if it never
    finished: the guest's cycles in it (checkpoints, first_cycle,
    last_cycle), the suspends xl logged, those dom0 resumed itself after
    killing xl (one xl logged, or a request xl had sent that the guest
    took after xl was gone: dom0 cannot tell which), and the rate:
    checkpoints after xl's first suspend (whose whole-memory copy comes
    first) per second of window."""
    keys = ("checkpoints", "window_s", "first", "last", "window_checkpoints",
            "suspends", "dom0_resumes")
    v = {k: _num(result.get("%s_%s" % (tag, k))) for k in keys}
    if any(x is None for x in v.values()):
        return None
    return {"checkpoints": int(v["checkpoints"]), "suspends": int(v["suspends"]),
            "window_s": v["window_s"],
            "window_checkpoints": int(v["window_checkpoints"]),
            "per_s": round(v["window_checkpoints"] / v["window_s"], 3)
            if v["window_s"] > 0 else None,
            "first_cycle": int(v["first"]), "last_cycle": int(v["last"]),
            "dom0_resumes": int(v["dom0_resumes"])}


def remus_problems(win):
    """Every suspend xl made must be a cycle the guest made, and back; one
    cycle more only if dom0 resumed a suspend (xl's last request)."""
    if win is None:
        return ["the remus window did not finish (no checkpoint count from dom0)"]
    out = []
    late = win["checkpoints"] - win["suspends"]
    if not 0 <= late <= win["dom0_resumes"]:
        out.append("xl remus suspended the guest %d times and dom0 resumed it %d "
                   "time(s) after stopping xl, but the guest made %d cycles in the "
                   "window" % (win["suspends"], win["dom0_resumes"],
                               win["checkpoints"]))
    if win["window_checkpoints"] < 1:
        out.append("xl remus made no checkpoint after its first in %.1f s"
                   % win["window_s"])
    return out


def step_seconds(steps, names):
    by_name = {s["name"]: s for s in steps}
    if not names or any(n not in by_name for n in names):
        return None
    return round(sum(by_name[n]["duration"] for n in names), 2)


def toolstack_steps(label, kind, k):
    word = STEP_WORD[kind]
    if kind == "save-restore":
        return ["%s-save-%d" % (label, k), "%s-restore-%d" % (label, k)]
    if kind == "remus":
        return []
    return ["%s-%s-%d" % (label, word, k)]


def cycle_kinds(result, label):
    """{cycle: kind} from dom0's LABEL_cycles_KIND = "FIRST LAST" lines."""
    kinds = {}
    for kind in KINDS:
        v = result.get("%s_cycles_%s" % (label, STEP_WORD[kind]), "").split()
        if len(v) == 2 and all(x.isdigit() for x in v):
            for k in range(int(v[0]), int(v[1]) + 1):
                kinds[k] = kind
    return kinds


def judge_remus(args, result, reports, texts):
    """The remus scenario: (record, problems)."""
    win = remus_window(result, "remus")
    probs = remus_problems(win)
    if win is None:
        return None, probs
    probs += [p.replace("checkpoint expects", "remus expects") for p in
              cyclesmod.problems("checkpoint", win["last_cycle"], args.vcpus,
                                 reports, cyclesmod.offline_vcpus(args.guest_arg))]
    probs += cyclesmod.request_problems(win["last_cycle"], reports,
                                        cyclesmod.suspend_channel_on(args.guest_arg))
    win["interval_ms"] = args.remus_interval
    win["requests"] = request_counts(reports, range(1, win["last_cycle"] + 1))
    win["downtime_ms"] = timing.ms(timing.median(
        [pvsr_downtime_ns(reports, k) for k in range(1, win["last_cycle"] + 1)]))
    # The guest takes no request while its checks run: the rate's bound.
    win["checks_ms"] = timing.ms(timing.median(
        [reports.checks.get(k, {}).get("total")
         for k in range(1, win["last_cycle"] + 1)]))
    return win, probs


def pvsr_downtime_ns(reports, k):
    g = cyclesmod.guest_json(reports, k)
    return g.get("downtime_ns") if g else None


def request_counts(reports, ks):
    """How the guest got its suspend requests: {"evtchn": n, "xenstore": m}."""
    out = {}
    for k in ks:
        via = reports.request.get(k)
        if via is not None:
            out[via] = out.get(via, 0) + 1
    return out


def _pvsr_subject(args, label, texts, result, steps, main):
    reports = cyclesmod.parse(texts)
    kinds = cycle_kinds(result, label)
    last = max(kinds) if kinds else 0
    probs = []
    if not main:
        doc = ktap.parse(texts)
        probs += ["KTAP: " + p for p in doc.problems()]
    want = {k: EXPECTED_RETURN[kind] for k, kind in kinds.items()}
    for p in cyclesmod.problems("checkpoint", last, args.vcpus, reports,
                                cyclesmod.offline_vcpus(args.guest_arg),
                                want_return=want):
        probs.append(p.replace("checkpoint expects", "this kind of cycle expects"))
    # pvsr-noevt runs with pvsr.suspend_evtchn=0 on top of the guest args.
    probs += cyclesmod.request_problems(
        last, reports, main and cyclesmod.suspend_channel_on(args.guest_arg))
    cycles = []
    for k in sorted(kinds):
        rep = reports.report.get(k)
        ph = cyclesmod.guest_json(reports, k)["phase_ns"] if rep else None
        cycles.append({
            "cycle": k, "kind": kinds[k],
            "before_ms": timing.ms(timing.pvsr_before_ns(ph)),
            "after_ms": timing.ms(timing.pvsr_after_ns(ph)),
            "downtime_ms": timing.ms(pvsr_downtime_ns(reports, k)),
            "toolstack_s": step_seconds(steps, toolstack_steps(label, kinds[k], k)),
            "return": rep["return"] if rep else None,
            "request_via": reports.request.get(k),
            "checks_ms": {n: timing.ms(v)
                          for n, v in reports.checks.get(k, {}).items()}})
    return cycles, probs


def _linux_subject(label, texts, result, steps):
    kinds = cycle_kinds(result, label)
    probs = []
    lines = {line.strip() for t in texts for line in t.splitlines()}
    for n, name in ((1, "linux_domu_ready"), (2, "linux_domu_poweroff")):
        if "ok %d %s" % (n, name) not in lines:
            probs.append("the Linux domU did not print 'ok %d %s'" % (n, name))
    segs = timing.linux_segments(texts)
    down = timing.linux_downtimes(texts)
    last = max(kinds) if kinds else 0
    if len(segs) < last:
        probs.append("the Linux domU's log shows %d suspend(s), dom0 ran %d"
                     % (len(segs), last))
    cycles = []
    for k in sorted(kinds):
        seg = segs[k - 1] if k - 1 < len(segs) else None
        cycles.append({
            "cycle": k, "kind": kinds[k],
            "before_ms": timing.ms(seg and seg["before_ns"]),
            "after_ms": timing.ms(seg and seg["after_ns"]),
            "downtime_ms": timing.ms(down.get(k)),
            "toolstack_s": step_seconds(steps, toolstack_steps(label, kinds[k], k))})
    return cycles, probs


def judge_compare(args, result, steps, jobdir, logs_of):
    """The compare scenario: (record, problems). logs_of(name) -> texts."""
    labels = parse_guests(getattr(args, "compare_guests", DEFAULT_GUESTS))
    rec = {"guests": labels, "cycles_per_kind": args.cycles,
           "remus_interval_ms": args.remus_interval,
           "remus_seconds": args.remus_seconds, "subjects": {}}
    probs = []
    for label in labels:
        name = SUBJECTS[label][0]
        texts = logs_of(name)
        if result.get("%s_done" % label) != "yes":
            if not any(t.strip() for t in texts):
                probs.append("%s: not run (dom0 stopped before this guest)" % label)
                rec["subjects"][label] = {"name": name, "cycles": [], "remus": None}
                continue
            probs.append("%s: dom0 did not finish this guest's cycles" % label)
        if label == "linux":
            cycles, p = _linux_subject(label, texts, result, steps)
        else:
            cycles, p = _pvsr_subject(args, label, texts, result, steps,
                                      main=label == "pvsr")
        win = remus_window(result, label + "-remus")
        if result.get("%s_done" % label) == "yes" and args.remus_seconds > 0:
            p += remus_problems(win)
        probs += ["%s: %s" % (label, x) for x in p]
        rec["subjects"][label] = {"name": name, "cycles": cycles, "remus": win}
    return rec, probs


def summary_lines(rec):
    """A few printed lines: medians per guest and kind."""
    out = []
    for label, s in rec["subjects"].items():
        for kind in KINDS[:3]:
            cs = [c for c in s["cycles"] if c["kind"] == kind]
            out.append("%s %s: before %s ms, after %s ms, downtime %s ms, "
                       "toolstack %s s (median of %d)" % (
                           label, kind,
                           *(timing.fmt(timing.median([c[f] for c in cs]))
                             for f in ("before_ms", "after_ms", "downtime_ms",
                                       "toolstack_s")), len(cs)))
        r = s["remus"]
        out.append("%s remus: %s" % (label, "%d checkpoints after the first in "
                                     "%.1f s = %.2f/s" % (
                                         r["window_checkpoints"], r["window_s"],
                                         r["per_s"]) if r else
                                     "not run (--remus-seconds 0)"
                                     if not rec["remus_seconds"] else
                                     "did not finish"))
    return out
