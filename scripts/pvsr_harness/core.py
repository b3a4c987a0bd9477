# SPDX-License-Identifier: GPL-2.0
"""Read an `xl dump-core` image of a PV guest (scripts/pvsr-core).

The dump (Xen's tools/libs/guest dump-core code; public/elfnote.h) is an
ELF file with sections:
  .note.Xen      notes: none, header (magic, nr_vcpus, nr_pages, page
                 size), Xen version, format version
  .xen_prstatus  one vcpu_guest_context per vCPU Xen had a context for
  .xen_p2m       (pfn, gmfn) pairs for a PV guest (.xen_pfn: pfns only)
  .xen_pages     the pages, in that order
A PV guest's page tables hold machine frames, so a guest virtual address
is found by walking them from the vCPU's CR3 (a machine frame) and mapping
each machine frame back to its page through .xen_p2m.

Layouts and symbols come from the guest ELF: vcpu_guest_context's offsets
and pvsr's state through gdb reading the DWARF (core_gdb.py, run inside
gdb -batch); numeric constants of the dump format from Xen's public
headers (libxen-dev). The guest's memory is handed to gdb as a small ELF
core of the guest image's pages, so gdb prints pvsr's structures with
whatever fields the build that ran had.
"""
import json
import mmap
import os
import re
import shutil
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GDB_SCRIPT = os.path.join(HERE, "core_gdb.py")
XEN_INCLUDE = os.environ.get("PVSR_XEN_INCLUDE", "/usr/include/xen")

PAGE = 4096
MAX_FRAMES = 48


class CoreError(Exception):
    """The dump or the guest ELF cannot be read; the message says which
    step and why."""


def header_defines(path, names):
    """#define NAME VALUE from a Xen public header, for each name."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise CoreError("reading %s (install libxen-dev): %s" % (path, e))
    out = {}
    for n in names:
        m = re.search(r"^#define\s+%s\s+(\(?[^\n/]*?\)?)\s*(?:/\*.*)?$" % re.escape(n),
                      text, re.M)
        if not m:
            raise CoreError("%s does not define %s" % (path, n))
        expr = m.group(1)
        expr = re.sub(r"\b(_?[A-Z][A-Za-z0-9_]*)\b",
                      lambda mm: str(out.get(mm.group(1), mm.group(1))), expr)
        out[n] = int(eval(expr, {"__builtins__": {}}))  # noqa: S307 (header ints)
    return out


def xen_constants():
    c = header_defines(os.path.join(XEN_INCLUDE, "elfnote.h"),
                       ["XEN_ELFNOTE_DUMPCORE_NONE", "XEN_ELFNOTE_DUMPCORE_HEADER",
                        "XEN_ELFNOTE_DUMPCORE_XEN_VERSION",
                        "XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION"])
    c.update(header_defines(os.path.join(XEN_INCLUDE, "arch-x86", "xen.h"),
                            ["_VGCF_online", "VGCF_online"]))
    return c


# ---------------------------------------------------------------- the dump
class XenCore:
    def __init__(self, path):
        self.path = path
        try:
            self.f = open(path, "rb")
            self.m = mmap.mmap(self.f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as e:
            raise CoreError("opening the dump %s: %s" % (path, e))
        try:
            self._parse()
        except BaseException:
            self.close()
            raise

    def close(self):
        self.m.close()
        self.f.close()

    def _parse(self):
        m, path = self.m, self.path
        if m[:4] != b"\x7fELF" or m[4] != 2:
            raise CoreError("%s is not a 64-bit ELF file (not an xl dump-core?)" % path)
        (self.e_type, self.e_machine, _, _, _, shoff, _, _, _, _, shentsize, shnum,
         shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", m, 16)
        self.sections = {}
        hdrs = [struct.unpack_from("<IIQQQQIIQQ", m, shoff + i * shentsize)
                for i in range(shnum)]
        strtab = hdrs[shstrndx]
        for h in hdrs:
            name_off = strtab[4] + h[0]
            end = m.find(b"\0", name_off)
            name = m[name_off:end].decode("ascii", "replace")
            self.sections[name] = {"offset": h[4], "size": h[5], "entsize": h[9]}
        for need in (".note.Xen", ".xen_prstatus", ".xen_pages"):
            if need not in self.sections:
                raise CoreError("%s has no %s section: not an xl dump-core image"
                                % (path, need))
        self.consts = xen_constants()
        self._notes()
        self._p2m()

    def _notes(self):
        s = self.sections[".note.Xen"]
        off, end = s["offset"], s["offset"] + s["size"]
        c = self.consts
        self.header = None
        self.xen_version = None
        self.format_version = None
        while off + 12 <= end:
            namesz, descsz, typ = struct.unpack_from("<III", self.m, off)
            name = self.m[off + 12:off + 12 + namesz].rstrip(b"\0").decode("ascii", "replace")
            doff = off + 12 + ((namesz + 3) & ~3)
            desc = self.m[doff:doff + descsz]
            off = doff + ((descsz + 3) & ~3)
            if name != "Xen":
                continue
            if typ == c["XEN_ELFNOTE_DUMPCORE_HEADER"]:
                magic, nv, npages, psize = struct.unpack_from("<QQQQ", desc)
                self.header = {"magic": magic, "nr_vcpus": nv, "nr_pages": npages,
                               "page_size": psize}
            elif typ == c["XEN_ELFNOTE_DUMPCORE_XEN_VERSION"]:
                major, minor = struct.unpack_from("<QQ", desc)
                extra = desc[16:32].split(b"\0")[0].decode("ascii", "replace")
                self.xen_version = "%d.%d%s" % (major, minor, extra)
            elif typ == c["XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION"]:
                self.format_version = struct.unpack_from("<Q", desc)[0]
        if not self.header:
            raise CoreError("%s: no XEN_ELFNOTE_DUMPCORE_HEADER note" % self.path)
        if self.header["page_size"] != PAGE:
            raise CoreError("page size %d, only 4096 is supported"
                            % self.header["page_size"])

    def _p2m(self):
        n = self.header["nr_pages"]
        pages = self.sections[".xen_pages"]
        self.pages_off = pages["offset"]
        self.pfn_idx = {}
        self.mfn_idx = {}
        if ".xen_p2m" in self.sections:
            off = self.sections[".xen_p2m"]["offset"]
            for i in range(n):
                pfn, mfn = struct.unpack_from("<QQ", self.m, off + 16 * i)
                self.pfn_idx[pfn] = i
                self.mfn_idx[mfn] = i
        elif ".xen_pfn" in self.sections:
            raise CoreError("%s has .xen_pfn (an auto-translated guest): only PV "
                            "guests with .xen_p2m are supported" % self.path)
        else:
            raise CoreError("%s has neither .xen_p2m nor .xen_pfn" % self.path)

    def mfn_page(self, mfn):
        i = self.mfn_idx.get(mfn)
        if i is None:
            return None
        return self.pages_off + i * PAGE

    def contexts(self, layout):
        """vCPU contexts as dicts of the fields that matter."""
        s = self.sections[".xen_prstatus"]
        n = self.header["nr_vcpus"]
        size = layout["size"]
        stride = s["size"] // n if n else 0
        if stride < size:
            raise CoreError(".xen_prstatus holds %d bytes per vCPU, the guest's "
                            "struct vcpu_guest_context is %d" % (stride, size))
        f = layout["fields"]
        out = []
        for i in range(n):
            base = s["offset"] + i * stride

            def get(name, idx=0, base=base):
                spec = f[name]
                off, sz = spec[0], spec[1]
                return int.from_bytes(self.m[base + off + idx * sz:base + off + (idx + 1) * sz],
                                      "little")
            regs = {r: get("user_regs." + r) for r in
                    ("rip", "rsp", "rbp", "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
                     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rflags",
                     "cs", "ss", "saved_upcall_mask")}
            ctx = {"index": i, "regs": regs, "flags": get("flags"),
                   "cr3": get("ctrlreg", 3), "cr2": get("ctrlreg", 2),
                   "user_cr3": get("ctrlreg", 1),
                   "kernel_sp": get("kernel_sp"), "fs_base": get("fs_base"),
                   "gs_base_kernel": get("gs_base_kernel"),
                   "gs_base_user": get("gs_base_user")}
            ctx["online"] = bool(ctx["flags"] & self.consts["VGCF_online"])
            out.append(ctx)
        return out


class GuestMemory:
    """Guest virtual memory through the guest's own page tables."""

    PRESENT, PSE = 1, 1 << 7
    ADDR = 0x000ffffffffff000

    def __init__(self, core, cr3):
        self.core = core
        self.l4_mfn = cr3 >> 12
        self.cache = {}

    def _entry(self, mfn, idx):
        off = self.core.mfn_page(mfn)
        if off is None:
            return None
        return struct.unpack_from("<Q", self.core.m, off + 8 * idx)[0]

    def page(self, va):
        """File offset of the page holding va, or None."""
        key = va >> 12
        if key in self.cache:
            return self.cache[key]
        res = None
        mfn = self.l4_mfn
        for level, shift in ((4, 39), (3, 30), (2, 21), (1, 12)):
            e = self._entry(mfn, (va >> shift) & 511)
            if e is None or not e & self.PRESENT:
                break
            if level in (3, 2) and e & self.PSE:
                base = (e & self.ADDR) >> 12
                mfn = base + ((va >> 12) & ((1 << (shift - 12)) - 1))
                res = self.core.mfn_page(mfn)
                break
            mfn = (e & self.ADDR) >> 12
            if level == 1:
                res = self.core.mfn_page(mfn)
        self.cache[key] = res
        return res

    def read(self, va, n):
        out = b""
        while n > 0:
            off = self.page(va)
            if off is None:
                return None
            chunk = min(n, PAGE - (va & (PAGE - 1)))
            out += self.core.m[off + (va & (PAGE - 1)):off + (va & (PAGE - 1)) + chunk]
            va += chunk
            n -= chunk
        return out

    def u64(self, va):
        b = self.read(va, 8)
        return None if b is None else struct.unpack("<Q", b)[0]


def leaf_caller(mem, regs, text_range):
    """The return address at [rsp] if the innermost function built no
    frame (a leaf; gcc leaves them frameless): it must point just after a
    `call rel32` whose target lies at or below rip, within 4 KiB."""
    lo, hi = text_range
    ret = mem.u64(regs["rsp"])
    if ret is None or not lo + 5 <= ret < hi:
        return None
    insn = mem.read(ret - 5, 5)
    if insn is None or insn[0] != 0xE8:
        return None
    target = (ret + struct.unpack("<i", insn[1:])[0]) & (2 ** 64 - 1)
    if target <= regs["rip"] < target + 4096:
        return ret
    return None


def backtrace(mem, regs, text_range):
    """Frame-pointer walk: [(pc, is_return_address)]. Stops at a frame
    pointer that is 0, unreadable, not rising, or a pc outside the text.
    A frameless leaf at the top gets its caller from [rsp]."""
    frames = [(regs["rip"], False)]
    rbp = regs["rbp"]
    lo, hi = text_range
    leaf = leaf_caller(mem, regs, text_range)
    if leaf is not None and leaf != mem.u64(rbp + 8 if rbp else 0):
        frames.append((leaf, True))
    seen = set()
    while rbp and len(frames) < MAX_FRAMES and rbp not in seen:
        seen.add(rbp)
        nxt = mem.u64(rbp)
        ret = mem.u64(rbp + 8)
        if ret is None or nxt is None or not lo <= ret < hi:
            break
        frames.append((ret, True))
        if nxt <= rbp:
            break
        rbp = nxt
    return frames


# ---------------------------------------------------------------- guest ELF
def elf_image(path):
    """(text range, [(vaddr, memsz)] of PT_LOAD segments) of the guest ELF."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise CoreError("guest %s is not a 64-bit ELF file" % path)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    loads = []
    text = None
    for i in range(phnum):
        p_type, p_flags, _, vaddr, _, _, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            loads.append((vaddr, memsz))
            if p_flags & 1:
                lo, hi = vaddr, vaddr + memsz
                text = (min(lo, text[0]), max(hi, text[1])) if text else (lo, hi)
    if not loads:
        raise CoreError("guest %s has no PT_LOAD segment" % path)
    return text, loads


def elf_section(path, want):
    """(vaddr, file bytes) of one section of the guest ELF, or None."""
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 58)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
            for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    for h in hdrs:
        name = data[stroff + h[0]:data.index(b"\0", stroff + h[0])].decode()
        if name == want and h[1] == 1:      # SHT_PROGBITS
            return h[3], data[h[4]:h[4] + h[5]]
    return None


def check_match(mem, elf):
    """The ELF must be the kernel that ran: its .text must be what the
    dump holds at the same addresses, but for one page (Xen writes the
    hypercall page). Another build gives garbage, so it is an error."""
    sec = elf_section(elf, ".text")
    if not sec:
        raise CoreError("guest %s has no .text section" % elf)
    va, data = sec
    pages = differ = 0
    for off in range(0, len(data), PAGE):
        chunk = data[off:off + PAGE]
        got = mem.read(va + off, len(chunk))
        pages += 1
        if got != chunk:
            differ += 1
    if differ > 1:
        raise CoreError("guest ELF %s does not match the dump: %d of %d .text "
                        "pages differ (another build of the kernel?)"
                        % (elf, differ, pages))


def write_vmcore(mem, ranges, path):
    """An ELF core of the given guest virtual ranges (page-aligned), for
    gdb's core-file: one PT_LOAD per run of readable pages."""
    runs = []
    for lo, hi in ranges:
        va = lo & ~(PAGE - 1)
        while va < hi:
            off = mem.page(va)
            if off is not None:
                if runs and runs[-1][1] == va:
                    runs[-1][1] += PAGE
                    runs[-1][2].append(off)
                else:
                    runs.append([va, va + PAGE, [off]])
            va += PAGE
    ehsize, phsize = 64, 56
    data_off = (ehsize + phsize * len(runs) + PAGE - 1) & ~(PAGE - 1)
    with open(path, "wb") as f:
        f.write(b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8))
        f.write(struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, ehsize, 0, 0, ehsize,
                            phsize, len(runs), 0, 0, 0))
        off = data_off
        for va, end, _ in runs:
            f.write(struct.pack("<IIQQQQQQ", 1, 6, off, va, 0, end - va, end - va, PAGE))
            off += end - va
        f.write(bytes(data_off - f.tell()))
        for _, _, pages in runs:
            for p in pages:
                f.write(mem.core.m[p:p + PAGE])
    return sum(r[1] - r[0] for r in runs)


def run_gdb(elf, req):
    if not shutil.which("gdb"):
        raise CoreError("gdb is not installed (apt-get install gdb): the guest's "
                        "DWARF is read with gdb -batch")
    with tempfile.TemporaryDirectory(prefix="pvsr-core-") as tmp:
        rq, out = os.path.join(tmp, "req.json"), os.path.join(tmp, "out.json")
        with open(rq, "w") as f:
            json.dump(req, f)
        env = dict(os.environ, PVSR_CORE_REQ=rq, PVSR_CORE_OUT=out)
        p = subprocess.run(["gdb", "-batch", "-nx", "-x", GDB_SCRIPT, elf],
                           capture_output=True, text=True, env=env, timeout=300)
        try:
            with open(out) as f:
                res = json.load(f)
        except (OSError, ValueError):
            raise CoreError("gdb (%s) gave no answer, exit %d: %s"
                            % (req["op"], p.returncode, (p.stderr or p.stdout)[-500:]))
    if "error" in res:
        raise CoreError("gdb (%s): %s" % (req["op"], res["error"]))
    return res


# ---------------------------------------------------------------- the report
def read(core_path, elf, last_events=32):
    """Everything the report says, as one dict."""
    core = XenCore(core_path)
    try:
        return _read(core, core_path, elf, last_events)
    finally:
        core.close()


def _read(core, core_path, elf, last_events):
    lay = run_gdb(elf, {"op": "layout"})["vcpu_guest_context"]
    ctxs = core.contexts(lay)
    text, loads = elf_image(elf)
    # The boot vCPU's kernel page tables reach the whole kernel image.
    kctx = next((c for c in ctxs if c["online"]), ctxs[0] if ctxs else None)
    if kctx is None:
        raise CoreError("the dump has no vCPU context")
    mem = GuestMemory(core, kctx["cr3"])
    check_match(mem, elf)
    ranges = [(va, va + sz) for va, sz in loads]
    frames = {}
    for c in ctxs:
        m = GuestMemory(core, c["cr3"]) if c["cr3"] != kctx["cr3"] else mem
        frames[c["index"]] = backtrace(m, c["regs"], text)
        sp = c["regs"]["rsp"]
        ranges.append((sp & ~(PAGE - 1), (sp & ~(PAGE - 1)) + 2 * PAGE))
    with tempfile.TemporaryDirectory(prefix="pvsr-vmcore-") as tmp:
        vmcore = os.path.join(tmp, "guest.vmcore")
        mapped = write_vmcore(mem, ranges, vmcore)
        if not mapped:
            raise CoreError("no page of the guest image %#x.. is mapped by CR3 %#x"
                            % (loads[0][0], kctx["cr3"]))
        st = run_gdb(elf, {
            "op": "state", "vmcore": vmcore, "last_events": last_events,
            "symbolize": sorted({pc for fr in frames.values() for pc, call in fr
                                 if not call}),
            "calls": sorted({pc for fr in frames.values() for pc, call in fr if call}),
            "percpu": sorted({c["gs_base_kernel"] for c in ctxs if c["gs_base_kernel"]}),
        })
    sym = st["symbols"]
    vcpus = []
    for c in ctxs:
        pc = st["percpu"].get("%#x" % c["gs_base_kernel"])
        v = dict(c)
        v["vcpu"] = pc[1] if pc else c["index"]
        v["vcpu_from"] = ("gs_base_kernel -> %s[%d]" % tuple(pc)) if pc else \
            "position in .xen_prstatus"
        v["backtrace"] = []
        for n, (a, call) in enumerate(frames[c["index"]]):
            s = dict(sym.get(("call:%#x" if call else "%#x") % a, {"addr": a}))
            # A call never returns to a function's first byte: the walk
            # left the stack (e.g. past an entry stub's trap frame).
            if call and s.get("offset") == 0:
                break
            s["frame"] = n
            v["backtrace"].append(s)
        vcpus.append(v)
    return {
        "core": os.path.abspath(core_path),
        "guest": os.path.abspath(elf),
        "xen_version": core.xen_version,
        "format_version": core.format_version,
        "nr_vcpus": core.header["nr_vcpus"],
        "nr_pages": core.header["nr_pages"],
        "vcpus": vcpus,
        "pvsr": st["pvsr"],
        "summary": summarize(vcpus, st["pvsr"]),
    }


def frame_text(f):
    s = "#%-2d %#018x" % (f["frame"], f["addr"])
    s += " %s" % f.get("symbol", "?")
    if "file" in f:
        s += " (%s:%d)" % (f["file"], f["line"])
    return s


def is_member(members, vcpu):
    """vcpu's bit in pvsr's member set: one 64-bit word in older builds,
    an array of them since 128 vCPUs. Unknown (unreadable): a member."""
    if isinstance(members, int):
        return bool(members >> vcpu & 1)
    if isinstance(members, list) and all(isinstance(w, int) for w in members):
        word = vcpu // 64
        return word < len(members) and bool(members[word] >> (vcpu % 64) & 1)
    return True


def not_parked(p):
    """Slots of this suspend's members that did not reach the barrier while
    it holds (members: the bitmask pvsr took when the suspend began)."""
    if not str(p.get("barrier", "")).endswith("HOLD"):
        return []
    members = p.get("fields", {}).get("members")
    return [s for s in p.get("slots", [])[1:]
            if is_member(members, s["vcpu"])
            and str(s.get("state_name", "")).split("_")[-1] not in ("PARKED",)]


def summarize(vcpus, pvsrs):
    lines = []
    by_vcpu = {v["vcpu"]: v for v in vcpus}
    for p in pvsrs:
        if "error" in p:
            lines.append("pvsr state %s: %s" % (p.get("variable"), p["error"]))
            continue
        line = "pvsr (%s): barrier %s, generation %s" % (
            p["variable"], p.get("barrier"), p.get("generation"))
        states = ", ".join("vCPU %d %s" % (s["vcpu"], s.get("state_name", s.get("state")))
                           for s in p.get("slots", [])[1:])
        if states:
            line += "; slots: " + states
        lines.append(line)
        for s in not_parked(p):
            v = by_vcpu.get(s["vcpu"])
            where = " <- ".join(f.get("symbol", "%#x" % f["addr"])
                                for f in (v["backtrace"][:4] if v else []))
            lines.append("vCPU %d NOT PARKED (barrier holds)%s" % (
                s["vcpu"], (": at " + where) if where else ""))
    for v in vcpus:
        top = v["backtrace"][0] if v["backtrace"] else {}
        lines.append("vCPU %d %s: rip %s%s" % (
            v["vcpu"], "online" if v["online"] else "down",
            top.get("symbol", "%#x" % v["regs"]["rip"]),
            (" (%s:%d)" % (top["file"], top["line"])) if "file" in top else ""))
    return lines


def report_text(d):
    out = ["pvsr core report: %s" % d["core"],
           "guest ELF %s; Xen %s, dump format %#x; %d vCPU context(s), %d pages"
           % (d["guest"], d["xen_version"], d["format_version"] or 0, d["nr_vcpus"],
              d["nr_pages"]),
           "", "== summary"] + ["  " + s for s in d["summary"]]
    for v in d["vcpus"]:
        r = v["regs"]
        out += ["", "== vCPU %d (%s; %s; context #%d, flags %#x)"
                % (v["vcpu"], "online" if v["online"] else "down (not VGCF_online)",
                   v["vcpu_from"], v["index"], v["flags"]),
                "  RIP %04x:%016x RFLAGS %016x upcall_mask %d"
                % (r["cs"], r["rip"], r["rflags"], r["saved_upcall_mask"]),
                "  RSP %04x:%016x RBP %016x kernel_sp %016x"
                % (r["ss"], r["rsp"], r["rbp"], v["kernel_sp"]),
                "  RAX %016x RBX %016x RCX %016x RDX %016x"
                % (r["rax"], r["rbx"], r["rcx"], r["rdx"]),
                "  RSI %016x RDI %016x R8  %016x R9  %016x"
                % (r["rsi"], r["rdi"], r["r8"], r["r9"]),
                "  R10 %016x R11 %016x R12 %016x R13 %016x"
                % (r["r10"], r["r11"], r["r12"], r["r13"]),
                "  R14 %016x R15 %016x CR2 %016x CR3 %016x"
                % (r["r14"], r["r15"], v["cr2"], v["cr3"]),
                "  fs_base %016x gs_base_kernel %016x gs_base_user %016x"
                % (v["fs_base"], v["gs_base_kernel"], v["gs_base_user"]),
                "  backtrace (frame pointers):"]
        out += ["    " + frame_text(f) for f in v["backtrace"]]
    for p in d["pvsr"]:
        out += ["", "== pvsr state (%s)" % p.get("variable")]
        if "error" in p:
            out.append("  " + p["error"])
            continue
        out.append("  barrier %s, generation %s, resume_kind %s, busy %s, nr_vcpus %s"
                   % (p.get("barrier"), p.get("generation"), p.get("resume_kind"),
                      p["fields"].get("busy"), p["fields"].get("nr_vcpus")))
        for h in p.get("hooks", []):
            out.append("  hook %s: %s" % (
                (h.get("name") or {}).get("string", "?"),
                " ".join("%s=%s" % (k, v.get("symbol", "%#x" % v["addr"]))
                         for k, v in sorted(h.items())
                         if k != "name" and isinstance(v, dict) and "addr" in v)))
        for s in p.get("slots", []):
            jb = s.get("jb") if isinstance(s.get("jb"), dict) else {}
            extra = {k: v for k, v in s.items()
                     if k not in ("jb", "vcpu", "state_name", "state")}
            out.append("  slot %d: state %s (%s) %s" % (
                s["vcpu"], s.get("state_name"), json.dumps(s.get("state")),
                json.dumps(extra, sort_keys=True)))
            if jb:
                out.append("    jmp_buf " + " ".join(
                    "%s=%#x" % (k, jb[k]) for k in jb if isinstance(jb[k], int)))
        ev = p.get("evtchns")
        if ev is not None:
            out.append("  event-channel registry:")
            if "error" in ev:
                out.append("    " + ev["error"])
            for e in ev.get("entries", []):
                h = e.get("handler") or {}
                out.append("    port %-5s %-24s vCPU %-3s index %-3s handler %s" % (
                    e.get("port"), e.get("kind"), e.get("vcpu"), e.get("index"),
                    h.get("symbol", "%#x" % h.get("addr", 0))))
        tr = p.get("trace")
        if tr is None:
            out.append("  trace: no buffer attached")
        elif "error" in tr:
            out.append("  trace: " + tr["error"])
        else:
            out.append("  trace: %d event(s) claimed, buffer of %d; last %d:"
                       % (tr["claimed"], tr["size"], len(tr["events"])))
            for e in tr["events"]:
                out.append("    [%4d] t=%s vCPU %s %s arg=%s" % (
                    e["index"], e.get("ns"), e.get("vcpu"),
                    e.get("kind_name") or e.get("kind"), e.get("arg")))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the harness
# Cores of another guest than pvsr's (scenarios.sh dump_guest).
FOREIGN_CORE_PREFIX = "foreign-"


def cores_in(logs):
    """out/cores/guest-TAG.core files of a run, oldest first."""
    d = os.path.join(logs, "out", "cores")
    try:
        names = sorted(n for n in os.listdir(d) if n.endswith(".core"))
    except OSError:
        return []
    paths = [os.path.join(d, n) for n in names]
    return sorted(paths, key=os.path.getmtime)


def harness_reports(logs, elf, keep_cores=True):
    """Read every core dom0 dumped in this run: core-TAG.txt and
    core-TAG.json in the logs folder; returns the records for result.json
    ({"tag", "core", "report", "json", "summary"} or {"tag", "error"}).
    Without keep_cores (a run that passed) the dump files are deleted."""
    out = []
    for path in cores_in(logs):
        tag = os.path.basename(path)[len("guest-"):-len(".core")]
        rec = {"tag": tag, "core": path}
        if tag.startswith(FOREIGN_CORE_PREFIX):
            # Kept for crash(8) or gdb, not read as a pvsr guest.
            rec["summary"] = "another guest's core: not read by pvsr-core"
        else:
            _read_into(rec, logs, tag, path, elf)
        if not keep_cores:
            os.unlink(path)
            rec["core"] = None
        out.append(rec)
    return out


def _read_into(rec, logs, tag, path, elf):
    """pvsr-core's report of one core, into rec (or rec["error"])."""
    try:
        d = read(path, elf)
    except CoreError as e:
        rec["error"] = "reading %s: %s" % (path, e)
    else:
        rec["report"] = os.path.join(logs, "core-%s.txt" % tag)
        rec["json"] = os.path.join(logs, "core-%s.json" % tag)
        with open(rec["report"], "w") as f:
            f.write(report_text(d))
        with open(rec["json"], "w") as f:
            json.dump(d, f, indent=1)
            f.write("\n")
        rec["summary"] = d["summary"]
        rec["not_parked"] = [s["vcpu"] for p in d["pvsr"] for s in not_parked(p)]
        rec["stuck"] = [{"vcpu": v["vcpu"], "backtrace": v["backtrace"]}
                        for v in d["vcpus"] if v["vcpu"] in rec["not_parked"]]
        rec["barrier"] = [p.get("barrier") for p in d["pvsr"]]
