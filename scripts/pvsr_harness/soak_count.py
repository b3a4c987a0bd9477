# SPDX-License-Identifier: GPL-2.0
"""What a soak counts, from the guest's console and dom0's records.

The guest names each per-cycle check `resume_K_<check>` (KTAP, one result
line each; test-guest/resume_check.c). A soak counts failures by what the
check proves (CATEGORIES); a check this table does not know is counted
as "other", never dropped. Latencies come from the guest's
`# pvsr-report cycle=K ... park=NS ...` and `# pvsr-vcpu cycle=K vcpu=V
... park=NS resume=NS` lines (parsed by cycles.py).

dom0 (scripts/dom0/job/soak.sh) writes what the toolstack did for each
cycle in out/soak-cycles.tsv ("K kind fault uptime") and each fault's
outcome in out/soak-faults.tsv ("fault first last outcome detail").

Feed console lines in any order and as often as they come (the host
follows the log live); repeated lines (a migration copies the ring) are
counted once.
"""
import re
import statistics

from . import cycles as cyclesmod
from .ktap import strip_prefix

# What a failed check means, by the check's name.
CATEGORIES = (
    ("failed_resumes", ("return", "all_vcpus_back")),
    ("lost_or_duplicated_ipis", ("ipi_sequence",)),
    ("memory_checksum_mismatches", ("memory_checksums",)),
    ("time_regressions", ("time_monotonic", "time_hosts")),
    ("vcpus_back_wrong", ("own_stack", "fpu_state", "segment_bases",
                          "user_all_vcpus", "timers", "preempted_hypercall")),
)
OTHER = "other"
CATEGORY_OF = {check: cat for cat, checks in CATEGORIES for check in checks}
CATEGORY_NAMES = tuple(c for c, _ in CATEGORIES) + (OTHER,)
CATEGORY_TEXT = {
    "failed_resumes": "failed resumes",
    "lost_or_duplicated_ipis": "lost or duplicated IPIs",
    "memory_checksum_mismatches": "memory checksum mismatches",
    "time_regressions": "time regressions",
    "vcpus_back_wrong": "vCPUs that came back wrong",
    OTHER: "other failed checks",
}
# Faults scripts/soak can inject (soak.sh soak_fault_<name>).
FAULTS = ("back-to-back", "double-request", "unknown", "pause",
          "toolstack-fail", "vcpu-set")

_RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\s+(\S+)(?:\s*#\s*(.*))?$")
_CHECK = re.compile(r"^resume_(\d+)_(.+)$")
_EXPECT = re.compile(r"^#\s*(\S+): EXPECTATION FAILED at line \d+: (.*)$")
_BUSY = "'suspend' while 'suspend' runs: later"
_REFUSED = "# control/shutdown: refused 'suspend'"


def category(check):
    return CATEGORY_OF.get(check, OTHER)


class Tally:
    """Every cycle's checks and latencies seen so far."""

    def __init__(self):
        self.results = {}      # KTAP number -> (ok, name, directive)
        self.conflicts = []    # KTAP numbers with two different results
        self.expect = {}       # test name -> [EXPECTATION FAILED texts]
        self.reports = cyclesmod.Reports()
        self.busy_refusals = set()
        self.refused_during_suspend = set()
        self.final = None      # "# pvsr-guest: ..." line
        # Something failed (cheap to test while following a long soak).
        self.any_bad = False

    def feed(self, line):
        body = strip_prefix(line).strip()
        if not body:
            return
        if body.startswith("#"):
            m = _EXPECT.match(body)
            if m:
                texts = self.expect.setdefault(m.group(1), [])
                if m.group(2) not in texts:
                    texts.append(m.group(2))
            elif "pvsr-" in body:
                if body.startswith("# pvsr-guest:"):
                    self.final = body[2:]
                else:
                    self.reports.add_line(body)
                    self.any_bad = self.any_bad or body.startswith("# pvsr-error") \
                        or bool(self.reports.conflicts)
            if body.startswith(_REFUSED):
                self.refused_during_suspend.add(self.last_report_cycle())
            if _BUSY in body:
                # One refusal per cycle it happened in (the line carries no
                # cycle number: count distinct lines in console order).
                self.busy_refusals.add(self.last_report_cycle())
            return
        m = _RESULT.match(body)
        if not m:
            return
        ok = m.group(1) == "ok"
        num, name = int(m.group(2)), m.group(3)
        directive = (m.group(4) or "").strip()
        if not ok or directive.upper().startswith("SKIP"):
            self.any_bad = True
        old = self.results.get(num)
        if old is None:
            self.results[num] = (ok, name, directive)
        elif old[:2] != (ok, name):
            self.conflicts.append(num)
            self.any_bad = True
            if not ok:
                self.results[num] = (ok, name, directive)

    def feed_text(self, text):
        for line in text.split("\n"):
            self.feed(line)

    def last_report_cycle(self):
        return max(self.reports.report) if self.reports.report else 0

    # -- per cycle --------------------------------------------------------
    def checks(self):
        """cycle -> {check: (ok, skipped)} from the resume_K_* results."""
        out = {}
        for ok, name, directive in self.results.values():
            m = _CHECK.match(name)
            if not m:
                continue
            skipped = ok and directive.upper().startswith("SKIP")
            out.setdefault(int(m.group(1)), {})[m.group(2)] = (ok, skipped)
        return out

    def other_failures(self):
        """Failed or skipped results that are not a cycle's (boot checks,
        the final offline_vcpus_come_up)."""
        return sorted(name for ok, name, d in self.results.values()
                      if not _CHECK.match(name)
                      and (not ok or d.upper().startswith("SKIP")))

    def cycle_numbers(self):
        return sorted(set(self.checks()) | {k for k in self.reports.report if k > 0})

    def first_failure(self):
        """(cycle, [what]) of the first cycle with a failed or skipped
        check, a failed pvsr_suspend or conflicting lines; None if none."""
        bad = {}
        for k, checks in self.checks().items():
            for check, (ok, skipped) in sorted(checks.items()):
                if not ok:
                    bad.setdefault(k, []).append(
                        "resume_%d_%s failed (%s)" % (k, check,
                                                      CATEGORY_TEXT[category(check)]))
                elif skipped:
                    bad.setdefault(k, []).append(
                        "resume_%d_%s skipped (a skip is not a pass)" % (k, check))
        for k, rep in self.reports.report.items():
            if k > 0 and rep["rc"] < 0:
                e = self.reports.error.get(k)
                bad.setdefault(k, []).insert(0, "pvsr_suspend failed (rc %d)%s" % (
                    rep["rc"], ": " + cyclesmod._error_text(e) if e else ""))
        for k in self.reports.conflicts:
            if k > 0:
                bad.setdefault(k, []).append("conflicting pvsr-report/-vcpu lines")
        if not bad:
            return None
        k = min(bad)
        return k, bad[k]

    def failure_detail(self, k):
        """The guest's EXPECTATION FAILED lines for cycle k's checks."""
        out = []
        prefix = "resume_%d_" % k
        for name in sorted(self.expect):
            if name.startswith(prefix):
                out += ["%s: %s" % (name, t) for t in self.expect[name]]
        return out

    # -- counts -----------------------------------------------------------
    def counts(self, upto=None):
        """Failed checks per category (and per check) over the cycles up
        to `upto` (all if None)."""
        cats = dict.fromkeys(CATEGORY_NAMES, 0)
        by_check = {}
        skipped = 0
        for k, checks in self.checks().items():
            if upto is not None and k > upto:
                continue
            for check, (ok, skip) in checks.items():
                if not ok:
                    cats[category(check)] += 1
                    by_check[check] = by_check.get(check, 0) + 1
                elif skip:
                    skipped += 1
        return {"by_category": cats, "by_check": by_check, "skipped": skipped}

    def latencies(self, upto=None):
        """Worst and median latency (ns): the suspend's park phase (all
        vCPUs parked) per cycle, and each vCPU's park and resume."""
        series = {"park_phase": [], "vcpu_park": [], "vcpu_resume": [],
                  "suspend_total": []}
        for k, rep in self.reports.report.items():
            if k <= 0 or (upto is not None and k > upto) or rep["rc"] < 0:
                continue
            series["park_phase"].append(rep["park"])
            series["suspend_total"].append(rep["total"])
            for v in self.reports.vcpu.get(k, {}).values():
                series["vcpu_park"].append(v["park_ns"])
                series["vcpu_resume"].append(v["resume_ns"])
        return {name: stats(vals) for name, vals in series.items()}


PERCENTILES = (90, 99)


def percentile(ordered, p):
    """Nearest-rank percentile of a sorted, non-empty list: the smallest
    value with at least p% of the values at or below it."""
    rank = -(-p * len(ordered) // 100)      # ceil(p * n / 100)
    return ordered[max(rank, 1) - 1]


def stats(values):
    """The latency distribution of one series: median, p90, p99, worst."""
    out = {"n": len(values), "median_ns": None, "worst_ns": None}
    out.update({"p%d_ns" % p: None for p in PERCENTILES})
    if values:
        ordered = sorted(values)
        out["median_ns"] = int(statistics.median(ordered))
        out["worst_ns"] = ordered[-1]
        for p in PERCENTILES:
            out["p%d_ns" % p] = percentile(ordered, p)
    return out


def read_tsv(path, ncols):
    """Lines of a tab-separated dom0 record with at least ncols fields."""
    rows = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= ncols:
                    rows.append(parts)
    except OSError:
        pass
    return rows


def read_cycle_kinds(path):
    """out/soak-cycles.tsv -> {cycle: {"kind", "fault"}}."""
    out = {}
    for parts in read_tsv(path, 3):
        try:
            k = int(parts[0])
        except ValueError:
            continue
        out[k] = {"kind": parts[1], "fault": None if parts[2] == "-" else parts[2]}
    return out


def read_faults(path):
    """out/soak-faults.tsv -> [{"fault", "first", "last", "outcome", "detail"}]."""
    out = []
    for parts in read_tsv(path, 4):
        try:
            first, last = int(parts[1]), int(parts[2])
        except ValueError:
            continue
        out.append({"fault": parts[0], "first_cycle": first, "last_cycle": last,
                    "outcome": parts[3], "detail": parts[4] if len(parts) > 4 else ""})
    return out


def fault_counts(faults, planned):
    """Per fault kind: planned, done (ok), missed (dom0 could not inject
    it this time: not a pass, not the guest's failure), failed."""
    out = {}
    names = list(FAULTS) + sorted({f["fault"] for f in faults} - set(FAULTS))
    for name in names:
        mine = [f for f in faults if f["fault"] == name]
        c = {"planned": planned.get(name, 0),
             "done": sum(1 for f in mine if f["outcome"] == "ok"),
             "missed": sum(1 for f in mine if f["outcome"] == "missed"),
             "failed": sum(1 for f in mine if f["outcome"] not in ("ok", "missed"))}
        if c["planned"] or mine:
            out[name] = c
    return out


def cycle_records(tally, kinds, upto=None):
    """One record per cycle the guest or dom0 knows of, up to `upto`."""
    checks = tally.checks()
    nums = sorted(set(tally.cycle_numbers()) | set(kinds))
    out = []
    for k in nums:
        if k <= 0 or (upto is not None and k > upto):
            continue
        rep = tally.reports.report.get(k)
        vc = tally.reports.vcpu.get(k, {})
        c = checks.get(k, {})
        rec = {"cycle": k,
               "kind": kinds.get(k, {}).get("kind"),
               "fault": kinds.get(k, {}).get("fault"),
               "return": rep["return"] if rep and rep["called"] else None,
               "rc": rep["rc"] if rep else None,
               "park_ns": rep["park"] if rep else None,
               "total_ns": rep["total"] if rep else None,
               "vcpu_park_max_ns": max((v["park_ns"] for v in vc.values()), default=None),
               "vcpu_resume_max_ns": max((v["resume_ns"] for v in vc.values()),
                                         default=None),
               "checks": len(c),
               "failed": sorted(n for n, (ok, _) in c.items() if not ok)}
        out.append(rec)
    return out


def kind_counts(kinds, upto=None):
    out = {}
    for k, v in kinds.items():
        if upto is None or k <= upto:
            out[v["kind"]] = out.get(v["kind"], 0) + 1
    return out


def soak_json(tally, kinds, faults, planned_faults, stop=None):
    """The soak's record. `stop`: {"cycle", "reason"} from dom0 (or None).
    A failure found in the guest's checks stops the count at its cycle:
    nothing after it is counted (dom0 stops there too)."""
    first = tally.first_failure()
    # The guest's own first failure names the cycle; dom0's stop cycle
    # (it can lag the guest by a few remus cycles, and "failed" in
    # data/pvsr/state carries no number) only when the guest names none:
    # a hang, an xl failure.
    stop_cycle = first[0] if first else None
    if stop_cycle is None and stop and stop.get("cycle") is not None:
        stop_cycle = stop["cycle"]
    counts = tally.counts(stop_cycle)
    done = [k for k in tally.checks() if stop_cycle is None or k <= stop_cycle]
    d = {
        "cycles_done": kind_counts(kinds, stop_cycle),
        "cycles_checked": len(done),
        "last_cycle": max(done) if done else 0,
        "failures": counts["by_category"],
        "failed_checks": counts["by_check"],
        "skipped_checks": counts["skipped"],
        "other_failed_results": tally.other_failures(),
        "faults": fault_counts(faults, planned_faults),
        "busy_refusals_seen": len(tally.busy_refusals),
        "refused_during_suspend_seen": len(tally.refused_during_suspend),
        "latency_ns": tally.latencies(stop_cycle),
        "guest_final": tally.final,
        "stopped": None,
        "cycles": cycle_records(tally, kinds, stop_cycle),
    }
    if first or stop:
        d["stopped"] = {
            "cycle": stop_cycle,
            "what": first[1] if first and first[0] == stop_cycle else [],
            "dom0_reason": stop.get("reason") if stop else None,
            "guest_detail": tally.failure_detail(stop_cycle) if stop_cycle else [],
        }
    return d


def _ms(ns):
    return "-" if ns is None else "%.1f ms" % (ns / 1e6)


def summary_lines(s):
    """The soak's counts, printed at the end of every soak."""
    kinds = ", ".join("%s %d" % kv for kv in sorted(s["cycles_done"].items())) or "none"
    f = s["failures"]
    out = ["soak: %d cycle(s) checked (last %d): %s" % (s["cycles_checked"],
                                                       s["last_cycle"], kinds)]
    for cat in CATEGORY_NAMES:
        out.append("  %-28s %d" % (CATEGORY_TEXT[cat] + ":", f[cat]))
    if s["failed_checks"]:
        out.append("  failed checks: " + ", ".join(
            "%s %d" % kv for kv in sorted(s["failed_checks"].items())))
    if s["skipped_checks"]:
        out.append("  skipped checks (not a pass): %d" % s["skipped_checks"])
    if s["other_failed_results"]:
        out.append("  failed results outside the cycles: "
                   + ", ".join(s["other_failed_results"]))
    for name, fc in sorted(s["faults"].items()):
        out.append("  fault %-16s planned %d, done %d, missed %d, failed %d"
                   % (name, fc["planned"], fc["done"], fc["missed"], fc["failed"]))
    lat = s["latency_ns"]
    for key, text in (("park_phase", "park (all vCPUs, per cycle)"),
                      ("vcpu_park", "park (per vCPU)"),
                      ("vcpu_resume", "resume (per vCPU)"),
                      ("suspend_total", "suspend total (per cycle)")):
        st = lat[key]
        out.append("  %-28s median %s, p90 %s, p99 %s, worst %s (n=%d)"
                   % (text + ":", _ms(st["median_ns"]), _ms(st.get("p90_ns")),
                      _ms(st.get("p99_ns")), _ms(st["worst_ns"]), st["n"]))
    st = s.get("stopped")
    if st:
        out.append("soak STOPPED at cycle %s" % st["cycle"])
        for w in st["what"]:
            out.append("  " + w)
        for line in st["guest_detail"]:
            out.append("  guest: " + line)
        if st["dom0_reason"]:
            out.append("  dom0: " + st["dom0_reason"])
    return out
