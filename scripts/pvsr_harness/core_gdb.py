# SPDX-License-Identifier: GPL-2.0
"""Runs INSIDE gdb (gdb -batch -nx -x core_gdb.py ELF), for core.py.

gdb reads the guest ELF's DWARF, so struct layouts, enum names and symbols
come from the build that ran, never from this file. The request (JSON,
path in $PVSR_CORE_REQ) says what to do; the answer (JSON) goes to
$PVSR_CORE_OUT:
  {"op": "layout"}                  vcpu_guest_context field offsets
  {"op": "state", "vmcore": PATH,   pvsr's state read from the guest's
   "symbolize": [addr, ...],         memory (PATH: an ELF core core.py wrote
   "calls": [addr, ...]}             from the Xen dump), and addresses
                                     turned into symbol+offset, file:line
Nothing here knows a variable name: instances are found by type.
"""
import json
import os
import re

import gdb  # noqa: E402  (only inside gdb)

MAX_ARRAY = 64


def _type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        return None


def _fields(t, base=0, prefix=""):
    """{"user_regs.rip": (offset, size)} for every leaf field of a struct,
    flattening nested structs and anonymous unions (by name)."""
    out = {}
    t = t.strip_typedefs()
    for f in t.fields():
        if f.bitpos is None:
            continue
        off = base + f.bitpos // 8
        ft = f.type.strip_typedefs()
        name = f.name
        if ft.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            out.update(_fields(ft, off, prefix + (name + "." if name else "")))
        elif name:
            out[prefix + name] = (off, ft.sizeof)
            if ft.code == gdb.TYPE_CODE_ARRAY:
                out[prefix + name] = (off, ft.target().strip_typedefs().sizeof,
                                      ft.range()[1] + 1)
    return out


def layout():
    t = _type("struct vcpu_guest_context")
    if t is None:
        return {"error": "the guest ELF has no DWARF type struct vcpu_guest_context"}
    return {"vcpu_guest_context": {"size": t.sizeof, "fields": _fields(t)}}


def symbolize(addr, call):
    """addr -> {"symbol": "f+0x12", "file": .., "line": ..}. For a return
    address (call) the line is the call's, at addr - 1."""
    d = {"addr": addr}
    try:
        s = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    except gdb.error:
        s = ""
    m = re.match(r"(\S+)(?: \+ (\d+))? in section (\S+)", s)
    if m:
        d["function"] = m.group(1)
        d["offset"] = int(m.group(2) or 0)
        d["symbol"] = "%s+%#x" % (m.group(1), d["offset"])
        d["section"] = m.group(3)
    sal = gdb.find_pc_line(addr - 1 if call else addr)
    if sal.symtab is not None and sal.line:
        d["file"] = sal.symtab.filename
        d["line"] = sal.line
    return d


def _ptr_text(v):
    addr = int(v)
    d = {"addr": addr}
    if addr:
        s = symbolize(addr, False)
        if "symbol" in s:
            d["symbol"] = s["symbol"]
    return d


def to_json(v, depth=0):
    """A gdb.Value as plain JSON: structs as dicts, enums by name,
    pointers as address (+ symbol), short arrays as lists."""
    t = v.type.strip_typedefs()
    c = t.code
    try:
        if c == gdb.TYPE_CODE_STRUCT or c == gdb.TYPE_CODE_UNION:
            if depth > 4:
                return "..."
            out = {}
            for f in t.fields():
                if not f.name:
                    continue
                out[f.name] = to_json(v[f.name], depth + 1)
            return out
        if c == gdb.TYPE_CODE_ARRAY:
            lo, hi = t.range()
            n = hi - lo + 1
            if n > MAX_ARRAY:
                return {"array": n}
            return [to_json(v[i], depth + 1) for i in range(lo, hi + 1)]
        if c == gdb.TYPE_CODE_ENUM:
            return str(v)
        if c == gdb.TYPE_CODE_PTR:
            d = _ptr_text(v)
            if d["addr"] and t.target().strip_typedefs().code == gdb.TYPE_CODE_INT \
                    and t.target().strip_typedefs().sizeof == 1:
                try:
                    d["string"] = v.string(length=-1, errors="replace")[:80]
                except (gdb.error, gdb.MemoryError):
                    pass
            return d
        if c == gdb.TYPE_CODE_BOOL:
            return bool(v)
        if c in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR):
            return int(v)
        if c == gdb.TYPE_CODE_FLT:
            return float(v)
    except gdb.MemoryError as e:
        return {"error": str(e)}
    return str(v)


def enum_name(type_name, value):
    t = _type(type_name)
    if t is None:
        return None
    try:
        return str(gdb.Value(int(value)).cast(t))
    except gdb.error:
        return None


def instances(type_name):
    """Global variables of exactly this type, found through the DWARF."""
    try:
        text = gdb.execute("info variables -q -t ^%s$" % type_name.replace(" ", "."),
                           to_string=True)
    except gdb.error:
        return []
    names = []
    for line in text.splitlines():
        m = re.search(r"\b%s\s+(\w+);" % re.escape(type_name), line)
        if m and m.group(1) not in names:
            names.append(m.group(1))
    return names


def _member(v, name):
    try:
        return v[name]
    except gdb.error:
        return None


def registry(reg):
    entries = []
    ent = _member(reg, "entry")
    if ent is None:
        return {"error": "no member 'entry' in %s" % reg.type}
    lo, hi = ent.type.strip_typedefs().range()
    for i in range(lo, hi + 1):
        e = ent[i]
        d = to_json(e)
        kind = d.get("kind") if isinstance(d, dict) else None
        if kind is None or str(kind).endswith("_FREE") or kind == 0:
            continue
        d["entry"] = i
        entries.append(d)
    return {"entries": entries}


def trace(tr, last):
    d = {}
    nxt = _member(tr, "next")
    ev = _member(tr, "ev")
    if nxt is None or ev is None:
        return {"error": "unknown trace buffer layout %s" % tr.type}
    size = ev.type.strip_typedefs().range()[1] + 1
    n = int(nxt)
    d["claimed"] = n
    d["size"] = size
    kept = min(n, size)
    d["events"] = []
    for i in range(max(0, kept - last), kept):
        e = to_json(ev[i])
        if isinstance(e, dict) and isinstance(e.get("kind"), int):
            e["kind_name"] = enum_name("enum pvsr_trace_kind", e["kind"])
        e["index"] = i
        d["events"].append(e)
    return d


def _const(name):
    """An enumerator's value from the DWARF, or None."""
    try:
        return int(gdb.parse_and_eval(name))
    except gdb.error:
        return None


def _split(word, shift_name, mask_name):
    """(generation, low part) of a packed word (enum pvsr_state_layout)."""
    shift, mask = _const(shift_name), _const(mask_name)
    if shift is None or mask is None:
        return None, word
    return word >> shift, word & mask


def pvsr_state(name, last_events):
    p = gdb.parse_and_eval(name)
    d = {"variable": name, "fields": {}}
    for f in p.type.strip_typedefs().fields():
        if not f.name or f.name in ("hooks", "slots", "evtchns", "trace", "arch"):
            continue
        d["fields"][f.name] = to_json(p[f.name])
    barrier = _member(p, "barrier")
    bgen = None
    if barrier is not None:
        bgen, phase = _split(int(barrier), "PVSR_BARRIER_GEN_SHIFT",
                             "PVSR_BARRIER_PHASE_MASK")
        d["barrier"] = enum_name("enum pvsr_barrier_phase", phase) or phase
        if bgen is not None:
            d["barrier_generation"] = bgen
    gen = _member(p, "generation")
    if gen is not None:
        d["generation"] = int(gen)
    kind = _member(p, "resume_kind")
    if kind is not None:
        d["resume_kind"] = enum_name("enum pvsr_resume_kind", kind) or int(kind)
    hooks = []
    nh = _member(p, "nr_hooks")
    if nh is not None:
        for i in range(int(nh)):
            hooks.append(to_json(p["hooks"][i]))
    d["hooks"] = hooks
    nr = int(_member(p, "nr_vcpus") or 0)
    d["slots"] = []
    slots = _member(p, "slots")
    if slots is not None and int(slots):
        for i in range(nr):
            try:
                s = slots[i]
                sd = to_json(s)
            except gdb.MemoryError as e:
                sd = {"error": str(e)}
            st = sd.get("state") if isinstance(sd, dict) else None
            # state may be a plain int or (newer layouts) a struct with one
            if isinstance(st, dict):
                for k, v in st.items():
                    if isinstance(v, int) and k in ("state", "outcome", "value"):
                        st = v
            if isinstance(st, int):
                sgen, outcome = _split(st, "PVSR_SLOT_GEN_SHIFT",
                                       "PVSR_SLOT_OUTCOME_MASK")
                if sgen is not None:
                    sd["state_generation"] = sgen
                    # Written in an earlier suspend: nothing yet in this
                    # one (slot states keep the generation's low bits).
                    bits = 32 - _const("PVSR_SLOT_GEN_SHIFT")
                    if bgen is not None and sgen != bgen % (1 << bits):
                        outcome = _const("PVSR_VCPU_NOT_INVOLVED") or 0
                sd["state_name"] = enum_name("enum pvsr_vcpu_outcome", outcome)
            sd["vcpu"] = i
            d["slots"].append(sd)
    reg = _member(p, "evtchns")
    if reg is not None and int(reg):
        try:
            d["evtchns"] = registry(reg.dereference())
        except gdb.MemoryError as e:
            d["evtchns"] = {"error": str(e)}
    tr = _member(p, "trace")
    if tr is not None:
        if int(tr):
            try:
                d["trace"] = trace(tr.dereference(), last_events)
            except gdb.MemoryError as e:
                d["trace"] = {"error": str(e)}
        else:
            d["trace"] = None
    return d


def percpu(addr):
    """gs_base_kernel -> ("guest_cpus", 3) if it points at element 3 of a
    global array (the kernel's per-CPU area), else None."""
    try:
        s = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    except gdb.error:
        return None
    m = re.match(r"(\S+)(?: \+ (\d+))? in section", s)
    if not m:
        return None
    try:
        t = gdb.parse_and_eval(m.group(1)).type.strip_typedefs()
    except gdb.error:
        return None
    if t.code != gdb.TYPE_CODE_ARRAY:
        return None
    size = t.target().strip_typedefs().sizeof
    off = int(m.group(2) or 0)
    if not size or off % size:
        return None
    return [m.group(1), off // size]


def state(req):
    gdb.execute("core-file %s" % req["vmcore"], to_string=True)
    out = {"symbols": {}, "pvsr": [], "percpu": {}}
    for a in req.get("symbolize", []):
        out["symbols"]["%#x" % a] = symbolize(a, False)
    for a in req.get("calls", []):
        out["symbols"]["call:%#x" % a] = symbolize(a, True)
    for a in req.get("percpu", []):
        out["percpu"]["%#x" % a] = percpu(a)
    for name in instances("struct pvsr"):
        try:
            out["pvsr"].append(pvsr_state(name, req.get("last_events", 32)))
        except gdb.error as e:
            out["pvsr"].append({"variable": name, "error": str(e)})
    return out


def main():
    with open(os.environ["PVSR_CORE_REQ"]) as f:
        req = json.load(f)
    gdb.execute("set pagination off")
    gdb.execute("set print pretty off")
    try:
        res = layout() if req["op"] == "layout" else state(req)
    except Exception as e:  # noqa: BLE001  (reported, not hidden)
        res = {"error": "%s: %s" % (type(e).__name__, e)}
    with open(os.environ["PVSR_CORE_OUT"], "w") as f:
        json.dump(res, f)


main()
