# SPDX-License-Identifier: GPL-2.0
"""`harness run`: boot Xen + dom0 under QEMU, run one scenario, judge it.

The host never guesses at timing: dom0's init and job script report each
phase and step as "PVSR-MARK: ..." lines on hvc0, which Xen copies to its
serial line (QEMU's stdout here); results come back through the 9p share
(the run's logs folder). Every wait is bounded: a hard timeout around QEMU,
a deadline for the toolstack, and bounded polls inside dom0.
"""
import json
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time

from .common import HarnessError, Progress, REPO_ROOT, rel
from . import backtrace as btmod
from . import compare as comparemod
from . import core as coremod
from . import cycles as cyclesmod
from . import job as jobmod
from . import ktap
from . import snoop as snoopmod
from .setup import Cache, DOM0_INIT
from .xlcfg import GUEST_NAME

EXIT_PASS = 0
EXIT_FAIL = 1          # the guest or a test failed (or crashed, or hung)
EXIT_INFRA = 3         # harness, QEMU, Xen or dom0 trouble: no verdict on the guest

XEN_ARGS = ("dom0_mem=1024M,max:1024M console=com1 com1=115200 loglvl=all "
            "guest_loglvl=all smap=0 smep=0")
DOM0_ARGS = "root=/dev/vda rw console=hvc0 panic=1 init=%s pvsr.job=9p" % DOM0_INIT

# The nested host's memory (QEMU -m): dom0's fixed 1024 MiB, room for Xen
# (heap, frame table, the domains' page tables), and the guest, twice for a
# live migration on one host (sender and receiver both hold it).
HOST_MIB_MIN = 2048
HOST_MIB_DOM0 = 1024
HOST_MIB_XEN = 512
MIGRATING_SCENARIOS = ("migrate", "compare", "soak")


def host_memory_mib(scenario, guest_mib):
    """QEMU's -m for one host running SCENARIO with a GUEST_MIB guest."""
    copies = 2 if scenario in MIGRATING_SCENARIOS else 1
    return max(HOST_MIB_MIN, HOST_MIB_DOM0 + HOST_MIB_XEN + copies * guest_mib)

_MARK = re.compile(r"PVSR-MARK: (.*)")
_XEN_VERSION = re.compile(r"Xen version (\S+)")
_LINUX_VERSION = re.compile(r"Linux version (\S+)")
_FATAL = (
    (re.compile(r"Kernel panic - not syncing(.*)"), "dom0 kernel panic"),
    (re.compile(r"Panic on CPU \d+"), "Xen panic"),
    (re.compile(r"halting machine"), "Xen is halting the machine"),
    (re.compile(r"Xen BUG at"), "Xen BUG"),
)
# Steps worth a progress line when they start (the long ones).
_LOUD_STEP = re.compile(r"^(?:pvsr-|pvsr-noevt-|linux-)?"       # compare's guests
                        r"(create|unpause|wait|save|restore|checkpoint|migrate|"
                        r"remus|shutdown)")


def qemu_command(cache, jobdir, accel, qemu_args=(), xen_args=(), serial="stdio",
                 initrd="pvsr", memory_mib=HOST_MIB_MIN):
    if accel in ("auto", "tcg"):
        accel_args = ["-accel", "tcg,thread=single", "-cpu", "qemu64"]
    elif accel == "kvm":
        accel_args = ["-accel", "kvm", "-cpu", "host,-arch-capabilities"]
    else:
        raise HarnessError("unknown --accel %r" % accel)
    xen = " ".join([XEN_ARGS] + list(xen_args))
    # Multiboot modules are one comma-separated -initrd: "file args,file".
    modules = "%s %s,%s" % (cache.vmlinux, DOM0_ARGS,
                            cache.initrd_pvsr if initrd == "pvsr" else cache.initrd)
    return (["qemu-system-x86_64", "-machine", "pc"] + accel_args + [
        "-smp", "2", "-m", str(memory_mib), "-nodefaults", "-display", "none",
        "-no-reboot", "-monitor", "none", "-serial", serial,
        "-kernel", cache.xen, "-append", xen, "-initrd", modules,
        # snapshot=on: the cached image is never written; dom0's writes
        # (save images included) go to a throw-away overlay.
        "-drive", "file=%s,if=virtio,format=raw,snapshot=on" % cache.image,
        "-virtfs", "local,path=%s,mount_tag=pvsr,security_model=none,id=pvsr"
        % jobdir,
    ] + list(qemu_args))


def _die_with_parent():
    """In the QEMU child: get SIGKILL if the harness dies (even by SIGKILL),
    so no QEMU outlives its harness."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)       # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _sigterm(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


class SerialReader(threading.Thread):
    """Copies QEMU's stdout (Xen's serial: Xen + dom0 console) to a log,
    each line stamped with host seconds since QEMU started, and turns the
    lines that matter into events."""

    def __init__(self, stream, logpath, events):
        super().__init__(daemon=True)
        self.stream = stream
        self.logpath = logpath
        self.events = events
        self.tail = []

    def run(self):
        t0 = time.monotonic()
        with open(self.logpath, "w", errors="replace") as log:
            for raw in iter(self.stream.readline, b""):
                line = raw.decode("utf-8", "replace").replace("\r", "").rstrip("\n")
                # Host seconds since QEMU started: where boot time goes.
                log.write("[%8.3f] %s\n" % (time.monotonic() - t0, line))
                log.flush()
                self.tail = (self.tail + [line])[-60:]
                self.scan(line)
        self.events.put(("eof", None))

    def scan(self, line):
        m = _MARK.search(line)
        if m:
            self.events.put(("mark", m.group(1).strip()))
            return
        m = _XEN_VERSION.search(line)
        if m:
            self.events.put(("xen", m.group(1)))
        m = _LINUX_VERSION.search(line)
        if m:
            self.events.put(("linux", m.group(1)))
        for rx, what in _FATAL:
            if rx.search(line):
                self.events.put(("fatal", "%s: %s" % (what, line.strip())))


class StderrReader(threading.Thread):
    """Copies QEMU's stderr to a log; a KVM failure stops the VM without
    ending QEMU, so it is reported as fatal at once."""

    _FATAL = re.compile(r"KVM internal error|emulation failure|failed to set MSR")

    def __init__(self, stream, logpath, events):
        super().__init__(daemon=True)
        self.stream, self.logpath, self.events = stream, logpath, events

    def run(self):
        with open(self.logpath, "w", errors="replace") as log:
            for raw in iter(self.stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                log.write(line + "\n")
                log.flush()
                if self._FATAL.search(line):
                    self.events.put(("qemu-fatal", "QEMU: " + line.strip()))


def _tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()[-n:]
    except OSError:
        return []


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def guest_logs(jobdir, name=GUEST_NAME):
    """The guest's console logs: its own first, then --incoming ones (other
    guests of a compare run have their own names)."""
    d = os.path.join(jobdir, "out", "console")
    main = "guest-%s.log" % name
    try:
        names = sorted(n for n in os.listdir(d)
                       if n == main or (n.startswith("guest-%s--" % name)
                                        and n.endswith(".log")))
    except OSError:
        return []
    names.sort(key=lambda n: (n != main, n))
    return [os.path.join(d, n) for n in names]


_SHUTDOWN = re.compile(r"Domain (\d+) has shut down, reason code (\d+)")
SHUTDOWN_REASONS = {0: "poweroff", 1: "reboot", 2: "suspend", 3: "crash",
                    4: "watchdog", 5: "soft_reset"}


def parse_shutdowns(text):
    """xl's guest log -> ["suspend", ..., "poweroff"] (SHUTDOWN_* names)."""
    return [SHUTDOWN_REASONS.get(int(m.group(2)), "code %s" % m.group(2))
            for m in _SHUTDOWN.finditer(text)]


def runtime_xen_lines(text):
    """Xen log lines after its boot (where guest faults show up)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "Freed" in line and "init memory" in line:
            lines = lines[i + 1:]
            break
    return [line for line in lines if "PCI add device" not in line]


def parse_xl_info(text):
    info = {}
    for line in text.splitlines():
        k, sep, v = line.partition(":")
        if sep:
            info[k.strip()] = v.strip()
    return info


class ConsoleFollower:
    """New complete lines of the guest's console logs since the last call
    (written into the 9p share by xenconsoled, so visible on the host at
    once)."""

    def __init__(self, jobdir):
        self.jobdir = jobdir
        self.pos = {}
        self.partial = {}

    def new_lines(self):
        out = []
        for path in guest_logs(self.jobdir):
            try:
                with open(path, "rb") as f:
                    f.seek(self.pos.get(path, 0))
                    data = f.read()
            except OSError:
                continue
            if not data:
                continue
            self.pos[path] = self.pos.get(path, 0) + len(data)
            text = self.partial.get(path, "") + data.decode("utf-8", "replace")
            lines = text.split("\n")
            self.partial[path] = lines.pop()
            out += lines
        return out


class GuestTail(ConsoleFollower):
    """Reports the guest's KTAP results as they arrive."""

    _SHOW = re.compile(r"^\s*(?:not ok|ok) \d+|^\s*Bail out!|EXPECTATION FAILED|"
                       r"^\s*1\.\.\d+")

    def __init__(self, jobdir, say):
        super().__init__(jobdir)
        self.say = say

    def poll(self):
        for line in self.new_lines():
            line = line.replace("\r", "")
            if self._SHOW.search(line):
                self.say("guest: " + line.strip())


class Run:
    def __init__(self, args, progress=None):
        self.args = args
        self.progress = progress or Progress()
        self.host_mib = getattr(args, "host_memory", None) or host_memory_mib(
            args.scenario, args.memory)
        self.events = queue.Queue()
        self.errors = []          # failure reasons, most important first
        self.infra = False        # the failure is not the guest's
        self.phase = "starting QEMU"
        self.marks = {}
        self.t_qemu = None
        self.proc = None
        self.fatal = None

    # -- bookkeeping --------------------------------------------------------
    def fail(self, msg, infra=False):
        if msg not in self.errors:
            self.errors.append(msg)
        if infra and len(self.errors) == 1:
            self.infra = True

    def note(self, msg):
        self.progress(msg)

    # -- the run ------------------------------------------------------------
    def prepare(self):
        a = self.args
        self.cache = Cache(a.cache)
        self.manifest = self.cache.manifest()
        kernel = os.path.abspath(a.kernel)
        if not os.path.isfile(kernel):
            raise HarnessError("guest kernel %s does not exist: build it with "
                               "`make` (or pass --kernel)" % rel(kernel))
        with open(kernel, "rb") as f:
            if f.read(4) != b"\x7fELF":
                raise HarnessError("guest kernel %s is not an ELF file" % rel(kernel))
        self.kernel = kernel
        if a.logs:
            self.logs = os.path.abspath(a.logs)
        else:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            base = os.path.join(REPO_ROOT, "build", "harness",
                                "%s-%dv-%s" % (a.scenario, a.vcpus, stamp))
            self.logs, n = base, 1
            while os.path.exists(self.logs):     # two runs in one second
                n += 1
                self.logs = "%s-%d" % (base, n)
        if os.path.exists(os.path.join(self.logs, "out")):
            shutil.rmtree(os.path.join(self.logs, "out"))
        os.makedirs(self.logs, exist_ok=True)
        xs_conf = None
        if getattr(a, "xs_snoop", False):
            base = os.path.join(self.cache.rootfs, "etc", "xen", "oxenstored.conf")
            try:
                with open(base) as f:
                    xs_conf = snoopmod.config(f.read())
            except OSError as e:
                raise HarnessError("--xs-snoop: cannot read dom0's %s: %s" % (base, e))
        # remus and compare (compare.py): the window and the other guests.
        extra = {}
        if a.scenario in ("remus", "compare"):
            extra = {"remus_seconds": a.remus_seconds,
                     "remus_interval": a.remus_interval}
        if a.scenario == "compare":
            extra.update(comparemod.prepare_job(self.logs, a, self.cache))
        self.cfg = jobmod.prepare(self.logs, kernel, a.scenario, a.vcpus, a.memory,
                                  a.cycles, a.guest_timeout, a.guest_timeout,
                                  a.guest_arg, ramdisk=a.ramdisk,
                                  stall_dump=getattr(a, "stall_dump", jobmod.STALL_DUMP_S),
                                  xs_snoop_conf=xs_conf,
                                  max_vcpus=getattr(a, "max_vcpus", None), **extra)
        self.serial_log = os.path.join(self.logs, "serial.log")
        self.cmd = qemu_command(self.cache, self.logs, a.accel, a.qemu_arg, a.xen_arg,
                                initrd=a.dom0_initrd, memory_mib=self.host_mib)
        with open(os.path.join(self.logs, "qemu-cmdline.txt"), "w") as f:
            f.write(" ".join(shlex.quote(c) for c in self.cmd) + "\n")
        self.note("scenario %s, %d vCPU(s), %d MiB, guest %s, host %d MiB, logs %s"
                  % (a.scenario, a.vcpus, a.memory, rel(kernel), self.host_mib,
                     rel(self.logs)))

    def start(self):
        self.stderr_path = os.path.join(self.logs, "qemu-stderr.log")
        open(self.stderr_path, "w").close()
        if self.args.accel == "kvm":
            self.note("warning: --accel kvm; this machine's KVM (kvm_pvm) cannot "
                      "run Xen, use tcg unless KVM is known to work here")
        self.t_qemu = time.monotonic()
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         preexec_fn=_die_with_parent)
        except OSError as e:
            self.fail("QEMU failed to start: %s (run `scripts/harness setup` to "
                      "install qemu-system-x86)" % e, infra=True)
            self.proc = None
            self.rc_qemu = -1
            return
        self.note("QEMU started (pid %d, accel %s)" % (self.proc.pid,
                                                      "tcg" if self.args.accel == "auto"
                                                      else self.args.accel))
        self.reader = SerialReader(self.proc.stdout, self.serial_log, self.events)
        self.reader.start()
        self.err_reader = StderrReader(self.proc.stderr, self.stderr_path, self.events)
        self.err_reader.start()

    def stop_qemu(self, why):
        if self.proc and self.proc.poll() is None:
            self.note("stopping QEMU: %s" % why)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def on_mark(self, mark):
        word, _, rest = mark.partition(" ")
        self.marks.setdefault(word, time.monotonic())
        if word == "initrd-start":
            self.phase = "dom0 initramfs"
            self.note("dom0 initramfs started")
        elif word == "init-start":
            self.phase = "dom0 init (9p share, toolstack)"
            self.note("dom0 init started")
        elif word == "9p-ready":
            self.note("dom0 mounted the job share")
        elif word == "toolstack-up":
            self.phase = "dom0 job"
            self.note("dom0 toolstack up")
        elif word == "toolstack-failed":
            self.fail("dom0 toolstack did not come up (%s)" % self.failed_step_text(),
                      infra=True)
        elif word == "dom0-fail":
            self.fail("dom0 init failed: " + rest, infra=True)
        elif word == "step-begin":
            parts = rest.split()
            if len(parts) >= 2 and _LOUD_STEP.match(parts[1]):
                self.phase = "step %s" % parts[1]
                self.note("%s ..." % parts[1])
        elif word == "step-end":
            parts = rest.split()
            if len(parts) >= 4:
                self.note("%s: exit %s (%s s)" % (parts[1], parts[2][3:], parts[3][4:]))
        elif word == "guest-domid":
            self.note("guest %s is domain %s" % (GUEST_NAME, rest))
        elif word == "scenario-start":
            self.phase = "scenario %s" % rest
        elif word == "scenario-end":
            self.phase = "collecting logs"
        elif word == "job-done":
            self.phase = "dom0 power-off"
            self.note("dom0 job done (%s), powering off" % rest)
        elif word == "soak":
            # scripts/dom0/job/soak.sh: cycles, faults, a stop.
            self.note("soak: " + rest)

    def watch(self):
        a = self.args
        deadline = self.t_qemu + a.timeout
        boot_deadline = self.t_qemu + a.boot_timeout
        eof = False
        fatal_at = None
        tail = GuestTail(self.logs, self.note)
        while True:
            tail.poll()
            try:
                kind, val = self.events.get(timeout=0.5)
            except queue.Empty:
                kind, val = None, None
            now = time.monotonic()
            if kind == "eof":
                eof = True
            elif kind == "xen":
                self.marks.setdefault("xen", now)
                self.phase = "Xen booting"
                self.note("Xen %s booting" % val)
            elif kind == "linux":
                if "dom0_kernel" not in self.marks:
                    self.marks["dom0_kernel"] = now
                    self.phase = "dom0 kernel booting"
                    self.note("dom0 kernel %s booting" % val)
            elif kind == "mark":
                self.on_mark(val)
            elif kind in ("fatal", "qemu-fatal"):
                self.note("FATAL: %s" % val)
                self.fatal = self.fatal or val
                self.fail(val, infra=True)
                # Xen reboots itself 5 s after a panic (QEMU then exits);
                # a VM that QEMU stopped (KVM error) never goes on.
                grace = 20 if kind == "fatal" else 2
                fatal_at = min(fatal_at or now + grace, now + grace)
            if eof and self.proc.poll() is not None:
                break
            if eof:
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.stop_qemu("serial closed but QEMU still running")
                break
            if now > deadline:
                self.fail("timeout: the run did not finish within %d s (--timeout); "
                          "last phase: %s" % (a.timeout, self.phase),
                          infra="toolstack-up" not in self.marks)
                self.stop_qemu("timeout")
                break
            if "toolstack-up" not in self.marks and now > boot_deadline:
                self.fail("Xen/dom0 did not bring the toolstack up within %d s "
                          "(--boot-timeout); last phase: %s" % (a.boot_timeout,
                                                                 self.phase),
                          infra=True)
                self.stop_qemu("boot timeout")
                break
            if fatal_at and now > fatal_at:
                self.stop_qemu("fatal error and QEMU did not exit")
                break
        tail.poll()
        self.reader.join(timeout=5)
        self.rc_qemu = self.proc.wait()
        self.err_reader.join(timeout=5)
        self.note("QEMU exited (status %d)" % self.rc_qemu)

    def failed_step_text(self):
        for s in jobmod.read_steps(self.logs):
            if s["rc"] != 0:
                out = _tail(s["output"], 3)
                return "step %s exited %d%s" % (s["name"], s["rc"],
                                               (": " + " | ".join(out)) if out else "")
        return "no failed step recorded"

    # -- verdict ------------------------------------------------------------
    def judge(self):
        a = self.args
        logs = self.logs
        self.steps = jobmod.read_steps(logs)
        self.result = jobmod.read_result(logs)
        step = {s["name"]: s for s in self.steps}
        serial = _read(self.serial_log)
        if not serial.strip():
            err = " ".join(_tail(self.stderr_path, 5))
            self.fail("QEMU failed to start or printed nothing (exit %d)%s"
                      % (self.rc_qemu, (": " + err) if err else ""), infra=True)
        elif not _XEN_VERSION.search(serial):
            self.fail("Xen did not boot (no 'Xen version' on the serial line)",
                      infra=True)
        elif "init-start" not in self.marks:
            self.fail("dom0 did not reach its init (kernel or initramfs trouble; "
                      "see %s)" % rel(self.serial_log), infra=True)
        elif "toolstack-up" not in self.marks:
            self.fail("dom0 toolstack did not come up (%s)" % self.failed_step_text(),
                      infra=True)
        elif "job-done" not in self.marks:
            self.fail("dom0 job did not finish (last phase: %s)" % self.phase,
                      infra=True)

        outcome = self.result.get("outcome")
        if outcome == "create-failed":
            out = _tail(step.get("create", {}).get("output", ""), 8)
            self.fail("xl create failed: " + " | ".join(out))
        elif outcome == "crashed":
            self.fail("guest crashed (domain left in state crashed)")
        elif outcome == "timeout":
            self.fail("guest did not power off within %d s (hang?)" % a.guest_timeout)
        elif outcome == "xl-failed":
            name = self.result.get("failed_step", "?")
            out = _tail(step.get(name, {}).get("output", ""), 5)
            why = self.result.get("failed_why")
            self.fail("xl %s failed: %s" % (name, (why + "; its last lines: " if why else "")
                                             + " | ".join(out)))
        elif outcome == "guest-failed":
            waited = self.result.get("failed_waiting_for", "?")
            if waited.endswith("(state 'failed')"):
                self.fail("guest reported 'failed' in xenstore while dom0 waited "
                          "for state %s" % waited[:-len(" (state 'failed')")])
            else:
                self.fail("guest never reached xenstore state %s within %d s"
                          % (waited, a.guest_timeout))
        elif "failed_waiting_for" in self.result:
            how = {"gone": "powered off", "crashed": "crashed"}.get(outcome, "was")
            self.fail("guest %s before reaching xenstore state %s"
                      % (how, self.result["failed_waiting_for"]))
        elif outcome == "gone" and self.result.get("scenario_rc", "0") != "0":
            self.fail("scenario exited %s" % self.result.get("scenario_rc"))
        self.shutdowns = parse_shutdowns(_read(step["xl-guest-log"]["output"])) \
            if "xl-guest-log" in step else []
        if "shutdown_reason" in self.result:
            # The guest stayed shut down (no xl watching it): dom0 read the
            # reason code from xl list -v.
            code = self.result["shutdown_reason"]
            self.shutdowns.append(SHUTDOWN_REASONS.get(int(code), "code " + code)
                                  if code.isdigit() else "code " + code)
        if outcome == "gone" and self.shutdowns and self.shutdowns[-1] != "poweroff":
            # on_reboot="destroy" makes a reboot look like a power-off to xl list.
            self.fail("guest shut down with reason %s, not poweroff" % self.shutdowns[-1])
        elif outcome is None and "job-done" in self.marks:
            self.fail("dom0 job reported no outcome", infra=True)

        self.guest_logs = guest_logs(logs)
        texts = [_read(p) for p in self.guest_logs]
        self.ktap = ktap.parse(texts)
        guest_ran = "create" in step and step["create"]["rc"] == 0
        if guest_ran and not any(t.strip() for t in texts):
            self.fail("guest printed nothing on its console")
        elif guest_ran or texts:
            for p in self.ktap.problems():
                self.fail("KTAP: " + p)
        elif not self.errors:
            self.fail("the guest never ran")

        # The guest's own figures for each toolstack cycle.
        self.reports = cyclesmod.parse(texts)
        self.cycles = cyclesmod.cycles_json(a.scenario, a.cycles, self.reports,
                                            self.steps)
        if guest_ran:
            extra = (getattr(a, "max_vcpus", None) or a.vcpus) - a.vcpus
            for p in cyclesmod.problems(a.scenario, a.cycles, a.vcpus + extra,
                                        self.reports,
                                        cyclesmod.offline_vcpus(a.guest_arg) + extra):
                self.fail(p)
            for p in cyclesmod.request_problems(
                    a.cycles if a.scenario in cyclesmod.OPS else 0, self.reports,
                    cyclesmod.suspend_channel_on(a.guest_arg)):
                self.fail(p)
        self.control_bogus = self.judge_control_bogus()
        self.judge_remus_compare(texts)
        self.hotplug = self.judge_hotplug(texts)

        # Copies with obvious names at the top of the logs folder.
        self.xen_log = os.path.join(logs, "xl-dmesg.log")
        if "xl-dmesg" in step and os.path.isfile(step["xl-dmesg"]["output"]):
            shutil.copyfile(step["xl-dmesg"]["output"], self.xen_log)
        else:
            self.xen_log = self.serial_log
        self.passed = not self.errors and self.ktap.ok

    def judge_remus_compare(self, texts):
        """remus: the window's checkpoints, each a cycle to judge; compare:
        every guest's cycles (compare.py)."""
        a = self.args
        self.remus = self.compare = None
        if a.scenario == "remus":
            self.remus, probs = comparemod.judge_remus(a, self.result, self.reports,
                                                       texts)
        elif a.scenario == "compare":
            self.compare, probs = comparemod.judge_compare(
                a, self.result, self.steps, self.logs,
                lambda name: [_read(p) for p in guest_logs(self.logs, name)])
            comparemod.cleanup_job(self.logs)
        else:
            return
        if "create" in {s["name"] for s in self.steps}:
            for p in probs:
                self.fail(p)

    def judge_control_bogus(self):
        """save-restore writes an unknown control/shutdown value first: the
        guest must report it (data/pvsr/error) and leave it in the node."""
        if self.args.scenario != "save-restore":
            return None
        res = self.result
        if "control_bogus_reported" not in res:
            if not self.errors:     # nothing else explains why
                self.fail("the unknown control/shutdown check did not run")
            return None
        d = {"value": cyclesmod.BOGUS_REQUEST,
             "reported": res["control_bogus_reported"] == "yes",
             "left_in_node": res.get("control_bogus_left") == "yes"}
        if "control_bogus_node" in res:
            d["node"] = res["control_bogus_node"]
        if not d["reported"]:
            self.fail("control/shutdown = '%s': the guest did not report the "
                      "unknown value in data/pvsr/error" % d["value"])
        elif not d["left_in_node"]:
            self.fail("control/shutdown = '%s': the guest acknowledged (cleared) "
                      "an unknown value; the node held '%s' afterwards"
                      % (d["value"], d.get("node", "?")))
        return d

    def judge_hotplug(self, texts):
        """Scenario hotplug: xl vcpu-set took the guest's extra vCPUs up and
        down across a checkpoint and a save/restore (dom0 waited for each
        change in xl vcpu-list), and a request for a vCPU of the workloads'
        ring was refused while it kept running."""
        if self.args.scenario != "hotplug":
            return None
        res = self.result
        d = {"transitions": cyclesmod.hotplug_lines(texts),
             "summary": cyclesmod.hotplug_summary(texts),
             "running_after_refused_set": res.get("vcpus_after_refused_set")}
        if self.errors:
            return d
        # vcpu-set 1 asks every vCPU but 0 to go: the extra one goes, the
        # ring's stay.
        want = str(self.args.vcpus)
        if d["running_after_refused_set"] != want:
            self.fail("hotplug: after `xl vcpu-set 1` %s vCPU(s) ran, want %s "
                      "(the guest keeps its ring vCPUs, the extra one goes)"
                      % (d["running_after_refused_set"], want))
        s = d["summary"]
        if s is None:
            self.fail("hotplug: the guest printed no hotplug summary")
        elif s["downs"] < 2 or s["ups"] < 3 or s["refused"] < 1:
            self.fail("hotplug: the guest took %d vCPU(s) down, brought %d up and "
                      "refused %d request(s); want at least 2, 3 and 1"
                      % (s["downs"], s["ups"], s["refused"]))
        return d

    def read_cores(self):
        """The guest cores dom0 dumped (crash, hang, stall in a suspend):
        scripts/pvsr-core's report of each into the logs folder."""
        self.cores = []
        if not coremod.cores_in(self.logs):
            return
        self.note("reading %d guest core dump(s) with pvsr-core"
                  % len(coremod.cores_in(self.logs)))
        # The copy dom0 ran (the build folder may have changed since).
        self.cores = coremod.harness_reports(self.logs,
                                             os.path.join(self.logs, "pvsr-guest"),
                                             keep_cores=not self.passed)
        for c in self.cores:
            if "error" not in c:
                continue
            # A stall dump of a guest that then went on and passed is
            # diagnostics only: a reader failure there is a warning.
            if self.passed:
                self.note("warning: core reader: " + c["error"])
            else:
                self.fail("core reader: " + c["error"])

    def read_xs_snoop(self):
        """--xs-snoop: dom0 copied oxenstored's access log(s) into
        out/xenstore/; keep the guest's part as xenstore-snoop.log."""
        self.xs_snoop = None
        if not getattr(self.args, "xs_snoop", False):
            return
        domids = []
        for s in self.steps:
            if s["name"] == "domid":
                v = _read(s["output"]).strip()
                if v.isdigit() and int(v) not in domids:
                    domids.append(int(v))
        if not domids:
            self.fail("--xs-snoop: the guest never had a domain id")
            return
        try:
            self.xs_snoop = snoopmod.snoop(os.path.join(self.logs, "out", "xenstore"),
                                           domids,
                                           os.path.join(self.logs, "xenstore-snoop.log"))
        except (OSError, ValueError) as e:
            self.fail("--xs-snoop: %s" % e)
            return
        self.note("xenstore snoop: %d line(s) for domain(s) %s in %s" % (
            self.xs_snoop["lines"], ",".join(map(str, domids)),
            rel(self.xs_snoop["file"])))
        for p in snoopmod.problems(self.xs_snoop, self.args.scenario, self.args.cycles,
                                   channel=cyclesmod.suspend_channel_on(
                                       self.args.guest_arg)):
            self.fail(p)

    def build_backtrace(self):
        """A failed run's one backtrace across guest, pvsr, dom0 and xl."""
        self.backtrace = None
        if self.passed:
            return
        step = {s["name"]: s for s in self.steps}
        xl_log = _read(step["xl-guest-log"]["output"]) if "xl-guest-log" in step else ""
        try:
            self.backtrace = btmod.build(
                [_read(p) for p in self.guest_logs], self.steps, self.result,
                os.path.join(self.logs, "pvsr-guest"),
                os.path.join(self.logs, "out", "commands.log"), self.cores, xl_log)
        except RuntimeError as e:
            self.fail("backtrace record: %s" % e)

    def report_failure(self):
        p = self.progress
        p("FAILED: " + self.errors[0] if self.errors else "FAILED")
        for e in self.errors[1:]:
            p("  also: " + e)
        if getattr(self, "backtrace", None):
            print("\n".join(btmod.lines(self.backtrace)))
        for c in getattr(self, "cores", []):
            print("---- guest core %s: %s ----" % (
                c["tag"], rel(c["report"]) if "report" in c else "unreadable"))
            print("\n".join(c.get("summary") or [c.get("error", "")]))
        if self.guest_logs:
            for path in self.guest_logs:
                lines = _tail(path, 40)
                print("---- guest console %s (last %d lines) ----" % (rel(path), len(lines)))
                print("\n".join(lines))
        xl_dmesg = runtime_xen_lines(_read(self.xen_log))[-40:]
        print("---- xl dmesg %s: last %d lines after Xen's own boot ----"
              % (rel(self.xen_log), len(xl_dmesg)))
        print("\n".join(xl_dmesg) if xl_dmesg else "(nothing after boot)")
        for s in self.steps:
            if s["name"].startswith("xenctx-v"):
                print("---- %s -a <domid> %s (%s) ----" % (
                    "xenctx", s["name"][len("xenctx-v"):], rel(s["output"])))
                print(_read(s["output"]).rstrip())
        if "toolstack-up" not in self.marks:
            print("---- serial (Xen + dom0 console), last lines ----")
            print("\n".join(_tail(self.serial_log, 40)))
        print("---- commands: %s" % rel(os.path.join(self.logs, "out", "commands.log")))

    def to_json(self, total):
        a = self.args
        step = {s["name"]: s for s in self.steps}
        xl_info = parse_xl_info(_read(step["xl-info"]["output"])) if "xl-info" in step else {}
        tool_up = self.marks.get("toolstack-up")
        d = {
            "scenario": a.scenario,
            "vcpus": a.vcpus,
            "memory_mib": a.memory,
            "host_memory_mib": self.host_mib,
            "cycles_requested": a.cycles,
            "kernel": self.kernel,
            "xen_version": self.manifest.get("xen_package_version"),
            "xen_version_running": xl_info.get("xen_version"),
            "shadow_paging": bool(self.manifest.get("shadow_paging")),
            "dom0_kernel": self.manifest.get("dom0_kernel"),
            "accel": "tcg" if a.accel == "auto" else a.accel,
            "passed": self.passed,
            "outcome": self.result.get("outcome"),
            "domid": self.result.get("domid"),
            "shutdown_reasons": self.shutdowns,
            "ktap": self.ktap.to_json(),
            "cycles": self.cycles,
            "control_bogus": self.control_bogus,
            "remus": getattr(self, "remus", None),
            "compare": getattr(self, "compare", None),
            "hotplug": getattr(self, "hotplug", None),
            "timings_s": {
                "qemu_to_toolstack": round(tool_up - self.t_qemu, 2) if tool_up else None,
                "create": step["create"]["duration"] if "create" in step else None,
                "total": round(total, 2),
                # Host seconds from QEMU's start to each phase.
                "phases": {k: round(self.marks[m] - self.t_qemu, 2)
                           for k, m in (("xen", "xen"), ("dom0_kernel", "dom0_kernel"),
                                        ("dom0_initramfs", "initrd-start"),
                                        ("dom0_init", "init-start"),
                                        ("toolstack_up", "toolstack-up"),
                                        ("job_done", "job-done"))
                           if m in self.marks},
                "steps": [{"name": s["name"], "rc": s["rc"], "duration": s["duration"]}
                          for s in self.steps],
            },
            "logs": {
                "folder": self.logs,
                "guest": self.guest_logs[0] if self.guest_logs else None,
                "guest_all": self.guest_logs,
                "xen": self.xen_log,
                "dom0": self.serial_log,
                "serial": self.serial_log,
                "commands": os.path.join(self.logs, "out", "commands.log"),
                "qemu_cmdline": os.path.join(self.logs, "qemu-cmdline.txt"),
            },
        }
        if self.errors or not self.passed:
            d["error"] = "; ".join(self.errors) or "failed"
        return d

    def extra_summary(self, d):
        """More summary lines (scripts/soak's counts); none here."""
        return []


def summary_lines(d, total):
    """The run's summary: one line, then one per cycle and the unknown
    control/shutdown check."""
    k = d["ktap"]
    t = d["timings_s"]
    out = ["summary: %s %s, %d vCPU(s): KTAP %d passed, %d failed, %d skipped "
           "(plan %s); toolstack %s s, create %s s, total %.1f s"
           % ("PASS" if d["passed"] else "FAIL", d["scenario"], d["vcpus"],
              k["passed"], k["failed"], k["skipped"], k.get("planned"),
              t["qemu_to_toolstack"], t["create"], total)]
    for c in d.get("cycles") or []:
        out.append("  " + cyclesmod.summary_line(c))
    r = d.get("remus")
    if r:
        out.append("  remus: %d checkpoints, %d after the first in %.1f s = %.2f per "
                   "second (-i %d ms), median downtime %s ms, the guest's "
                   "checks after each %s ms"
                   % (r["checkpoints"], r["window_checkpoints"], r["window_s"],
                      r["per_s"] or 0, r["interval_ms"], r["downtime_ms"],
                      r.get("checks_ms")))
    if d.get("compare"):
        out += ["  " + line for line in comparemod.summary_lines(d["compare"])]
    cb = d.get("control_bogus")
    if cb is not None:
        out.append("  control/shutdown '%s': %s, %s" % (
            cb["value"], "reported" if cb["reported"] else "NOT reported",
            "left in the node" if cb["left_in_node"] else "NOT left in the node"))
    return out


def _early_json(args, error):
    """A JSON record for a run that failed before QEMU started."""
    return {"scenario": args.scenario, "vcpus": args.vcpus,
            "memory_mib": args.memory, "cycles_requested": args.cycles,
            "cycles": [], "control_bogus": None,
            "xen_version": None, "shadow_paging": None,
            "accel": "tcg" if args.accel == "auto" else args.accel,
            "passed": False, "error": error,
            "ktap": {"passed": 0, "failed": 0, "skipped": 0, "tests": []},
            "timings_s": {"qemu_to_toolstack": None, "create": None, "total": 0.0},
            "logs": {}}


def run(args, make_run=None):
    """make_run: a Run subclass (scripts/soak's)."""
    progress = Progress()
    r = (make_run or Run)(args, progress)
    try:
        r.prepare()
    except HarnessError as e:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(_early_json(args, str(e)), f, indent=2)
                f.write("\n")
        raise
    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so QEMU is stopped.
    old_term = signal.signal(signal.SIGTERM, _sigterm)
    try:
        r.start()
        if r.proc:
            r.watch()
    finally:
        r.stop_qemu("harness exiting")
        signal.signal(signal.SIGTERM, old_term)
    r.judge()
    r.read_cores()
    r.read_xs_snoop()
    # A core or snoop that cannot be read fails the run, loudly.
    r.passed = r.passed and not r.errors
    r.build_backtrace()
    total = progress.elapsed()
    d = r.to_json(total)
    d["cores"] = r.cores
    if r.backtrace:
        d["backtrace"] = r.backtrace
    if r.xs_snoop is not None:
        d["xs_snoop"] = r.xs_snoop
    for path in filter(None, [os.path.join(r.logs, "result.json"), args.json]):
        with open(path, "w") as f:
            json.dump(d, f, indent=2)
            f.write("\n")
    for line in summary_lines(d, total) + r.extra_summary(d):
        progress(line)
    if not r.passed:
        r.report_failure()
        progress("result: FAIL (%s)" % rel(args.json or os.path.join(r.logs, "result.json")))
        return EXIT_INFRA if r.infra else EXIT_FAIL
    progress("result: PASS (%s)" % rel(args.json or os.path.join(r.logs, "result.json")))
    return EXIT_PASS
