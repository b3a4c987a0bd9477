# SPDX-License-Identifier: GPL-2.0
"""pvsr's trace events as Chrome/Perfetto trace-event JSON (scripts/trace
--perfetto), and a checker for that format's rules.

One process per suspend cycle (pid = cycle number), one thread per vCPU
(tid = vCPU). Times are the guest's clock in microseconds from the
cycle's first event, so every cycle starts at 0 and cycles line up one
under the other in the viewer.

- vCPU 0 holds a `pvsr_suspend` slice and, inside it, one slice per
  phase. The trace has no event exactly at every report phase's end
  (kernel/suspend.c phase_done), so a phase here runs from one trace
  event to the next and only approximates the report's phase of that
  name; rebind and rebuild have no event between them and are one slice,
  and the report's hooks and complete phases meet just before the
  `released` event.
  The report's own phase times, when result.json is in the logs folder,
  are the `pvsr_suspend` slice's args.
- Every other vCPU holds its states: parking (first park IPI to parked),
  parked (to its VCPUOP_up), resuming (to resumed), waiting for release
  (to vCPU 0's `released`).
- Every trace event is an instant on the vCPU that recorded it.

All slices are complete ("X") events: they cannot be left unmatched, and
on one track they nest or follow each other. A cycle whose trace is
incomplete (events dropped because the guest's buffer was full, no `end`
event, a requested cycle with no trace at all) says so in its process
name, in a process-wide instant at the point it stops, and in
otherData.incomplete.
"""

PHASE_ENDS = (
    # (slice name, event that ends it, which occurrence)
    ("prepare", "prepared", "first"),
    ("park", "parked", "last"),
    ("down", "down", "last"),
    ("teardown", "pre-suspend", "first"),
    ("hypercall", "hypercall-returned", "first"),
    ("rebind+rebuild", "resumed", "last"),
    # The rest of the report's rebuild (noticing the last vCPU resumed)
    # and its hooks phase (the quiesced resume hooks); then its complete
    # phase: the release and the events-on hooks.
    ("wait+resume hooks", "released", "first"),
    ("release+complete hooks", "end", "first"),
)
# Per secondary vCPU: (state, start (event, on vCPU 0 with the target in
# arg?), end (event, on vCPU 0 with the target in arg?)).
VCPU_STATES = (
    ("parking", ("park-sent", True), ("parked", False)),
    ("parked", ("parked", False), ("vcpu-up", True)),
    ("resuming", ("vcpu-up", True), ("resumed", False)),
    ("waiting for release", ("resumed", False), ("released", None)),
)
METADATA_NAMES = ("process_name", "thread_name", "process_sort_index",
                  "thread_sort_index")


def us(ns):
    return ns / 1000.0


def _first(events, name, vcpu=None, arg=None):
    for t, v, e, a in events:
        if e == name and (vcpu is None or v == vcpu) and \
                (arg is None or a == arg):
            return t
    return None


def _last(events, name):
    times = [t for t, _, e, _ in events if e == name]
    return max(times) if times else None


def incomplete_reasons(events, dropped, requested=False):
    """Why this cycle's trace cannot be the whole suspend ([] if it can)."""
    why = []
    if requested and not events:
        why.append("no trace lines for this cycle (the console ends "
                   "before it, or the guest never printed them)")
        return why
    if dropped:
        why.append(f"{dropped} events dropped: the guest's trace buffer "
                   "was full, the latest events are missing")
    if _first(events, "end") is None:
        why.append("no 'end' event: the trace stops before pvsr_suspend "
                   "returned (console cut, or events dropped)")
    if _first(events, "begin") is None:
        why.append("no 'begin' event: the trace starts after the suspend "
                   "began")
    return why


def phase_slices(events):
    """vCPU 0's phases: [(name, start_ns, end_ns)], contiguous, from the
    cycle's first event to `end` (or, if there is none, to the last
    event: the slice it ends is named '... (trace cut)')."""
    if not events:
        return []
    start = _first(events, "begin")
    start = events[0][0] if start is None else start
    stop = max(t for t, _, _, _ in events)
    out, prev = [], start
    for name, ev, which in PHASE_ENDS:
        t = _first(events, ev, 0) if which == "first" else _last(events, ev)
        if t is None or t < prev:
            continue    # did not happen (or not after the previous phase)
        out.append((name, prev, t))
        prev = t
    if _first(events, "end") is None:
        # Whatever ran at the last event may not have finished.
        if stop > prev or not out:
            out.append(("after " + (out[-1][0] if out else "begin")
                        + " (trace cut)", prev, stop))
        else:
            out[-1] = (out[-1][0] + " (trace cut)",) + out[-1][1:]
    return out


def _when(events, spec, v):
    name, on_boot_vcpu = spec
    if on_boot_vcpu is None:
        return _first(events, name, 0)
    return _first(events, name, 0, v) if on_boot_vcpu else \
        _first(events, name, v)


def vcpu_slices(events, v, cut):
    """[(state, start_ns, end_ns, args)] of secondary vCPU v. A state whose
    end event is missing ends where the next state starts, or at the
    cycle's last event; its args say so."""
    stop = max(t for t, _, _, _ in events)
    starts = [_when(events, s, v) for _, s, _ in VCPU_STATES]
    out = []
    for i, (state, _, end_spec) in enumerate(VCPU_STATES):
        begin = starts[i]
        if begin is None:
            continue
        end, args = _when(events, end_spec, v), {}
        if end is None:
            later = [s for s in starts[i + 1:] if s is not None]
            end = later[0] if later else stop
            args["unmarked_end"] = ("trace cut" if cut and not later else
                                    f"no '{end_spec[0]}' event")
        if end < begin:     # each vCPU stamps with its own clock
            args["clock_skew_ns"] = begin - end
            end = begin
        out.append((state, begin, end, args))
    return out


def _sorted_track(entries):
    """Per track: by time, an enclosing slice before what it contains."""
    return sorted(entries, key=lambda ev: (ev["ts"], -ev.get("dur", 0),
                                           ev["ph"] != "X"))


def cycle_events(cycle, events, docs, dropped=0, report=None, op=None,
                 requested=False, vcpus=None):
    """Trace events of one cycle (pid = cycle) and its incomplete reasons."""
    why = incomplete_reasons(events, dropped, requested)
    pid = cycle
    label = f"cycle {cycle}" + (f": {op}" if op else "")
    if why:
        label += " (INCOMPLETE trace)"
    seen = {v for _, v, _, _ in events} | set(range(vcpus or 0))
    out = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
            "args": {"name": label}},
           {"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0,
            "args": {"sort_index": cycle}}]
    for v in sorted(seen | {0}):
        out.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": v,
                    "args": {"name": f"vCPU {v}"}})
        out.append({"name": "thread_sort_index", "ph": "M", "pid": pid,
                    "tid": v, "args": {"sort_index": v}})
    tracks = {v: [] for v in seen | {0}}
    t0 = events[0][0] if events else 0
    phases = phase_slices(events)
    if phases:
        args = {"cycle": cycle}
        if op:
            args["op"] = op
        end_rc = [a for _, v, e, a in events if e == "end" and v == 0]
        if end_rc:
            args["rc"] = end_rc[0]
        for k, ns in sorted((report or {}).items()):
            if isinstance(ns, (int, float)):
                args[f"report_{k}_ms"] = ns / 1e6
        if why:
            args["incomplete"] = why
        tracks[0].append({"name": "pvsr_suspend", "cat": "pvsr", "ph": "X",
                          "pid": pid, "tid": 0, "ts": us(phases[0][1] - t0),
                          "dur": us(phases[-1][2] - phases[0][1]),
                          "args": args})
        for name, b, e in phases:
            tracks[0].append({"name": name, "cat": "pvsr,phase", "ph": "X",
                              "pid": pid, "tid": 0, "ts": us(b - t0),
                              "dur": us(e - b)})
    for v in sorted(seen - {0}):
        if not events:
            break
        for state, b, e, args in vcpu_slices(events, v, bool(why)):
            ev = {"name": state, "cat": "pvsr,vcpu", "ph": "X", "pid": pid,
                  "tid": v, "ts": us(b - t0), "dur": us(e - b)}
            if args:
                ev["args"] = args
            tracks[v].append(ev)
    for t, v, e, a in events:
        tracks[v].append({"name": e, "cat": "pvsr,event", "ph": "i",
                          "s": "t", "pid": pid, "tid": v, "ts": us(t - t0),
                          "args": {"arg": a, "what": docs.get(e, "unknown "
                                   "event (not in kernel/trace_events.h)")}})
    if why:
        stop = max((t for t, _, _, _ in events), default=t0)
        tracks[0].append({"name": "trace incomplete", "cat": "pvsr",
                          "ph": "i", "s": "p", "pid": pid, "tid": 0,
                          "ts": us(stop - t0), "args": {"why": why}})
    for v in sorted(tracks):
        out += _sorted_track(tracks[v])
    return out, why


def build(cycles, dropped, docs, result=None, source=()):
    """The whole JSON object. cycles: {K: [(t_ns, vcpu, event, arg)]}
    (scripts/trace read_events); dropped: {K: N}; docs: {event: what it
    means}; result: the run's result.json, if there is one (op, report
    phases, the cycles requested, vCPUs)."""
    result = result or {}
    per_cycle = {c.get("cycle"): c for c in result.get("cycles") or []
                 if isinstance(c, dict)}
    requested = set(range(1, (result.get("cycles_requested") or 0) + 1))
    trace, incomplete = [], {}
    for k in sorted(set(cycles) | requested | set(dropped)):
        info = per_cycle.get(k) or {}
        guest = info.get("guest") or {}
        evs, why = cycle_events(k, cycles.get(k, []), docs,
                                dropped.get(k, 0), guest.get("phase_ns"),
                                info.get("op"), k in requested,
                                result.get("vcpus"))
        trace += evs
        if why:
            incomplete[str(k)] = why
    return {"traceEvents": trace, "displayTimeUnit": "ms",
            "otherData": {
                "source": list(source),
                "clock": "guest clock, microseconds from each cycle's "
                         "first trace event",
                "incomplete": incomplete}}


def check(obj):
    """The trace-event format's rules this file must keep; [] if it does.
    Every event has a name, a phase and integer pid/tid; timed events a
    number ts, non-decreasing per track in file order; B and E pair up
    as a stack on one track; X has dur >= 0 and slices on one track nest
    or follow (no partial overlap); instants have a scope; metadata names
    tracks; every track that has events is named."""
    errs = []
    events = obj.get("traceEvents") if isinstance(obj, dict) else obj
    if not isinstance(events, list):
        return ["no traceEvents list"]
    last_ts, stacks, open_x, named = {}, {}, {}, set()
    used = set()
    for i, ev in enumerate(events):
        where = f"event {i}"
        if not isinstance(ev, dict):
            errs.append(f"{where}: not an object")
            continue
        name, ph = ev.get("name"), ev.get("ph")
        if not isinstance(name, str) or not name:
            errs.append(f"{where}: no name")
        if ph not in ("B", "E", "X", "i", "I", "M"):
            errs.append(f"{where}: phase {ph!r} is not one this file uses")
            continue
        if not isinstance(ev.get("pid"), int) or \
                not isinstance(ev.get("tid"), int):
            errs.append(f"{where} ({name}): pid/tid missing or not integers")
            continue
        track = (ev["pid"], ev["tid"])
        if ph == "M":
            if name not in METADATA_NAMES:
                errs.append(f"{where}: unknown metadata {name!r}")
            elif name.endswith("_name"):
                if not (ev.get("args") or {}).get("name"):
                    errs.append(f"{where}: {name} without args.name")
                named.add(track if name == "thread_name" else
                          ("process", ev["pid"]))
            continue
        used.add(track)
        ts = ev.get("ts")
        if not isinstance(ts, (int, float)) or ts < 0:
            errs.append(f"{where} ({name}): ts missing or negative")
            continue
        if ts < last_ts.get(track, 0):
            errs.append(f"{where} ({name}): ts {ts} before the previous "
                        f"event's {last_ts[track]} on pid {track[0]} tid "
                        f"{track[1]}")
        last_ts[track] = ts
        if ph in ("i", "I") and ev.get("s", "t") not in ("t", "p", "g"):
            errs.append(f"{where} ({name}): instant scope {ev.get('s')!r}")
        elif ph == "B":
            stacks.setdefault(track, []).append(name)
        elif ph == "E":
            stack = stacks.get(track) or []
            if not stack:
                errs.append(f"{where} ({name}): E with no open B on pid "
                            f"{track[0]} tid {track[1]}")
            elif ev.get("name") not in (None, stack[-1]):
                errs.append(f"{where}: E {name!r} closes B {stack[-1]!r}")
                stack.pop()
            else:
                stack.pop()
        elif ph == "X":
            dur = ev.get("dur")
            if not isinstance(dur, (int, float)) or dur < 0:
                errs.append(f"{where} ({name}): dur missing or negative")
                continue
            # Slices still open on this track that end before this one
            # starts are done; the innermost open one must contain it.
            opened = [s for s in open_x.get(track, []) if s[1] > ts + 1e-6]
            if opened and ts + dur > opened[-1][1] + 1e-6:
                errs.append(f"{where} ({name}): overlaps "
                            f"{opened[-1][0]!r} without nesting in it")
            opened.append((name, ts + dur))
            open_x[track] = opened
    for track, stack in stacks.items():
        for name in stack:
            errs.append(f"B {name!r} on pid {track[0]} tid {track[1]} "
                        "has no E")
    for track in sorted(used):
        if track not in named:
            errs.append(f"pid {track[0]} tid {track[1]} has events but no "
                        "thread_name")
        if ("process", track[0]) not in named:
            errs.append(f"pid {track[0]} has events but no process_name")
    return sorted(set(errs), key=errs.index)
