# SPDX-License-Identifier: GPL-2.0
"""scripts/soak's run: one `harness run` of the dom0 scenario "soak",
followed live.

The run is run.py's (QEMU, Xen, dom0, the guest, its verdict, cores,
backtrace, logs); this adds the soak's plan (soak.conf in the job folder,
read by scripts/dom0/job/soak.sh), a progress line at least every
--progress seconds from the guest's console and dom0's "soak" marks, a
host-side watchdog for a dom0 that stops making progress, and the soak's
counts (soak_count.py) in the summary and the JSON ("soak").
"""
import os
import threading
import time

from . import run as runmod
from . import soak_count
from . import soak_plan
from .run import ConsoleFollower, Run, _read

# Slack on top of the per-cycle timeout before the host gives up on a
# dom0 that reports nothing at all (dom0 stops a stuck guest itself, and
# dumping its core and powering it off takes a while).
HOST_STALL_SLACK_S = 300


class SoakRun(Run):
    def __init__(self, args, progress=None):
        super().__init__(args, progress)
        self.plan = args.soak_plan
        self.tally = soak_count.Tally()
        self.lock = threading.Lock()
        self.last_activity = time.monotonic()
        self.dom0_cycle = 0
        self.soak = None
        self.stop_asked = False

    # -- setup ----------------------------------------------------------
    def prepare(self):
        super().prepare()
        a = self.args
        stop = os.path.join(self.logs, "soak-stop")
        if os.path.exists(stop):
            os.unlink(stop)
        with open(os.path.join(self.logs, "soak.conf"), "w") as f:
            f.write(soak_plan.conf_text(self.plan, a.remus_ms, a.cycle_timeout))
        self.note("soak plan: %s (%d suspends or more)" % (
            ", ".join("%s %d" % e for e in self.plan), soak_plan.cycles_of(self.plan)))

    # -- following it ---------------------------------------------------
    def note(self, msg):
        # Every passing KTAP line of thousands of cycles is too much: the
        # progress line counts them. After the first failure, the cycles
        # that still run until dom0 stops are not the story either.
        if msg.startswith("guest: ok ") or (self.stop_asked and msg.startswith("guest: ")
                                            and "1.." not in msg):
            return
        super().note(msg)

    def on_mark(self, mark):
        self.last_activity = time.monotonic()
        word, _, rest = mark.partition(" ")
        if word in ("step-begin", "step-end"):
            self.marks.setdefault(word, time.monotonic())
            parts = rest.split()
            if word == "step-begin" and len(parts) >= 2:
                self.phase = "step %s" % parts[1]
            elif len(parts) >= 3 and parts[2] != "rc=0" and not parts[1].startswith(
                    ("save-fails-", "double-", "vcpus-")):
                self.note("dom0 step %s: exit %s" % (parts[1], parts[2][3:]))
            return
        if word == "soak":
            sub = rest.split()
            if sub[:1] == ["cycle"] and len(sub) >= 2 and sub[1].isdigit():
                self.dom0_cycle = max(self.dom0_cycle, int(sub[1]))
                self.phase = "soak cycle %s" % sub[1]
                return
        super().on_mark(mark)

    def start(self):
        super().start()
        if self.proc:
            threading.Thread(target=self.follow, daemon=True).start()

    def follow(self):
        """Every second: the guest's new console lines into the tally; a
        progress line every --progress seconds; the host-side watchdog."""
        a = self.args
        console = ConsoleFollower(self.logs)
        last_print = time.monotonic()
        stop_sent = False
        stall = a.cycle_timeout + HOST_STALL_SLACK_S
        while self.proc.poll() is None:
            time.sleep(1)
            lines = console.new_lines()
            now = time.monotonic()
            if lines:
                self.last_activity = now
                with self.lock:
                    for line in lines:
                        self.tally.feed(line)
                    first = self.tally.first_failure() if self.tally.any_bad else None
                if first and not stop_sent:
                    stop_sent = True
                    self.ask_dom0_to_stop(first)
            if now - last_print >= a.progress:
                last_print = now
                self.progress_line()
            if now - self.last_activity > stall:
                self.fail("soak: no progress from dom0 or the guest for %d s "
                          "(last phase: %s); stopping QEMU" % (stall, self.phase))
                self.stop_qemu("soak stalled")
                return

    def ask_dom0_to_stop(self, first):
        """The guest failed a check: dom0 stops the soak at its next poll
        (soak.sh reads /job/soak-stop). The guest's own "failed" state is
        overwritten by the next cycle's "resumed K" when requests keep
        coming (remus), so dom0 cannot rely on seeing it."""
        k, what = first
        self.stop_asked = True
        text = "cycle %d: %s" % (k, "; ".join(what))
        self.note("soak: the guest failed at %s; asking dom0 to stop" % text)
        tmp = os.path.join(self.logs, ".soak-stop")
        with open(tmp, "w") as f:
            f.write("%d %s\n" % (k, text))
        os.replace(tmp, os.path.join(self.logs, "soak-stop"))

    def progress_line(self):
        with self.lock:
            checks = self.tally.checks()
            nfail = sum(1 for c in checks.values() for ok, _ in c.values() if not ok)
            last = max(checks) if checks else 0
            lat = self.tally.latencies()
        planned = soak_plan.cycles_of(self.plan)
        park = lat["park_phase"]
        self.note("soak progress: %d of %s cycles checked (dom0 at cycle %d), %d failed "
                  "check(s); park median %s worst %s; %s"
                  % (last, "%d+" % planned, self.dom0_cycle, nfail,
                     soak_count._ms(park["median_ns"]), soak_count._ms(park["worst_ns"]),
                     self.phase))

    # -- verdict --------------------------------------------------------
    def judge(self):
        super().judge()
        tally = soak_count.Tally()
        for path in self.guest_logs:
            tally.feed_text(_read(path))
        self.tally = tally
        kinds = soak_count.read_cycle_kinds(os.path.join(self.logs, "out",
                                                         "soak-cycles.tsv"))
        faults = soak_count.read_faults(os.path.join(self.logs, "out",
                                                     "soak-faults.tsv"))
        stop = None
        if "soak_stop_cycle" in self.result:
            try:
                cyc = int(self.result["soak_stop_cycle"])
            except ValueError:
                cyc = None
            stop = {"cycle": cyc, "reason": self.result.get("soak_stop_reason", "?")}
        planned = soak_plan.planned_faults(self.plan)
        self.soak = soak_count.soak_json(tally, kinds, faults, planned, stop)
        self.soak["plan"] = [{"kind": k, "count": n} for k, n in self.plan]
        self.soak["cycles_planned_at_least"] = soak_plan.cycles_of(self.plan)
        self.soak["remus_interval_ms"] = self.args.remus_ms
        for msg in reversed(self.soak_problems(kinds, faults, planned)):
            if msg in self.errors:
                self.errors.remove(msg)
            self.errors.insert(0, msg)
        self.passed = self.passed and not self.errors

    def soak_problems(self, kinds, faults, planned):
        s = self.soak
        out = []
        st = s["stopped"]
        if st:
            what = "; ".join(st["what"]) or st["dom0_reason"] or "?"
            out.append("soak stopped at cycle %s: %s" % (st["cycle"], what))
            if st["what"] and st["dom0_reason"]:
                out.append("dom0: " + st["dom0_reason"])
            return out
        if "soak_cycles" not in self.result:
            if not self.errors:
                out.append("the soak did not finish (dom0 recorded no soak_cycles)")
            return out
        want = soak_plan.cycles_of(self.plan)
        got = len(kinds)
        if got < want:
            out.append("the soak ran %d cycle(s), the plan has at least %d" % (got, want))
        checked = self.tally.checks()       # built once: it walks every line
        missing = [k for k in kinds if k not in checked]
        if missing:
            out.append("no resume checks from the guest for cycle(s) %s"
                       % ",".join(map(str, missing[:20])))
        for name, fc in s["faults"].items():
            if fc["done"] < fc["planned"]:
                out.append("fault %s: %d of %d done (%d missed: dom0 could not "
                           "inject it)" % (name, fc["done"], fc["planned"], fc["missed"]))
        return out

    def to_json(self, total):
        d = super().to_json(total)
        d["soak"] = self.soak
        return d

    def extra_summary(self, d):
        return soak_count.summary_lines(d["soak"]) if d.get("soak") else []

    def report_failure(self):
        st = (self.soak or {}).get("stopped")
        if st and st.get("cycle"):
            k = st["cycle"]
            print("---- the guest's report for cycle %d ----" % k)
            print("\n".join(cycle_report_lines(
                [_read(p) for p in self.guest_logs], k)) or "(none)")
        super().report_failure()


def cycle_report_lines(texts, k):
    """The guest's console lines about cycle k: its pvsr-report, -vcpu and
    -error lines, its resume_k_* results and their EXPECTATION FAILED
    lines (each line once)."""
    key = "cycle=%d " % k
    name = "resume_%d_" % k
    seen, out = set(), []
    for text in texts:
        for line in text.split("\n"):
            body = line.replace("\r", "").rstrip()
            if ((key in body + " " and "pvsr-" in body) or name in body) \
                    and body not in seen:
                seen.add(body)
                out.append(body)
    return out


def run(args):
    """scripts/soak: returns run.py's exit status."""
    return runmod.run(args, make_run=SoakRun)

