# SPDX-License-Identifier: GPL-2.0
"""Per suspend cycle: what the toolstack took and what the guest reported.

The guest prints, for every pvsr_suspend() (test-guest/suspend.c):
    # pvsr-report cycle=K rc=R return=N prepare=.. park=.. down=..
      teardown=.. hypercall=.. rebind=.. rebuild=.. hooks=.. complete=..
      total=.. vcpus=V   (one line)
    # pvsr-vcpu cycle=K vcpu=v outcome=O park=.. resume=..  (v = 1..V-1)
    # pvsr-error cycle=K code=TEXT step=.. vcpu=.. ...      (only if rc < 0)
    # pvsr-checks cycle=K total=.. <check>=.. ...   (after the resume checks)
Times are guest-clock nanoseconds. cycle=0 is the guest's own back-out
self-test at boot, not a toolstack cycle: it is left out. After a live
migration the same lines can appear twice (and across guest-NAME.log and
guest-NAME--incoming.log): identical repeats are dropped, different lines
for the same cycle are an error.

The toolstack's side comes from the dom0 steps (out/steps.tsv): save-K +
restore-K, checkpoint-K (xl save -c) or migrate-K.
"""
import re

from .ktap import ranges as _ranges, strip_prefix

PHASES = ("prepare", "park", "down", "teardown", "hypercall", "rebind",
          "rebuild", "hooks", "complete", "total")
# Logs from before the release and the events-on hooks were a phase of
# their own ("complete") have them inside "hooks": None there.
OPTIONAL_PHASES = ("complete",)
# Phases that take measurable time in every successful suspend of a guest
# with more than one vCPU (a 0 means the phase did not run).
NONZERO_PHASES = PHASES

# What save-restore writes to control/shutdown before its first cycle
# (scripts/dom0/job/scenarios.sh BOGUS_REQUEST).
BOGUS_REQUEST = "pvsr-from-dom0"

OPS = {"save-restore": "save-restore", "checkpoint": "checkpoint",
       "migrate": "migrate"}
# What the suspend hypercall returns: 0 in a new domain (restore,
# migration), 1 when cancelled (xl save -c resumes the same domain).
EXPECTED_RETURN = {"save-restore": 0, "checkpoint": 1, "migrate": 0}
# pvsr_vcpu_outcome (kernel/pvsr.h) of every secondary vCPU afterwards.
OUTCOMES = {0: "not involved", 1: "parked", 2: "rebuilt", 3: "restarted",
            4: "never parked", 5: "park failed"}
EXPECTED_OUTCOME = {0: 2, 1: 3}

_LINE = re.compile(
    r"^#\s*pvsr-(report|vcpu|error|request|downtime|checks)\s+(.*)$")
_KEY = re.compile(r"(?:^|\s)([a-z_]+)=")
_REPORT_KEYS = ("cycle", "rc", "called", "return") + \
    tuple(p for p in PHASES if p not in OPTIONAL_PHASES) + ("vcpus",)
_VCPU_KEYS = ("cycle", "vcpu", "outcome", "deferred", "park", "resume")
_ERROR_INTS = ("cycle", "vcpu", "hypercall", "subop", "xen_errno", "port")
_DOWNTIME_KEYS = ("cycle", "wall_park_ns", "wall_release_ns")


def _fields(body):
    """'a=1 b=some text c=-2' -> {"a": "1", "b": "some text", "c": "-2"}
    (a value runs to the next " key=", so pvsr-error's code text keeps its
    spaces)."""
    keys = list(_KEY.finditer(body))
    out = {}
    for i, m in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(body)
        out.setdefault(m.group(1), body[m.end():end].strip())
    return out


def _ints(fields, keys):
    """The keys as ints, or None if one is missing or not a number (a line
    cut off by a crash, or mixed with other console output)."""
    out = {}
    for k in keys:
        try:
            out[k] = int(fields[k])
        except (KeyError, ValueError):
            return None
    return out


class Reports:
    """Every pvsr-report/-vcpu/-error/-request/-downtime/-checks line of
    one run, by cycle."""

    def __init__(self):
        self.report = {}      # cycle -> {key: int}
        self.request = {}     # cycle -> "evtchn" or "xenstore"
        self.downtime = {}    # cycle -> {"wall_park_ns", "wall_release_ns"}
        self.checks = {}      # cycle -> {"total": ns, check name: ns}
        self.vcpu = {}        # cycle -> {vcpu: {"outcome", "park_ns", "resume_ns"}}
        self.error = {}       # cycle -> {key: str or int}
        self.incomplete = {}  # cycle (or None if unreadable) -> [line]
        self.conflicts = {}   # cycle -> [what]
        self.duplicates = 0

    def _put(self, table, cycle, key, value, what):
        slot = table.setdefault(cycle, {}) if key is not None else table
        k = key if key is not None else cycle
        old = slot.get(k)
        if old is None:
            slot[k] = value
        elif old == value:
            self.duplicates += 1
        else:
            self.conflicts.setdefault(cycle, []).append(what)

    def add_line(self, line):
        m = _LINE.match(strip_prefix(line).strip())
        if not m:
            return
        kind, body = m.group(1), m.group(2)
        f = _fields(body)
        try:
            cycle = int(f.get("cycle", ""))
        except ValueError:
            self.incomplete.setdefault(None, []).append(line.strip())
            return
        if kind == "request":
            self._put(self.request, cycle, None, f.get("via", "?"),
                      "pvsr-request")
            return
        if kind == "downtime":
            v = _ints(f, _DOWNTIME_KEYS)
            if v is None:
                self.incomplete.setdefault(cycle, []).append(line.strip())
                return
            del v["cycle"]
            self._put(self.downtime, cycle, None, v, "pvsr-downtime")
            return
        if kind == "checks":
            v = _ints(f, [k for k in f if k != "cycle"])
            if v is None or "total" not in v:
                self.incomplete.setdefault(cycle, []).append(line.strip())
                return
            self._put(self.checks, cycle, None, v, "pvsr-checks")
            return
        if kind == "report":
            v = _ints(f, _REPORT_KEYS)
            if v is None:
                self.incomplete.setdefault(cycle, []).append(line.strip())
                return
            for p in OPTIONAL_PHASES:
                opt = _ints(f, (p,))
                v[p] = opt[p] if opt else None
            self._put(self.report, cycle, None, v, "pvsr-report")
        elif kind == "vcpu":
            v = _ints(f, _VCPU_KEYS)
            if v is None:
                self.incomplete.setdefault(cycle, []).append(line.strip())
                return
            self._put(self.vcpu, cycle, v["vcpu"],
                      {"vcpu": v["vcpu"], "outcome": v["outcome"],
                       "deferred": v["deferred"],
                       "park_ns": v["park"], "resume_ns": v["resume"]},
                      "pvsr-vcpu vcpu=%d" % v["vcpu"])
        else:
            e = {}
            for k, val in f.items():
                if k in _ERROR_INTS:
                    try:
                        val = int(val)
                    except ValueError:
                        pass
                e[k] = val
            self._put(self.error, cycle, None, e, "pvsr-error")


def parse(texts):
    """Guest console logs (main one first) -> Reports."""
    if isinstance(texts, str):
        texts = [texts]
    r = Reports()
    for text in texts:
        for line in text.split("\n"):
            if "pvsr-" in line:
                r.add_line(line)
    return r


def toolstack_seconds(scenario, k, steps):
    """The xl time of cycle k from the dom0 steps, or None if it never ran."""
    by_name = {s["name"]: s for s in steps}
    names = {"save-restore": ("save-%d" % k, "restore-%d" % k),
             "checkpoint": ("checkpoint-%d" % k,),
             "migrate": ("migrate-%d" % k,)}.get(scenario, ())
    if not names or any(n not in by_name for n in names):
        return None
    return round(sum(by_name[n]["duration"] for n in names), 2)


def guest_json(reports, k):
    rep = reports.report.get(k)
    if rep is None:
        return None
    g = {"hypercall_called": bool(rep["called"]),
         "return": rep["return"] if rep["called"] else None, "rc": rep["rc"],
         "vcpus_online": rep["vcpus"],
         "phase_ns": {p: rep[p] for p in PHASES},
         "vcpus": [reports.vcpu[k][v] for v in sorted(reports.vcpu.get(k, {}))]}
    if k in reports.error:
        g["error"] = reports.error[k]
    if k in reports.request:
        g["request_via"] = reports.request[k]
    if k in reports.checks:
        g["checks_ns"] = reports.checks[k]
    d = reports.downtime.get(k)
    if d:
        g["wall_park_ns"] = d["wall_park_ns"]
        g["wall_release_ns"] = d["wall_release_ns"]
        # The guest's work did not run in between (wall clock; a release
        # stamp of 0 means the suspend backed out before the complete hooks).
        g["downtime_ns"] = (d["wall_release_ns"] - d["wall_park_ns"]
                            if d["wall_release_ns"] else None)
    return g


def cycles_json(scenario, ncycles, reports, steps):
    """The result's "cycles" list: one entry per requested cycle (guest:
    null when the guest never reported it)."""
    if scenario not in OPS:
        return []
    return [{"cycle": k, "op": OPS[scenario],
             "toolstack_s": toolstack_seconds(scenario, k, steps),
             "guest": guest_json(reports, k)}
            for k in range(1, ncycles + 1)]


def guest_arg_int(guest_args, key, default):
    """The value of the first KEY=N guest argument (the guest reads its
    command line the same way), or default."""
    for word in guest_args or ():
        k, sep, val = word.partition("=")
        if k == key and sep:
            try:
                return int(val, 0)
            except ValueError:
                return default
    return default


def offline_vcpus(guest_args):
    """N from a pvsr.offline=N guest argument: the guest leaves its last N
    vCPUs down, out of every suspend."""
    return guest_arg_int(guest_args, "pvsr.offline", 0)


def suspend_channel_on(guest_args):
    """The guest offers the suspend event channel unless told
    pvsr.suspend_evtchn=0."""
    return guest_arg_int(guest_args, "pvsr.suspend_evtchn", 1) != 0


def request_problems(ncycles, reports, channel):
    """Each cycle's suspend request must have come the way the guest
    offered: on the suspend event channel if it has one (libxl then never
    writes control/shutdown), else through xenstore."""
    want = "evtchn" if channel else "xenstore"
    out = []
    for k in range(1, ncycles + 1):
        if k not in reports.report:
            continue
        via = reports.request.get(k)
        if via is None:
            out.append("cycle %d: the guest printed no pvsr-request line" % k)
        elif via != want:
            out.append("cycle %d: the suspend request came through %s, not %s "
                       "(suspend event channel %s)"
                       % (k, via, want, "on" if channel else "off"))
    return out


def problems(scenario, ncycles, vcpus, reports, offline=0, want_return=None):
    """Why the guest's cycle reports do not show ncycles good suspends of a
    vcpus-vCPU guest with `offline` of them left down (empty if they do).
    want_return, {cycle: return}, overrides the scenario's expected return
    per cycle (two-host runs mix moves, checkpoints and failed moves)."""
    if scenario not in OPS:
        return []
    out = []
    online = vcpus - offline
    want_ret = EXPECTED_RETURN[scenario]
    missing = [k for k in range(1, ncycles + 1) if k not in reports.report]
    if missing:
        out.append("no pvsr-report from the guest for cycle%s %s of %d (it "
                   "crashed, hung or never got the request)"
                   % ("s" if len(missing) > 1 else "", _ranges(missing), ncycles))
    extra = sorted(k for k in reports.report if k > ncycles)
    if extra:
        out.append("the guest reported cycle%s %s, but only %d were run"
                   % ("s" if len(extra) > 1 else "", _ranges(extra), ncycles))
    for k in sorted(set(reports.incomplete) - set(reports.report)):
        if k is not None and 1 <= k <= ncycles:
            out.append("cycle %d: incomplete report line: %s"
                       % (k, reports.incomplete[k][0][:160]))
    for k in sorted(reports.conflicts):
        if k >= 1:
            out.append("cycle %d: conflicting %s lines"
                       % (k, ", ".join(sorted(set(reports.conflicts[k])))))
    for k in range(1, ncycles + 1):
        rep = reports.report.get(k)
        if rep is None:
            continue
        if rep["rc"] < 0:
            e = reports.error.get(k)
            out.append("cycle %d: pvsr_suspend failed (rc %d)%s"
                       % (k, rep["rc"], ": " + _error_text(e) if e else
                          " and the guest printed no pvsr-error line"))
            continue
        want_k = (want_return or {}).get(k, want_ret)
        if not rep["called"]:
            out.append("cycle %d: pvsr_suspend succeeded without making the "
                       "suspend hypercall" % k)
        elif rep["return"] != want_k:
            out.append("cycle %d: the suspend hypercall returned %d, %s expects "
                       "%d" % (k, rep["return"], scenario, want_k))
        n = max(online, rep["vcpus"])
        if rep["vcpus"] != online:
            out.append("cycle %d: %d vCPU(s) took part in the suspend, the "
                       "domain has %d%s" % (k, rep["vcpus"], vcpus,
                                            " (%d offline)" % offline if offline
                                            else ""))
        if n > 1:
            zero = [p for p in NONZERO_PHASES if rep[p] == 0]
            if zero:
                out.append("cycle %d: phase%s %s took 0 ns with %d vCPUs online "
                           "(did not run)" % (k, "s" if len(zero) > 1 else "",
                                              ", ".join(zero), n))
        seen = reports.vcpu.get(k, {})
        gone = [v for v in range(1, rep["vcpus"]) if v not in seen]
        if gone:
            out.append("cycle %d: no pvsr-vcpu line for vCPU %s"
                       % (k, _ranges(gone)))
        want = EXPECTED_OUTCOME.get(rep["return"])
        bad = ["vCPU %d %s" % (v, OUTCOMES.get(s["outcome"], str(s["outcome"])))
               for v, s in sorted(seen.items())
               if want is not None and v < rep["vcpus"] and s["outcome"] != want]
        if bad:
            out.append("cycle %d: expected every other vCPU %s: %s"
                       % (k, OUTCOMES[want], ", ".join(bad)))
    return out


def _error_text(e):
    parts = [str(e.get("code", "?"))]
    for k in ("step", "vcpu", "hypercall", "subop", "xen_errno", "port", "hook"):
        if k in e and e[k] not in (-1, "-", ""):
            parts.append("%s=%s" % (k, e[k]))
    return " ".join(parts)


def return_text(g):
    """The hypercall's return as printed: a number, or "not called"."""
    return "not called" if g.get("return") is None else "%d" % g["return"]


def summary_line(c):
    """One printed line per cycle."""
    g = c.get("guest")
    ts = "%.2f s" % c["toolstack_s"] if c.get("toolstack_s") is not None else "-"
    if not g:
        return "cycle %d %s: toolstack %s; guest: no report" % (c["cycle"], c["op"], ts)
    ph = g["phase_ns"]
    return ("cycle %d %s: toolstack %s; guest park %.1f ms, rebind+rebuild %.1f ms, "
            "total %.1f ms, return %s%s"
            % (c["cycle"], c["op"], ts, ph["park"] / 1e6,
               (ph["rebind"] + ph["rebuild"]) / 1e6, ph["total"] / 1e6,
               return_text(g),
               ", rc %d (%s)" % (g["rc"], _error_text(g["error"]) if "error" in g
                                 else "no detail") if g["rc"] < 0 else ""))


_HOTPLUG = re.compile(r"#\s*pvsr-hotplug vcpu=(\d+) state=(online|offline) ns=(\d+)")
_HOTPLUG_SUMMARY = re.compile(
    r"#\s*pvsr-guest: (\d+) vCPU\(s\) taken down and (\d+) brought up by the "
    r"toolstack, (\d+) request\(s\) refused")


def hotplug_lines(texts):
    """The guest's vCPU hotplug transitions, in order: [{vcpu, state, ns}]."""
    out = []
    for text in ([texts] if isinstance(texts, str) else texts):
        for line in text.split("\n"):
            m = _HOTPLUG.search(line)
            if m:
                out.append({"vcpu": int(m.group(1)), "state": m.group(2),
                            "ns": int(m.group(3))})
    return out


def hotplug_summary(texts):
    """The guest's final hotplug counts, or None if it printed none."""
    for text in ([texts] if isinstance(texts, str) else texts):
        for line in text.split("\n"):
            m = _HOTPLUG_SUMMARY.search(line)
            if m:
                return {"downs": int(m.group(1)), "ups": int(m.group(2)),
                        "refused": int(m.group(3))}
    return None
