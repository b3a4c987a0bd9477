# SPDX-License-Identifier: GPL-2.0
"""core.py (scripts/pvsr-core) on a synthetic xl dump-core of the built
test guest: the guest image mapped through 4-level page tables whose
machine frames differ from the pseudo-physical ones, pvsr's state set in
its memory (barrier holding, vCPU 1 not parked), two vCPU contexts with
frame-pointer chains. The real dump is read in selftest --e2e; this one
checks the reader's logic offline, and that it refuses what it must.

The test knows the test guest's variable names (guest_pvsr, ...) to plant
the state; the reader does not (it finds them by type)."""
import os
import struct
import subprocess
import tempfile
import unittest

from pvsr_harness import core

HERE = os.path.dirname(os.path.abspath(__file__))
ELF = os.path.join(HERE, "..", "..", "build", "test-guest", "pvsr-guest")
PAGE = 4096
MFN_BASE = 0x5000          # machine frame = pfn + MFN_BASE


def gdb_values(exprs):
    out = subprocess.run(["gdb", "-batch", "-nx"] +
                         sum((["-ex", "print/d " + e] for e in exprs), []) + [ELF],
                         capture_output=True, text=True, check=True).stdout
    vals = [int(line.split("=", 1)[1].split()[-1]) for line in out.splitlines()
            if line.startswith("$")]
    assert len(vals) == len(exprs), out
    return dict(zip(exprs, vals))


def symbols():
    out = subprocess.run(["nm", ELF], capture_output=True, text=True,
                         check=True).stdout
    return {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines())
            if len(p) == 3}


class Image:
    """Guest pages by pfn, page tables, and an xl dump-core writer."""

    def __init__(self):
        self.pages = {}
        text, loads = core.elf_image(ELF)
        with open(ELF, "rb") as f:
            data = f.read()
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        self.va0 = loads[0][0]
        self.va_pfn = {}
        for i in range(phnum):
            p_type, _, off, vaddr, _, filesz, memsz, _ = struct.unpack_from(
                "<IIQQQQQQ", data, phoff + i * phentsize)
            if p_type != 1:
                continue
            blob = data[off:off + filesz] + bytes(memsz - filesz)
            for o in range(0, memsz, PAGE):
                pfn = (vaddr + o - self.va0) // PAGE
                self.va_pfn[vaddr + o] = pfn
                self.pages[pfn] = bytearray(blob[o:o + PAGE].ljust(PAGE, b"\0"))
        self.next_pfn = max(self.pages) + 1

    def new_page(self):
        pfn = self.next_pfn
        self.next_pfn += 1
        self.pages[pfn] = bytearray(PAGE)
        return pfn

    def map_all(self):
        """Kernel page tables for the image; returns CR3 (a machine address)."""
        l4 = self.new_page()
        tables = {}
        for va, pfn in self.va_pfn.items():
            parent = l4
            for shift in (39, 30, 21):
                idx = (va >> shift) & 511
                key = (parent, idx)
                if key not in tables:
                    tables[key] = self.new_page()
                    struct.pack_into("<Q", self.pages[parent], idx * 8,
                                     ((tables[key] + MFN_BASE) << 12) | 0x67)
                parent = tables[key]
            struct.pack_into("<Q", self.pages[parent], ((va >> 12) & 511) * 8,
                             ((pfn + MFN_BASE) << 12) | 0x63)
        return (l4 + MFN_BASE) << 12

    def poke(self, va, fmt, *vals):
        pfn = self.va_pfn[va & ~(PAGE - 1)]
        struct.pack_into(fmt, self.pages[pfn], va & (PAGE - 1), *vals)

    def write_dump(self, path, contexts, ctx_size):
        c = core.xen_constants()
        pfns = sorted(self.pages)

        def note(typ, desc):
            return struct.pack("<III", 4, len(desc), typ) + b"Xen\0" + desc
        notes = (note(c["XEN_ELFNOTE_DUMPCORE_NONE"], b"") +
                 note(c["XEN_ELFNOTE_DUMPCORE_HEADER"],
                      struct.pack("<QQQQ", 0xF00FEBED, len(contexts), len(pfns), PAGE)) +
                 note(c["XEN_ELFNOTE_DUMPCORE_XEN_VERSION"],
                      struct.pack("<QQ", 4, 17) + b".5".ljust(16, b"\0")) +
                 note(c["XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION"], struct.pack("<Q", 1)))
        prstatus = b"".join(bytes(ctx).ljust(ctx_size, b"\0") for ctx in contexts)
        p2m = b"".join(struct.pack("<QQ", p, p + MFN_BASE) for p in pfns)
        pages = b"".join(bytes(self.pages[p]) for p in pfns)
        names = [b"", b".shstrtab", b".note.Xen", b".xen_prstatus", b".xen_p2m",
                 b".xen_pages"]
        strtab = b"\0".join(names) + b"\0"
        name_off = [strtab.index(n + b"\0") if n else 0 for n in names]
        blobs = [strtab, notes, prstatus, p2m, pages]
        off = 64
        offs = []
        body = b""
        for b in blobs:
            pad = (-off) % (PAGE if b is pages else 8)
            body += bytes(pad)
            off += pad
            offs.append(off)
            body += b
            off += len(b)
        shoff = off + ((-off) % 8)
        body += bytes(shoff - off)
        sh = bytes(64)
        for i, b in enumerate(blobs):
            sh += struct.pack("<IIQQQQIIQQ", name_off[i + 1], 3 if i == 0 else 1, 0, 0,
                              offs[i], len(b), 0, 0, 8, 0)
        ehdr = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
                struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 0, shoff, 0, 64, 0, 0,
                            64, len(blobs) + 1, 1))
        with open(path, "wb") as f:
            f.write(ehdr + body + sh)


class CoreReaderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(ELF):
            raise AssertionError("build the guest first (make): %s is missing" % ELF)
        cls.sym = symbols()
        cls.lay = core.run_gdb(ELF, {"op": "layout"})["vcpu_guest_context"]
        cls.v = gdb_values([
            "PVSR_BARRIER_HOLD", "PVSR_EVTCHN_VIRQ", "sizeof(struct pvsr_vcpu_slot)",
            "PVSR_BARRIER_GEN_SHIFT", "PVSR_SLOT_GEN_SHIFT", "PVSR_VCPU_PARKED",
            "sizeof(struct guest_cpu)", "sizeof(struct pvsr_evtchn)"] + [
            "&((struct pvsr *)0)->%s" % f for f in
            ("barrier", "generation", "nr_vcpus", "slots", "evtchns", "trace",
             "members")] + [
            "&((struct pvsr_evtchn *)0)->%s" % f for f in ("kind", "port", "handler")] + [
            "&((struct pvsr_vcpu_slot *)0)->state"])

    def context(self, rip, rbp, rsp, gs, cr3):
        f = self.lay["fields"]
        buf = bytearray(self.lay["size"])
        for name, val in (("user_regs.rip", rip), ("user_regs.rbp", rbp),
                          ("user_regs.rsp", rsp), ("gs_base_kernel", gs),
                          ("flags", core.xen_constants()["VGCF_online"])):
            off, size = f[name][0], f[name][1]
            buf[off:off + size] = val.to_bytes(size, "little")
        off, size = f["ctrlreg"][0], f["ctrlreg"][1]
        buf[off + 3 * size:off + 4 * size] = cr3.to_bytes(size, "little")
        return buf

    def make_dump(self, d, corrupt_text=False):
        s, v = self.sym, self.v
        img = Image()
        cr3 = img.map_all()
        p = s["guest_pvsr"]
        # Suspend 7 holds; vCPUs 1 and 2 take part. vCPU 2 parked in it;
        # vCPU 1's slot still says "parked" from suspend 6, which must not
        # count: it has not parked in this one.
        img.poke(p + v["&((struct pvsr *)0)->barrier"], "<I",
                 7 << v["PVSR_BARRIER_GEN_SHIFT"] | v["PVSR_BARRIER_HOLD"])
        img.poke(p + v["&((struct pvsr *)0)->generation"], "<I", 7)
        img.poke(p + v["&((struct pvsr *)0)->members"], "<Q", 0b110)
        img.poke(p + v["&((struct pvsr *)0)->nr_vcpus"], "<I", 3)
        img.poke(p + v["&((struct pvsr *)0)->slots"], "<Q", s["guest_slots"])
        img.poke(p + v["&((struct pvsr *)0)->evtchns"], "<Q", s["guest_evtchns"])
        img.poke(p + v["&((struct pvsr *)0)->trace"], "<Q", 0)
        slot1 = s["guest_slots"] + v["sizeof(struct pvsr_vcpu_slot)"]
        img.poke(slot1 + v["&((struct pvsr_vcpu_slot *)0)->state"], "<I",
                 6 << v["PVSR_SLOT_GEN_SHIFT"] | v["PVSR_VCPU_PARKED"])
        slot2 = slot1 + v["sizeof(struct pvsr_vcpu_slot)"]
        img.poke(slot2 + v["&((struct pvsr_vcpu_slot *)0)->state"], "<I",
                 7 << v["PVSR_SLOT_GEN_SHIFT"] | v["PVSR_VCPU_PARKED"])
        e = s["guest_evtchns"]   # entry[0]
        img.poke(e + v["&((struct pvsr_evtchn *)0)->kind"], "<i", v["PVSR_EVTCHN_VIRQ"])
        img.poke(e + v["&((struct pvsr_evtchn *)0)->port"], "<I", 3)
        img.poke(e + v["&((struct pvsr_evtchn *)0)->handler"], "<Q", s["on_timer"])
        # vCPU 1: in guest_park_handler, called from scenario_main.
        stack = s["guest_vcpu_stacks"] + 0x2000
        img.poke(stack, "<QQ", 0, s["scenario_main"] + 0x20)
        gs1 = s["guest_cpus"] + v["sizeof(struct guest_cpu)"]
        ctxs = [self.context(s["scenario_main"] + 4, 0, stack - 64, s["guest_cpus"], cr3),
                self.context(s["guest_park_handler"] + 5, stack, stack - 16, gs1, cr3)]
        if corrupt_text:
            for va in (img.va0 + 2 * PAGE, img.va0 + 3 * PAGE):
                img.poke(va, "<Q", 0xdeadbeefdeadbeef)
        path = os.path.join(d, "guest.core")
        img.write_dump(path, ctxs, self.lay["size"])
        return path

    def test_reads_vcpus_backtraces_and_pvsr_state(self):
        with tempfile.TemporaryDirectory() as d:
            r = core.read(self.make_dump(d), ELF)
        self.assertEqual(r["xen_version"], "4.17.5")
        v = {x["vcpu"]: x for x in r["vcpus"]}
        self.assertEqual(sorted(v), [0, 1])
        self.assertEqual(v[1]["vcpu_from"], "gs_base_kernel -> guest_cpus[1]")
        bt = v[1]["backtrace"]
        self.assertEqual([f.get("function") for f in bt],
                         ["guest_park_handler", "scenario_main"])
        self.assertEqual(bt[0]["symbol"], "guest_park_handler+0x5")
        # file:line from the ELF's line table (an inlined helper's header
        # is as right as the function's own file).
        self.assertTrue(os.path.exists(bt[0]["file"]), bt[0])
        self.assertGreater(bt[0]["line"], 0, bt[0])
        (p,) = r["pvsr"]
        self.assertEqual(p["variable"], "guest_pvsr")
        self.assertEqual(p["barrier"], "PVSR_BARRIER_HOLD")
        self.assertEqual(p["generation"], 7)
        self.assertEqual([s["vcpu"] for s in core.not_parked(p)], [1])
        # The member set as 128-vCPU builds lay it out: words of 64.
        self.assertTrue(core.is_member([0, 1], 64))
        self.assertFalse(core.is_member([0b110, 0], 0))
        self.assertTrue(core.is_member([0b110, 0], 2))
        self.assertFalse(core.is_member([0b110], 65))
        self.assertTrue(core.is_member({"array": 2}, 3))   # unreadable
        (ent,) = p["evtchns"]["entries"]
        self.assertEqual((ent["port"], ent["kind"], ent["handler"]["symbol"]),
                         (3, "PVSR_EVTCHN_VIRQ", "on_timer+0x0"))
        self.assertIsNone(p["trace"])
        self.assertIn("vCPU 1 NOT PARKED (barrier holds): at guest_park_handler+0x5 "
                      "<- scenario_main+0x20", r["summary"])
        text = core.report_text(r)
        self.assertIn("port 3", text)
        self.assertIn("trace: no buffer attached", text)

    def test_refuses_another_build(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.make_dump(d, corrupt_text=True)
            with self.assertRaisesRegex(core.CoreError, "does not match the dump"):
                core.read(path, ELF)

    def test_refuses_a_file_that_is_no_dump(self):
        with self.assertRaisesRegex(core.CoreError, "not an xl dump-core"):
            core.read(ELF, ELF)


class HarnessReportsTest(unittest.TestCase):
    def test_another_guests_core_is_kept_not_read(self):
        with tempfile.TemporaryDirectory() as logs:
            cores = os.path.join(logs, "out", "cores")
            os.makedirs(cores)
            for tag in ("foreign-linux-domu-end", "end"):
                with open(os.path.join(cores, "guest-%s.core" % tag), "wb") as f:
                    f.write(b"not a dump")
            recs = {r["tag"]: r for r in core.harness_reports(logs, "/nonexistent")}
            self.assertNotIn("error", recs["foreign-linux-domu-end"])
            self.assertIn("another guest's core",
                          recs["foreign-linux-domu-end"]["summary"])
            # The pvsr guest's core is read, and this one is no dump.
            self.assertIn("error", recs["end"])
            recs = core.harness_reports(logs, "/nonexistent", keep_cores=False)
            self.assertEqual([r["core"] for r in recs], [None, None])
            self.assertEqual(os.listdir(cores), [])


class CoreCliTest(unittest.TestCase):
    TOOL = os.path.join(HERE, "..", "pvsr-core")

    def test_help(self):
        p = subprocess.run([self.TOOL, "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--guest ELF", p.stdout)

    def test_unreadable_dump_is_exit_1_with_the_reason(self):
        p = subprocess.run([self.TOOL, "/nonexistent.core", "--guest", ELF],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("opening the dump /nonexistent.core", p.stderr)


if __name__ == "__main__":
    unittest.main()
