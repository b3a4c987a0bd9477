# SPDX-License-Identifier: GPL-2.0
"""One backtrace across the boundary for a failed run (result.json
"backtrace"), in the order the failure crossed it:

  1. guest frames: what the guest printed at its panic or fatal trap
     ("*** PANIC on vCPU N: ..." / "*** FATAL: ...", then "Backtrace:" and
     "  #K [<addr>]" lines), symbolised with the guest ELF (symbol+offset
     from nm, file:line from addr2line); without them, the core reader's
     backtrace of the vCPU that was stuck or failing;
  2. pvsr's error detail: "# pvsr-panic ..." (a panic after the hypercall)
     or the last cycle's "# pvsr-error ..." line;
  3. the dom0 step that was running (the one that failed, or during which
     the guest died) and the last toolstack operation on the guest;
  4. the toolstack's error lines from those steps and xl's guest log.
"""
import bisect
import os
import re
import subprocess

from .common import REPO_ROOT
from .ktap import strip_prefix

_HEAD = re.compile(r"\*\*\* (PANIC on vCPU (\d+): .*|FATAL: .* on vCPU (\d+).*)$")
_FRAME = re.compile(r"^\s*#(\d+) \[<([0-9a-fA-F]+)>\]")
_DETAIL = re.compile(r"^#\s*pvsr-(panic|error)\s+(.*)$")
_KEY = re.compile(r"(?:^|\s)([a-z_]+)=")
_CYCLE = re.compile(r"^#\s*pvsr-[a-z]+\s+cycle=(\d+)")
_TOOLSTACK_ERR = re.compile(r"libxl: error|libxl:.*(fail|error)|xc: error|"
                            r"\bxl: |[Ff]ailed|error:|timed out|did not suspend")
TOOLSTACK_OPS = re.compile(r"^(create|unpause|save|restore|checkpoint|migrate|shutdown|"
                           r"destroy|control-bogus)")
# dom0 helpers that run after a failure to collect evidence, not causes.
_COLLECT = re.compile(r"^(xl-list-v|vcpu-list|xenctx-v|dump-core|xl-dmesg|dom0-dmesg|"
                      r"xl-guest-log|pause|destroy$)")


def _fields(body):
    keys = list(_KEY.finditer(body))
    out = {}
    for i, m in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(body)
        v = body[m.end():end].strip()
        try:
            v = int(v)
        except ValueError:
            pass
        out.setdefault(m.group(1), v)
    return out


def guest_failure(texts):
    """(head line, vCPU, [(frame no, addr)], detail dict or None) from the
    guest consoles; the first panic/fatal wins (later ones are echoes)."""
    head = vcpu = None
    frames = []
    detail = None
    errors = []
    last_cycle = -1
    for text in texts:
        lines = [strip_prefix(l).rstrip("\r") for l in text.split("\n")]
        for i, line in enumerate(lines):
            m = _CYCLE.match(line.strip())
            if m:
                last_cycle = max(last_cycle, int(m.group(1)))
            m = _DETAIL.match(line.strip())
            if m:
                d = _fields(m.group(2))
                d["source"] = "pvsr-" + m.group(1)
                if m.group(1) == "panic":
                    detail = detail or d
                else:
                    errors.append(d)
            m = _HEAD.search(line)
            if m and head is None:
                head = m.group(1)
                vcpu = int(m.group(2) or m.group(3))
                for follow in lines[i + 1:i + 40]:
                    fm = _FRAME.match(follow)
                    if fm:
                        frames.append((int(fm.group(1)), int(fm.group(2), 16)))
                    elif frames and follow.strip() and not follow.strip().startswith("Backtrace"):
                        break
    # Only the last cycle's error explains the failure: an earlier one was
    # handled (the boot self-test's refused suspend is cycle 0's).
    errors = [e for e in errors if e.get("cycle") == last_cycle]
    if detail is None and errors:
        detail = errors[-1]
    return head, vcpu, frames, detail


class Symbols:
    """nm + addr2line over the guest ELF."""

    def __init__(self, elf):
        self.elf = elf
        self.addrs, self.names = [], []
        try:
            out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True,
                                 check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise RuntimeError("nm %s failed: %s (binutils installed?)" % (elf, e))
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.addrs.append(int(parts[0], 16))
                self.names.append(parts[2])

    def resolve(self, addrs_calls):
        """[(addr, is_return_address)] -> [{"addr", "symbol", "file", "line"}]."""
        lookups = ["%x" % (a - 1 if call else a) for a, call in addrs_calls]
        lines = []
        if lookups:
            try:
                lines = subprocess.run(["addr2line", "-e", self.elf] + lookups,
                                       capture_output=True, text=True,
                                       check=True).stdout.splitlines()
            except (OSError, subprocess.CalledProcessError):
                lines = []
        out = []
        for i, (a, _) in enumerate(addrs_calls):
            d = {"addr": a}
            j = bisect.bisect_right(self.addrs, a) - 1
            if j >= 0:
                d["symbol"] = "%s+%#x" % (self.names[j], a - self.addrs[j])
            if i < len(lines):
                f, _, ln = lines[i].rpartition(":")
                ln = ln.split()[0] if ln else ""
                if f and f != "??" and ln.isdigit() and ln != "0":
                    d["file"], d["line"] = os.path.relpath(f, REPO_ROOT) \
                        if f.startswith(REPO_ROOT + os.sep) else f, int(ln)
            out.append(d)
        return out


def _step_running(steps, result):
    """The dom0 step that failed (or saw the guest die), and the last
    toolstack operation on the guest at or before it."""
    failed = None
    name = result.get("failed_step")
    for s in steps:
        if name and s["name"] == name:
            failed = s
            break
    if failed is None:
        for s in steps:
            if s["rc"] != 0 and not _COLLECT.match(s["name"]):
                failed = s
                break
    if failed is None:
        # Nothing failed in dom0 (a wait that saw the guest crash ends
        # well): the last step before dom0 started collecting evidence.
        for s in steps:
            if _COLLECT.match(s["name"]):
                break
            failed = s
    op = None
    for s in steps:
        if failed is not None and s["n"] > failed["n"]:
            break
        if TOOLSTACK_OPS.match(s["name"]):
            op = s
    return failed, op


def _command(logs_commands, n):
    """The command of step n from out/commands.log."""
    try:
        with open(logs_commands, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    cmd = None
    for line in text.splitlines():
        if line.startswith("$ "):
            cmd = line[2:]
        m = re.match(r"# step (\d+) ", line)
        if m and int(m.group(1)) == n:
            return cmd
    return None


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def build(texts, steps, result, elf, commands_log, cores=(), xl_log=""):
    """The backtrace record, or None if there is nothing to say."""
    head, vcpu, raw, detail = guest_failure(texts)
    frames = []
    source = None
    if raw:
        source = "guest console"
        sym = Symbols(elf)
        # A panic's frames are return addresses; a fatal trap's #0 is rip.
        fatal = head.startswith("FATAL")
        res = sym.resolve([(a, not (fatal and n == 0)) for n, a in raw])
        for (n, _), d in zip(raw, res):
            d["frame"] = n
            frames.append(d)
    else:
        # No panic printed: the core of a stuck guest says where it was.
        for c in cores:
            for v in c.get("stuck", []):
                vcpu = v["vcpu"]
                frames = v["backtrace"]
                source = "core %s" % c["tag"]
                head = "vCPU %d never reached the pause barrier" % vcpu
                break
            if frames:
                break
    failed, op = _step_running(steps, result)
    if not (frames or detail or failed):
        return None
    rec = {"guest": {"event": head, "vcpu": vcpu, "source": source, "frames": frames},
           "pvsr_error": detail}
    tool = []
    for s in (op, failed):
        if s is None:
            continue
        for line in _read(s["output"]).splitlines():
            if _TOOLSTACK_ERR.search(line) and line.strip() not in tool:
                tool.append(line.strip())
    for line in xl_log.splitlines():
        if _TOOLSTACK_ERR.search(line) and "libxl" in line and line.strip() not in tool:
            tool.append(line.strip())
    for key, s in (("dom0_step", failed), ("toolstack_op", op)):
        rec[key] = None if s is None else {
            "n": s["n"], "name": s["name"], "rc": s["rc"],
            "command": _command(commands_log, s["n"])}
    rec["outcome"] = result.get("outcome")
    rec["toolstack_errors"] = tool[:20]
    return rec


def detail_text(d):
    keys = ("code", "step", "vcpu", "hypercall", "subop", "xen_errno", "port", "hook")
    return " ".join("%s=%s" % (k, d[k]) for k in keys if k in d)


def lines(rec):
    """The record as the console prints it (the same order)."""
    g = rec["guest"]
    out = ["backtrace (guest -> pvsr -> dom0 -> toolstack):"]
    out.append("  guest: %s%s" % (g["event"] or "no panic printed",
                                  (" [frames from %s]" % g["source"]) if g["source"] else ""))
    for f in g["frames"]:
        out.append("    #%-2d %#018x %s%s" % (
            f.get("frame", 0), f["addr"], f.get("symbol", "?"),
            (" (%s:%d)" % (f["file"], f["line"])) if "file" in f else ""))
    if rec["pvsr_error"]:
        out.append("  pvsr: %s (%s)" % (detail_text(rec["pvsr_error"]),
                                        rec["pvsr_error"].get("source")))
    else:
        out.append("  pvsr: no error detail printed")
    for key, what in (("dom0_step", "dom0 step"), ("toolstack_op", "toolstack op")):
        s = rec.get(key)
        if s:
            out.append("  %s %d %s: exit %d: %s" % (what, s["n"], s["name"], s["rc"],
                                                    s["command"] or "?"))
    for t in rec["toolstack_errors"]:
        out.append("  toolstack: " + t)
    return out
