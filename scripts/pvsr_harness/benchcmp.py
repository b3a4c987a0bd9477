# SPDX-License-Identifier: GPL-2.0
"""scripts/bench --compare-linux: rows, ratios and the printed table from
the compare scenario's records (compare.py), one harness run per vCPU
count. Numbers only: nothing here passes or fails on a number."""
from . import timing

KINDS = ("save-restore", "checkpoint", "migrate", "remus")
# The targets, printed next to the measured ratios (never judged).
TARGETS = {
    ("guest_ms", "*"): ("<= 0.02", "guest-side suspend+resume at most 1/50 of "
                        "Linux's (issue: at 4 and 16 vCPUs)"),
    ("downtime_ms", "migrate"): ("<= 0.5", "downtime in live migration at most "
                                "1/2 of Linux's"),
    ("rate_per_s", "remus"): (">= 2", "checkpoint rate at least 2x Linux's"),
}
# Resume's growth with vCPUs, against this count (the base).
SCALE_BASE_VCPUS = 4
SCALE_TARGET_VCPUS = 64
SCALE_TARGET = ("<= 4", "resume (\"after\") at %d vCPUs at most 4x the "
                "%d-vCPU time" % (SCALE_TARGET_VCPUS, SCALE_BASE_VCPUS))
METRICS = ("before_ms", "after_ms", "guest_ms", "downtime_ms", "toolstack_ms",
           "rate_per_s")


def _med(cycles, key):
    return timing.median([c.get(key) for c in cycles])


def rows_of(vcpus, record, evtchn_of):
    """One row per guest and kind from a compare record. evtchn_of(label)
    -> "on" / "off" / None (Linux)."""
    rows = []
    for label, s in record["subjects"].items():
        guest = "linux" if label == "linux" else "pvsr"
        for kind in KINDS:
            cs = [c for c in s["cycles"] if c["kind"] == kind]
            for c in cs:
                b, a = c.get("before_ms"), c.get("after_ms")
                c["guest_ms"] = b + a if b is not None and a is not None else None
            row = {"vcpus": vcpus, "guest": guest, "evtchn": evtchn_of(label),
                   "kind": kind, "cycles": len(cs)}
            # How the pvsr guest got its requests (the harness fails a run
            # in which they did not come the way --evtchn asked).
            vias = [c["request_via"] for c in cs if c.get("request_via")]
            if vias:
                row["requests"] = {v: vias.count(v) for v in sorted(set(vias))}
            for key in ("before_ms", "after_ms", "guest_ms", "downtime_ms"):
                v = _med(cs, key)
                row[key] = round(v, 3) if v is not None else None
            tool = _med(cs, "toolstack_s")
            row["toolstack_ms"] = round(tool * 1000, 1) if tool is not None else None
            if guest == "pvsr":
                row.update(checks_of(cs))
            row["rate_per_s"] = None
            r = s.get("remus")
            if kind == "remus" and r:
                row["rate_per_s"] = r["per_s"]
                row["checkpoints"] = r["window_checkpoints"]
                row["window_s"] = r["window_s"]
                if r["window_checkpoints"]:
                    # xl remus is one process: its time per checkpoint.
                    row["toolstack_ms"] = round(r["window_s"] * 1000 /
                                                r["window_checkpoints"], 1)
            rows.append(row)
    return rows


def checks_of(cycles):
    """The pvsr test guest's resume checks over these cycles (it takes no
    suspend request while they run): the median of their total, and the
    three slowest checks by median."""
    names = {n for c in cycles for n in c.get("checks_ms") or {}} - {"total"}
    per = {n: _med([c.get("checks_ms") or {} for c in cycles], n)
           for n in names}
    slowest = sorted((n for n in per if per[n] is not None),
                     key=lambda n: -per[n])[:3]
    total = _med([c.get("checks_ms") or {} for c in cycles], "total")
    return {"checks_ms": round(total, 3) if total is not None else None,
            "slowest_checks": [[n, round(per[n], 3)] for n in slowest]}


def checks_lines(rows, vcpus):
    """One line on the pvsr guest's checks at this vCPU count (none if no
    row has them)."""
    parts = []
    for r in rows:
        if r["vcpus"] != vcpus or r["guest"] != "pvsr" or \
                r.get("checks_ms") is None:
            continue
        parts.append("%s %s ms (slowest: %s)" % (
            r["kind"], timing.fmt(r["checks_ms"]), ", ".join(
                "%s %s" % (n, timing.fmt(v))
                for n, v in r.get("slowest_checks", []))))
    if not parts:
        return []
    return ["", "The pvsr test guest's checks after each resume (medians; it "
            "takes no suspend request while they run): " + "; ".join(parts)
            + "."]


def ratios_of(rows):
    """pvsr/Linux for every metric, per vCPU count, evtchn mode and kind."""
    out = []
    linux = {(r["vcpus"], r["kind"]): r for r in rows if r["guest"] == "linux"}
    for r in rows:
        if r["guest"] != "pvsr":
            continue
        lx = linux.get((r["vcpus"], r["kind"]))
        if not lx:
            continue
        for m in METRICS:
            p, q = r.get(m), lx.get(m)
            if p is None or q is None:
                continue
            t = TARGETS.get((m, r["kind"])) or TARGETS.get((m, "*"))
            out.append({"vcpus": r["vcpus"], "evtchn": r["evtchn"], "kind": r["kind"],
                        "metric": m, "pvsr": p, "linux": q,
                        "ratio": round(p / q, 4) if q else None,
                        "target": t[0] if t else None})
    return out


def scaling_of(rows):
    """pvsr's resume ("after") at each vCPU count over its time at
    SCALE_BASE_VCPUS, per evtchn mode and kind, where both exist."""
    base = {(r["evtchn"], r["kind"]): r.get("after_ms") for r in rows
            if r["guest"] == "pvsr" and r["vcpus"] == SCALE_BASE_VCPUS}
    out = []
    for r in rows:
        b = base.get((r["evtchn"], r["kind"]))
        a = r.get("after_ms")
        if r["guest"] != "pvsr" or r["vcpus"] == SCALE_BASE_VCPUS or \
                not b or a is None:
            continue
        out.append({"vcpus": r["vcpus"], "evtchn": r["evtchn"],
                    "kind": r["kind"], "after_ms": a, "base_after_ms": b,
                    "ratio": round(a / b, 3),
                    "target": SCALE_TARGET[0]
                    if r["vcpus"] == SCALE_TARGET_VCPUS else None})
    return out


def scaling_table(scaling):
    """Markdown lines for scaling_of's list (none if it is empty)."""
    if not scaling:
        return []
    out = ["", "### pvsr's resume against vCPUs (\"after\" over its %d-vCPU "
           "value, same evtchn mode and kind)" % SCALE_BASE_VCPUS, "",
           "| pvsr | kind | vCPUs | after (ms) | at %d (ms) | ratio |"
           % SCALE_BASE_VCPUS, "| --- | --- | ---: | ---: | ---: | ---: |"]
    for x in sorted(scaling, key=lambda x: (str(x["evtchn"]), x["kind"],
                                            x["vcpus"])):
        out.append("| %s | %s | %d | %s | %s | %.2f%s |" % (
            "evtchn %s" % x["evtchn"] if x["evtchn"] else "pvsr", x["kind"],
            x["vcpus"], timing.fmt(x["after_ms"]),
            timing.fmt(x["base_after_ms"]), x["ratio"],
            " (target %s)" % x["target"] if x["target"] else ""))
    return out


def _label(r):
    if r["guest"] == "linux":
        return "linux"
    return "pvsr (evtchn %s)" % r["evtchn"] if r["evtchn"] else "pvsr"


def table(rows, ratios):
    """Markdown lines: per vCPU count, one row per guest and kind, then the
    ratios pvsr/Linux with the issue's targets beside them."""
    out = []
    for vcpus in sorted({r["vcpus"] for r in rows}):
        out += ["", "### %d vCPUs (medians; ms unless named)" % vcpus, "",
                "| guest | kind | cycles | before hypercall | after | before+after "
                "| downtime | toolstack | checkpoints/s |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in rows:
            if r["vcpus"] != vcpus:
                continue
            out.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (
                _label(r), r["kind"], r["cycles"],
                *(timing.fmt(r[m]) for m in METRICS)))
        out += checks_lines(rows, vcpus)
        if not any(r["vcpus"] == vcpus for r in ratios):
            out += ["", "(no Linux figures at %d vCPUs: no ratios)" % vcpus]
            continue
        out += ["", "ratio pvsr/Linux (lower is better for times, higher for "
                "the rate; targets are information, not verdicts):", "",
                "| pvsr | kind | before | after | before+after | downtime "
                "| toolstack | checkpoints/s |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        seen = []
        for r in ratios:
            key = (r["evtchn"], r["kind"])
            if r["vcpus"] != vcpus or key in seen:
                continue
            seen.append(key)
            cells = []
            for m in METRICS:
                x = [q for q in ratios if q["vcpus"] == vcpus and q["metric"] == m
                     and (q["evtchn"], q["kind"]) == key]
                if not x or x[0]["ratio"] is None:
                    cells.append("-")
                else:
                    cells.append("%.3f%s" % (x[0]["ratio"], " (target %s)" %
                                             x[0]["target"] if x[0]["target"] else ""))
            out.append("| %s | %s | %s |" % (
                "evtchn %s" % r["evtchn"] if r["evtchn"] else "pvsr", r["kind"],
                " | ".join(cells)))
    out += scaling_table(scaling_of(rows))
    out += ["", "Targets (issue 10): " + "; ".join(
        "%s: %s" % (v[0], v[1]) for v in list(TARGETS.values()) +
        [SCALE_TARGET])]
    return out
