# SPDX-License-Identifier: GPL-2.0
"""xenstore snoop (scripts/harness run --xs-snoop): oxenstored's own
access log, filtered to the guest, as xenstore-snoop.log.

oxenstored (Xen 4.17, tools/ocaml/xenstored/logging.ml) logs each request
and each watch event it sends, one line each:
    [20261202T04:01:02.123Z]  D5.12       write     /local/domain/5/x value
    [date] CONN[.TX] OP DATA
CONN is "D<domid>" for a domain's ring (dom0's kernel included) or
"A<n>" for a socket client in dom0 (xl, xenstore-write, ...); TX is the
transaction id (absent: none). DATA is the request's payload with NULs as
spaces (path, then value), a watch event's "path token", or an error's
name ("error" lines answer the connection's previous request). With the
harness's config (--xs-snoop) reads, transactions and introduce/release/
resume are logged too and lines are not cut at 180 characters; with
Debian's default config, writes, watches, watch events and errors are.

xenstore-snoop.log keeps what concerns the guest: its own requests and
the watch events it is sent (D<guest domid>, for each domid the guest had
across restores and migrations), and dom0's requests on the guest's
paths (/local/domain/<domid>/...) or naming its domid. One line each:
    TIME  WHO  tx=TX  OP  PATH [= VALUE] [-> ERROR]
"""
import glob
import os
import re

_LINE = re.compile(r"^\[(\d{8}T[\d:.]+Z)[^\]]*\]\s+([AD]\d+)(?:\.(\d+))?\s+"
                   r"(w notfired|w event|t start|t end|reset watches|is introduced|"
                   r"[a-z]+)\s*(.*)$")
# The suspend event channel's key (test-guest/suspend_channel.h).
CHANNEL_KEY = "device/suspend/event-channel"
# Operations whose payload is "path value".
_WITH_VALUE = ("write",)
OPTIONS = {
    "access-log-file": "/var/log/xen/xenstored-access.log",
    "access-log-nb-files": "20",
    "access-log-nb-lines": "10000000",
    "access-log-nb-chars": "0",
    "access-log-read-ops": "true",
    "access-log-transactions-ops": "true",
    "access-log-special-ops": "true",
}


def config(base_text):
    """oxenstored.conf for --xs-snoop: the image's own config with the
    access log turned all the way on (a later key wins)."""
    out = base_text.rstrip("\n") + "\n\n# scripts/harness run --xs-snoop\n"
    for k, v in OPTIONS.items():
        out += "%s = %s\n" % (k, v)
    return out


def parse_line(line):
    """One access-log line -> dict, or None."""
    m = _LINE.match(line.rstrip("\n"))
    if not m:
        return None
    date, conn, tx, op, data = m.groups()
    d = {"time": date[9:-1], "date": date, "conn": conn,
         "tx": int(tx) if tx else None, "op": op.strip(), "data": data}
    if d["op"] in ("error",):
        d["error"] = data.strip()
    elif d["op"] == "w event":
        path, _, token = data.partition(" ")
        d["path"], d["token"] = path, token
    else:
        path, sep, value = data.partition(" ")
        d["path"] = path
        if sep and d["op"] in _WITH_VALUE:
            d["value"] = value
        elif sep:
            d["arg"] = value
    return d


def read_log(paths):
    """Access-log files (rotated ones: .N is older the larger N) -> lines
    in order, errors attached to the request they answer."""
    def age(p):
        m = re.search(r"\.(\d+)$", p)
        return -(int(m.group(1)) if m else 0)
    recs, last = [], {}
    for p in sorted(paths, key=age):
        with open(p, errors="replace") as f:
            for line in f:
                r = parse_line(line)
                if not r:
                    continue
                key = (r["conn"], r["tx"])
                if r["op"] == "error" and key in last:
                    last[key].setdefault("errors", []).append(r["error"])
                    continue
                if r["op"] not in ("w event", "newconn", "endconn"):
                    last[key] = r
                recs.append(r)
    return recs


def about_guest(r, domids):
    if r["conn"] in {"D%d" % d for d in domids}:
        return True
    path = r.get("path") or ""
    for d in domids:
        if path.startswith("/local/domain/%d/" % d) or path == "/local/domain/%d" % d:
            return True
        if r["op"] in ("introduce", "release", "resume", "is introduced", "getdomain") \
                and path == str(d):
            return True
    return False


def who(conn, domids):
    if conn in {"D%d" % d for d in domids}:
        return "guest(%s)" % conn
    return "dom0(%s)" % conn


def format_line(r, domids):
    s = "%-12s %-11s tx=%-3s %-10s %s" % (
        r["time"], who(r["conn"], domids), r["tx"] if r["tx"] is not None else "-",
        r["op"], r.get("path", r.get("data", "")))
    if "value" in r:
        s += " = %r" % r["value"]
    if "token" in r:
        s += " (token %s)" % r["token"]
    if "arg" in r:
        s += " %s" % r["arg"]
    if r.get("errors"):
        s += " -> ERROR %s" % ",".join(r["errors"])
    return s


def snoop(logdir, domids, out_path):
    """Write xenstore-snoop.log from the access logs dom0 copied into
    logdir; returns a summary dict (or raises OSError/ValueError)."""
    paths = glob.glob(os.path.join(logdir, "xenstored-access.log*"))
    if not paths:
        raise ValueError("no xenstored-access.log in %s (oxenstored wrote no access "
                         "log?)" % logdir)
    recs = [r for r in read_log(paths) if about_guest(r, domids)]
    with open(out_path, "w") as f:
        f.write("# xenstore snoop: oxenstored's access log for guest domain(s) %s\n"
                "# TIME (dom0 UTC)  WHO  tx  OP  PATH [= VALUE] [-> ERROR]\n"
                % ",".join(str(d) for d in domids))
        for r in recs:
            f.write(format_line(r, domids) + "\n")
    return {"file": out_path, "lines": len(recs),
            "errors": sum(1 for r in recs if r.get("errors")),
            "control_shutdown_writes": [
                {"time": r["time"], "who": who(r["conn"], domids),
                 "value": r.get("value"), "tx": r["tx"]}
                for r in recs if _is_control(r) and r["op"] == "write"],
            "watch_events": sum(1 for r in recs if r["op"] == "w event"),
            "suspend_channel": channel_use(recs, domids),
            "cycles": per_cycle(recs, domids)}


def _is_channel_key(r):
    p = r.get("path") or ""
    return p == CHANNEL_KEY or p.endswith("/" + CHANNEL_KEY)


def channel_use(recs, domids):
    """The suspend event channel's key: the guest's writes of its port and
    dom0's reads of it (libxl reads it once per save or migration)."""
    guest = {"D%d" % d for d in domids}
    return {"guest_writes": [r.get("value") for r in recs
                             if r["conn"] in guest and r["op"] == "write"
                             and _is_channel_key(r)],
            "dom0_reads": sum(1 for r in recs if r["conn"] not in guest
                              and r["op"] == "read" and _is_channel_key(r))}


def _is_control(r):
    p = r.get("path") or ""
    return p == "control/shutdown" or p.endswith("/control/shutdown")


def per_cycle(recs, domids):
    """For each dom0 write of 'suspend' to control/shutdown (one per
    toolstack cycle): when, the guest's acknowledgement (its write of ''
    to the node), and the guest's watch registrations and watch events
    until the next request."""
    guest = {"D%d" % d for d in domids}
    out = []
    for r in recs:
        if r["conn"] not in guest and r["op"] == "write" and _is_control(r) \
                and r.get("value") == "suspend":
            out.append({"cycle": len(out) + 1, "request": r["time"], "ack": None,
                        "ack_tx": None, "guest_watches": 0, "guest_watch_events": 0})
            continue
        if not out or r["conn"] not in guest:
            continue
        c = out[-1]
        if r["op"] == "write" and _is_control(r) and r.get("value") == "" \
                and c["ack"] is None and not r.get("errors"):
            c["ack"], c["ack_tx"] = r["time"], r["tx"]
        elif r["op"] == "watch":
            c["guest_watches"] += 1
        elif r["op"] == "w event":
            c["guest_watch_events"] += 1
    return out


def channel_problems(summary, scenario, cycles):
    """With the suspend event channel, xenstore carries no suspend request:
    the toolstack reads the key each cycle and signals on the channel, and
    the guest publishes its port at boot and after every real resume."""
    out = []
    got = summary["cycles"]
    use = summary["suspend_channel"]
    if got:
        out.append("xenstore snoop: %d control/shutdown 'suspend' request(s) from "
                   "dom0 although the guest has a suspend event channel"
                   % len(got))
    if use["dom0_reads"] < cycles:
        out.append("xenstore snoop: dom0 read %s %d time(s) for %d cycle(s)"
                   % (CHANNEL_KEY, use["dom0_reads"], cycles))
    want = 1 + (cycles if scenario != "checkpoint" else 0)
    if len(use["guest_writes"]) < want:
        out.append("xenstore snoop: the guest wrote %s %d time(s), want %d (at "
                   "boot and after each real resume)"
                   % (CHANNEL_KEY, len(use["guest_writes"]), want))
    return out


def problems(summary, scenario, cycles, channel=False):
    """What the snoop must show for a suspend scenario. Without the
    suspend event channel: each cycle's request, the guest's
    acknowledgement and watch events, and after a real resume (restore,
    migrate) the watches registered again. With it: channel_problems()."""
    if scenario not in ("save-restore", "checkpoint", "migrate"):
        return []
    if channel:
        return channel_problems(summary, scenario, cycles)
    out = []
    got = summary["cycles"]
    if len(got) < cycles:
        out.append("xenstore snoop: %d control/shutdown 'suspend' request(s) from "
                   "dom0 for %d cycle(s)" % (len(got), cycles))
    for c in got[:cycles]:
        if c["ack"] is None:
            out.append("xenstore snoop: cycle %d: the guest never acknowledged the "
                       "request (no write of '' to control/shutdown)" % c["cycle"])
        if not c["guest_watch_events"]:
            out.append("xenstore snoop: cycle %d: no watch event for the guest"
                       % c["cycle"])
        if scenario != "checkpoint" and not c["guest_watches"]:
            out.append("xenstore snoop: cycle %d: the guest registered no watch "
                       "after the resume" % c["cycle"])
    return out

