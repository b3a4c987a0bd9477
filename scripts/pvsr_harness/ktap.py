# SPDX-License-Identifier: GPL-2.0
"""KTAP (and TAP 13) parser for guest console logs and KUnit output.

Tolerant of what a console log does to KTAP: a log prefix ("[time] ",
"(d1) "), "\\r", other console output between the lines, and duplicated
lines (after a live migration the last lines can appear twice, and a log may
be split over guest-NAME.log and guest-NAME--incoming.log). Strict about
outcome: no plan, fewer results than planned, conflicting results for one
test number, a "Bail out!", or a test marked "not ok" all fail the result.

A plan may come last (TAP allows it; the test guest's open-ended runs print
theirs at power-off, so a log cut off before it is incomplete).

Results are keyed by test number (one flat KTAP document per guest life: a
repeated header with the same plan is a duplicate, not a new document).
Subtests (indented by 4 spaces per level, or 2) are attached to the next
top-level result line that closes them.
"""
import re

_PREFIX = re.compile(r"^(?:\[[^\]]*\]\s?|\(d\d+\)\s?|\(XEN\)\s?)+")
_HEADER = re.compile(r"^(?:KTAP version \d+|TAP version \d+)\s*$")
_PLAN = re.compile(r"^1\.\.(\d+)\b")
_RESULT = re.compile(r"^(not ok|ok)\s+(\d+)(?:\s+-)?\s*([^#]*?)\s*(?:#\s*(.*))?$")
_BAIL = re.compile(r"^Bail out!(.*)$")


def strip_prefix(line):
    """A console line without "\\r", trailing blanks and log prefixes."""
    line = line.replace("\r", "").rstrip()
    return _PREFIX.sub("", line)


def _indent(line):
    n = len(line) - len(line.lstrip(" "))
    return n, line.lstrip(" ")


class KtapResult:
    def __init__(self):
        self.headers = 0
        self.plan = None
        self.tests = {}          # number -> dict
        self.errors = []         # reasons the document is broken
        self.diagnostics = []
        self.duplicates = 0
        self.bailed = None

    # Counts over top-level tests.
    @property
    def ordered(self):
        return [self.tests[n] for n in sorted(self.tests)]

    @property
    def passed(self):
        return sum(1 for t in self.tests.values() if t["ok"] and not t["skipped"])

    @property
    def failed(self):
        return sum(1 for t in self.tests.values() if not t["ok"])

    @property
    def skipped(self):
        return sum(1 for t in self.tests.values() if t["ok"] and t["skipped"])

    def problems(self):
        """Why this KTAP does not show a complete, passing run (empty if it does)."""
        out = list(self.errors)
        if self.headers == 0 and not self.tests:
            out.append("no KTAP output (no 'KTAP version 1' header and no results)")
            return out
        if self.plan is None:
            out.append("no KTAP plan line (1..N): output cut off or malformed")
        else:
            missing = [n for n in range(1, self.plan + 1) if n not in self.tests]
            extra = [n for n in self.tests if n > self.plan or n < 1]
            if missing:
                out.append("only %d of %d planned results (missing %s): the "
                           "guest crashed, hung or was cut off"
                           % (self.plan - len(missing), self.plan,
                              ranges(missing)))
            if extra:
                out.append("results outside the plan 1..%d: %s"
                           % (self.plan, ranges(sorted(extra))))
        if self.bailed is not None:
            out.append("Bail out!" + self.bailed)
        failed = [t["name"] for t in self.ordered if not t["ok"]]
        if failed:
            out.append("%d failed: %s" % (len(failed), ", ".join(failed)))
        # XTF's rule: a skip is its own outcome, never a pass. The guest
        # runs every check it plans; one it skipped did not prove anything.
        skipped = [t["name"] for t in self.ordered if t["ok"] and t["skipped"]]
        if skipped:
            out.append("%d skipped (a skip is not a pass): %s"
                       % (len(skipped), ", ".join(skipped)))
        return out

    @property
    def ok(self):
        return not self.problems()

    def to_json(self):
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "planned": self.plan,
            "complete": self.plan is not None and all(
                n in self.tests for n in range(1, self.plan + 1)),
            "duplicates_dropped": self.duplicates,
            "problems": self.problems(),
            "tests": [_test_json(t) for t in self.ordered],
        }


def _test_json(t):
    d = {"number": t["number"], "name": t["name"], "ok": t["ok"]}
    if t["skipped"]:
        d["skipped"] = True
    if t["directive"]:
        d["directive"] = t["directive"]
    if t["subtests"]:
        d["subtests"] = [_test_json(s) for s in t["subtests"]]
    return d


def ranges(nums):
    """[1, 2, 3, 5] -> "1-3,5"."""
    out, start, prev = [], None, None
    for n in nums:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(str(start) if start == prev else "%d-%d" % (start, prev))
            start = prev = n
    if start is not None:
        out.append(str(start) if start == prev else "%d-%d" % (start, prev))
    return ",".join(out)


def _make(m):
    word, num, name, directive = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    skipped = bool(directive) and directive.upper().startswith("SKIP")
    return {"number": num, "name": name.strip(), "ok": word == "ok",
            "skipped": skipped, "directive": (directive or "").strip(),
            "subtests": []}


def parse(texts):
    """Parse one text or a list of texts (log files, main one first)."""
    if isinstance(texts, str):
        texts = [texts]
    r = KtapResult()
    pending = []         # subtest results waiting for their parent line
    top_indent = None    # indentation of the top-level document
    for text in texts:
        for raw in text.split("\n"):
            line = strip_prefix(raw)
            if not line.strip():
                continue
            ind, body = _indent(line)
            if _HEADER.match(body):
                if top_indent is None or ind <= top_indent:
                    top_indent = ind
                    r.headers += 1
                continue
            if top_indent is None:
                # Results before any header: accept a TAP stream without one.
                if _RESULT.match(body) or _PLAN.match(body):
                    top_indent = ind
                else:
                    continue
            m = _BAIL.match(body)
            if m and ind == top_indent:
                r.bailed = m.group(1)
                continue
            if body.startswith("#"):
                if ind == top_indent and len(r.diagnostics) < 500:
                    r.diagnostics.append(body)
                continue
            m = _PLAN.match(body)
            if m:
                if ind == top_indent:
                    n = int(m.group(1))
                    if r.plan is not None and r.plan != n:
                        r.errors.append("conflicting plans 1..%d and 1..%d"
                                        % (r.plan, n))
                    r.plan = n if r.plan is None else max(r.plan, n)
                continue
            m = _RESULT.match(body)
            if not m:
                continue
            t = _make(m)
            if ind > top_indent:
                if not any(p["number"] == t["number"] and p["name"] == t["name"]
                           and ind == p["_ind"] for p in pending):
                    t["_ind"] = ind
                    pending.append(t)
                continue
            if ind < top_indent:
                continue
            t["subtests"] = [dict((k, v) for k, v in p.items() if k != "_ind")
                             for p in pending]
            pending = []
            old = r.tests.get(t["number"])
            if old is None:
                r.tests[t["number"]] = t
            elif old["name"] == t["name"] and old["ok"] == t["ok"]:
                r.duplicates += 1
                if t["subtests"] and not old["subtests"]:
                    old["subtests"] = t["subtests"]
            else:
                r.errors.append(
                    "conflicting results for test %d: '%s %s' and '%s %s'"
                    % (t["number"], "ok" if old["ok"] else "not ok", old["name"],
                       "ok" if t["ok"] else "not ok", t["name"]))
                if not t["ok"]:
                    r.tests[t["number"]] = t
    return r
