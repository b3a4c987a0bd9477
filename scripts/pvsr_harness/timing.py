# SPDX-License-Identifier: GPL-2.0
"""Guest-side times of a suspend cycle, from the guests' own consoles.

pvsr (the test guest, test-guest/suspend.c and downtime.c):
    # pvsr-report cycle=K ... prepare= park= down= teardown= hypercall=
      rebind= rebuild= hooks= complete= total= ...   (guest-clock ns)
    # pvsr-downtime cycle=K wall_park_ns=W1 wall_release_ns=W2
  before the hypercall = prepare + park + down + teardown;
  after it             = rebind + rebuild + hooks + complete (complete:
                         the release and the events-on hooks, with the
                         vCPUs running again; older logs have it in hooks);
  downtime             = W2 - W1 (cycles.py reads the line): shared_info's
                         wall clock just before the pause barrier and just
                         after every vCPU is released (in a new domain,
                         the new host's clock).

Linux (linux_domu.py's /init copies the kernel log, "# kmsg: [T] text",
T = printk's time stamp in seconds, Linux's local clock):
  a suspend runs from "Freezing user space processes" to "Restarting
  tasks ... done."; LINUX_LAST_BEFORE is the last line Linux logs before
  the suspend hypercall and LINUX_FIRST_AFTER the first one after it
  (drivers/xen/manage.c do_suspend, as logged by Debian's 6.1 PV domU;
  see docs/benchmarks.md);
  before the hypercall = T(last before) - T(Freezing user space);
  after it             = T(Restarting tasks done) - T(first after);
  downtime             = wallgap's "# linux-downtime cycle=K max_gap_ns=G":
                         the longest stretch of CLOCK_REALTIME in which a
                         user-space process reading it every ~1 ms did not
                         run, since the previous resume.
"""
import re
import statistics

from .cycles import OPTIONAL_PHASES

_KMSG = re.compile(r"^#\s*kmsg:\s*\[\s*(\d+)\.(\d{6})\]\s?(.*)$")
_LINUX_DOWN = re.compile(r"^#\s*linux-downtime\s+cycle=(-?\d+)\s+max_gap_ns=(\d+)\s+"
                         r"gap_start_ns=(-?\d+)\s+gap_end_ns=(-?\d+)\s*$")

LINUX_START = "Freezing user space processes"
LINUX_LAST_BEFORE = "suspending xenstore..."
LINUX_FIRST_AFTER = "xen:grant_table: Grant tables using version"
LINUX_END = "Restarting tasks ... done."

BEFORE_PHASES = ("prepare", "park", "down", "teardown")
AFTER_PHASES = ("rebind", "rebuild", "hooks", "complete")


def _lines(texts):
    if isinstance(texts, str):
        texts = [texts]
    for text in texts:
        for line in text.split("\n"):
            # Console lines may carry a prefix; the marker starts the payload.
            i = line.find("# ")
            if i >= 0:
                yield line[i:].strip()


def _sum(ph, keys):
    if not ph:
        return None
    # Older logs have no "complete" (it was inside "hooks"): left out.
    keys = [k for k in keys if k not in OPTIONAL_PHASES or ph.get(k) is not None]
    if any(ph.get(k) is None for k in keys):
        return None
    return sum(ph[k] for k in keys)


def pvsr_before_ns(ph):
    return _sum(ph, BEFORE_PHASES)


def pvsr_after_ns(ph):
    return _sum(ph, AFTER_PHASES)


def linux_downtimes(texts):
    """{cycle: max_gap_ns} from wallgap's lines."""
    out = {}
    for line in _lines(texts):
        m = _LINUX_DOWN.match(line)
        if m and int(m.group(1)) > 0:
            out.setdefault(int(m.group(1)), int(m.group(2)))
    return out


def kmsg(texts):
    """[(ns, text)] of the copied kernel log in time order (the stamps are
    monotonic across save and restore; the lines of one guest life can be
    spread over guest-NAME.log and guest-NAME--incoming.log), repeats
    dropped (a line seen twice has the same stamp)."""
    out, seen = [], set()
    for line in _lines(texts):
        m = _KMSG.match(line)
        if m:
            key = (int(m.group(1)) * 10**9 + int(m.group(2)) * 1000, m.group(3))
            if key not in seen:
                seen.add(key)
                out.append(key)
    out.sort(key=lambda x: x[0])
    return out


def linux_segments(texts):
    """One record per suspend Linux logged, in order: the times of its
    marker lines and before_ns / after_ns (None where a line is missing)."""
    segs, cur = [], None
    for ns, text in kmsg(texts):
        # 6.1 logs the start and, apart, "... completed (elapsed ...)".
        if text.startswith(LINUX_START) and "completed" not in text:
            cur = {"start": ns, "last_before": None, "first_after": None,
                   "end": None, "lines": []}
            continue
        if cur is None:
            continue
        cur["lines"].append((ns, text))
        if text.startswith(LINUX_LAST_BEFORE):
            cur["last_before"] = ns
        elif cur["last_before"] is not None and cur["first_after"] is None and \
                (LINUX_FIRST_AFTER is None or text.startswith(LINUX_FIRST_AFTER)):
            cur["first_after"] = ns
        if text.startswith(LINUX_END):
            cur["end"] = ns
            segs.append(_finish(cur))
            cur = None
    return segs


def _finish(seg):
    s, b, a, e = seg["start"], seg["last_before"], seg["first_after"], seg["end"]
    seg["before_ns"] = b - s if b is not None else None
    seg["after_ns"] = e - a if a is not None else None
    return seg


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def ms(ns):
    return round(ns / 1e6, 3) if isinstance(ns, (int, float)) else None


def fmt(v, width=0):
    return ("%*.2f" % (width, v)) if isinstance(v, (int, float)) else \
        "%*s" % (width, "-")
