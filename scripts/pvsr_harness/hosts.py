# SPDX-License-Identifier: GPL-2.0
"""`harness run --hosts 2`: two Xen hosts, the guest moving between them.

Two QEMU instances (host A and host B), each booting Xen and its own dom0
from the cached image, joined by a private network that stays on this
machine: QEMU's socket netdev in UDP mode on 127.0.0.1, one virtio NIC per
dom0 (A is 10.77.0.1, B 10.77.0.2). No root network setup on the host.

Host B really differs from A: it starts --b-delay seconds later (so Xen's
system time differs by that much), has another amount of memory (--mem-b,
so the guest's machine frames differ) and, with --xen-b VERSION, runs
another Debian build of Xen 4.17 (fetched once into the cache folder).

The host drives both dom0s: each dom0 runs scripts/dom0/job/agent.sh, which
executes the command files this module writes into its job folder
(cmd/N.sh) and answers with out/agent/N.rc; every dom0 command still goes
through `step`, so each host has its own replayable out/commands.log. The
guest is created on host A; each cycle moves it (or checkpoints it) and the
next one starts from wherever it is. Transport: busybox nc over TCP between
the dom0s (xl migrate -s nc-transport.sh; save images sent the same way).

The guest runs with pvsr.scenario=two-host, in which its own resume checks
accept either return of the suspend hypercall; the harness checks every
cycle's return from the guest's pvsr-report line instead (0 after a move,
1 after a checkpoint or a move that failed and was cancelled).
"""
import argparse
import gzip
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from .common import HarnessError, Progress, REPO_ROOT, rel
from . import cycles as cyclesmod
from . import job as jobmod
from . import ktap
from . import xlcfg
from .run import (EXIT_FAIL, EXIT_INFRA, EXIT_PASS, Run, _read, _tail,
                  guest_logs, parse_xl_info)

# Scenario name -> what the help says. Cycles alternate between the hosts.
TWO_HOST_SCENARIOS = {
    "migrate-2host": "live migration A -> B -> A ... (xl migrate over TCP "
                     "between the dom0s, or virsh migrate --live with "
                     "--control libvirt), one move per cycle",
    "save-restore-2host": "save on the host the guest is on, send the image "
                          "to the other dom0 over TCP, restore it there; one "
                          "move per cycle",
    "checkpoint-migrate-2host": "odd cycles checkpoint the guest where it is "
                                "(xl save -c), even cycles live-migrate it to "
                                "the other host",
}
GUEST_SCENARIO = "two-host"
# The harness writes the machine's time into pvsr/host-time after every
# cycle (agent.sh host_time): the guest's resume_K_time_hosts compares.
GUEST_ARGS = ["pvsr.host_time=1"]
NET_PREFIX = "10.77.0"
HOST_NAMES = ("A", "B")
HOST_IP = {"A": NET_PREFIX + ".1", "B": NET_PREFIX + ".2"}
HOST_MAC = {"A": "52:54:00:77:00:0a", "B": "52:54:00:77:00:0b"}
XEN_PACKAGE = "xen-hypervisor-4.17-amd64"


class _Prefixed:
    """A Progress that prefixes every line with the host's name."""

    def __init__(self, progress, prefix):
        self.progress, self.prefix = progress, prefix

    def elapsed(self):
        return self.progress.elapsed()

    def __call__(self, msg):
        self.progress(self.prefix + msg)


def _free_udp_ports(n):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def net_args(me, port_me, port_peer):
    """QEMU arguments of one end of the private network."""
    return ["-netdev", "socket,id=pvsrnet,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d"
            % (port_peer, port_me),
            "-device", "virtio-net-pci,netdev=pvsrnet,mac=%s" % HOST_MAC[me]]


def replace_arg(cmd, flag, value):
    """cmd with the value after `flag` replaced (the flag must be there)."""
    i = cmd.index(flag)
    return cmd[:i + 1] + [value] + cmd[i + 2:]


# -- another Xen build for host B -------------------------------------------
def xen_build_dir(cache_root, version):
    return os.path.join(os.path.abspath(cache_root), "xen-builds",
                        version.replace("/", "_"))


def fetch_xen_build(cache_root, version, progress):
    """Debian's xen-hypervisor-4.17-amd64 VERSION, unpacked once into the
    cache folder: (path of the multiboot ELF, its .config text). apt-get
    download needs the suite that has VERSION in the host's apt sources
    (bookworm-security for 4.17.7)."""
    d = xen_build_dir(cache_root, version)
    xen = os.path.join(d, "xen")
    cfg = os.path.join(d, "xen.config")
    if os.path.isfile(xen) and os.path.isfile(cfg):
        progress("Xen build %s cached: %s" % (version, rel(xen)))
        return xen, _read(cfg)
    progress("fetching %s=%s for host B (apt-get download)" % (XEN_PACKAGE, version))
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(["apt-get", "download", "%s=%s" % (XEN_PACKAGE, version)],
                             cwd=tmp, capture_output=True, text=True)
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        if res.returncode != 0 or len(debs) != 1:
            raise HarnessError(
                "--xen-b %s: `apt-get download %s=%s` failed (exit %d): %s "
                "(`apt-cache policy %s` lists the versions apt knows)"
                % (version, XEN_PACKAGE, version, res.returncode,
                   (res.stderr or res.stdout).strip()[-300:], XEN_PACKAGE))
        root = os.path.join(tmp, "root")
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), root], check=True)
        boot = os.path.join(root, "boot")
        gz = [f for f in os.listdir(boot) if f.startswith("xen-") and f.endswith(".gz")]
        conf = [f for f in os.listdir(boot) if f.startswith("xen-") and
                f.endswith(".config")]
        if len(gz) != 1 or len(conf) != 1:
            raise HarnessError("--xen-b %s: expected one boot/xen-*.gz and one "
                               "boot/xen-*.config in %s, found %s"
                               % (version, debs[0], sorted(os.listdir(boot))))
        os.makedirs(d, exist_ok=True)
        with gzip.open(os.path.join(boot, gz[0])) as src, open(xen + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        shutil.copyfile(os.path.join(boot, conf[0]), cfg)
        os.rename(xen + ".tmp", xen)
    progress("Xen build %s unpacked: %s" % (version, rel(xen)))
    return xen, _read(cfg)


def shadow_paging(config_text):
    return "CONFIG_SHADOW_PAGING=y" in config_text.splitlines()


# -- one host ---------------------------------------------------------------
class HostDown(Exception):
    pass


class Host:
    """One QEMU + Xen + dom0, its Run (reused for QEMU, the serial line and
    the marks) and the command channel to its dom0 agent."""

    def __init__(self, name, run):
        self.name = name
        self.run = run
        self.ncmd = 0
        self.thread = None
        self.t_start_epoch = None
        self.xen_package = None
        self.shadow = None
        self.qemu_mib = None

    @property
    def jobdir(self):
        return self.run.logs

    def start(self):
        self.t_start_epoch = time.time()
        self.run.start()
        if self.run.proc:
            self.thread = threading.Thread(target=self.run.watch, daemon=True)
            self.thread.start()

    def alive(self):
        return bool(self.thread and self.thread.is_alive())

    def wait_mark(self, mark, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if mark in self.run.marks:
                return True
            if not self.alive():
                return False
            time.sleep(0.2)
        return False

    def cmd(self, snippet, timeout):
        """Run one shell snippet in this dom0's agent; its exit status."""
        self.ncmd += 1
        d = os.path.join(self.jobdir, "cmd")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "%d.sh" % self.ncmd)
        with open(path + ".tmp", "w") as f:
            f.write("# from the host harness (hosts.py), host %s\n%s\n"
                    % (self.name, snippet))
        os.rename(path + ".tmp", path)
        rcpath = os.path.join(self.jobdir, "out", "agent", "%d.rc" % self.ncmd)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(rcpath) as f:
                    return int(f.read().strip() or "1")
            except (OSError, ValueError):
                pass
            if not self.alive():
                raise HostDown("host %s: QEMU ended while dom0 ran `%s` (last "
                               "phase: %s)" % (self.name, snippet, self.run.phase))
            if time.monotonic() > deadline:
                raise HostDown("host %s: dom0 did not finish `%s` within %d s"
                               % (self.name, snippet, timeout))
            time.sleep(0.2)

    def steps(self):
        return jobmod.read_steps(self.jobdir)

    def step(self, name):
        for s in reversed(self.steps()):
            if s["name"] == name:
                return s
        return None

    def step_tail(self, name, n=4):
        s = self.step(name)
        return " | ".join(_tail(s["output"], n)) if s else "(no output)"

    def result(self):
        return jobmod.read_result(self.jobdir)

    def logs(self):
        return {"serial": self.run.serial_log,
                "xl_dmesg": os.path.join(self.jobdir, "xl-dmesg.log"),
                "commands": os.path.join(self.jobdir, "out", "commands.log"),
                "folder": self.jobdir}


# -- the run ------------------------------------------------------------------
class TwoHostRun:
    def __init__(self, args, progress=None):
        self.args = args
        self.progress = progress or Progress()
        self.errors = []
        self.infra = False
        self.cycles = []
        self.where = "A"
        self.after_failure = None

    def fail(self, msg, infra=False):
        if msg not in self.errors:
            self.errors.append(msg)
        if infra and len(self.errors) == 1:
            self.infra = True

    def note(self, msg):
        self.progress(msg)

    # -- preparing both hosts -------------------------------------------------
    def prepare(self):
        a = self.args
        if a.logs:
            self.logs = os.path.abspath(a.logs)
        else:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.logs = os.path.join(REPO_ROOT, "build", "harness", "%s-%dv-%s"
                                     % (a.scenario, a.vcpus, stamp))
        os.makedirs(self.logs, exist_ok=True)
        ports = _free_udp_ports(2)
        port = dict(zip(HOST_NAMES, ports))
        xen_b = None
        if a.xen_b:
            xen_b = fetch_xen_build(a.cache, a.xen_b, self.progress)
            k = self.first_live_send_from_b()
            if not shadow_paging(xen_b[1]) and k:
                raise HarnessError(
                    "--xen-b %s has no shadow paging (CONFIG_SHADOW_PAGING is "
                    "not set): Xen cannot put a PV guest in log-dirty mode on "
                    "host B, so cycle %d (live migration B -> A) cannot work. "
                    "Such a build can receive: use save-restore-2host, or "
                    "fewer cycles" % (a.xen_b, k))
        self.hosts = {}
        for name in HOST_NAMES:
            ha = argparse.Namespace(**vars(a))
            ha.logs = os.path.join(self.logs, "host-" + name.lower())
            ha.scenario = "migrate"      # a valid one-host job; replaced below
            ha.timeout = a.timeout
            r = Run(ha, _Prefixed(self.progress, "%s: " % name))
            r.prepare()
            h = Host(name, r)
            peer = "B" if name == "A" else "A"
            cmd = r.cmd + net_args(name, port[name], port[peer])
            h.qemu_mib = a.mem_a if name == "A" else a.mem_b
            cmd = replace_arg(cmd, "-m", str(h.qemu_mib))
            if a.control == "libvirt":
                # libvirt's libxl driver finds no CPU model for qemu64.
                cmd = replace_arg(cmd, "-cpu", "Westmere")
            h.xen_package = r.manifest.get("xen_package_version")
            h.shadow = bool(r.manifest.get("shadow_paging"))
            if name == "B" and xen_b:
                cmd = replace_arg(cmd, "-kernel", xen_b[0])
                h.xen_package = a.xen_b
                h.shadow = shadow_paging(xen_b[1])
            r.cmd = cmd
            with open(os.path.join(ha.logs, "qemu-cmdline.txt"), "w") as f:
                f.write(" ".join(_q(c) for c in cmd) + "\n")
            self.write_job(h)
            self.hosts[name] = h
        self.note("%s, %d vCPU(s), %d MiB guest, control %s; host A %d MiB Xen %s, "
                  "host B %d MiB Xen %s starting %d s later; logs %s"
                  % (a.scenario, a.vcpus, a.memory, a.control,
                     self.hosts["A"].qemu_mib, self.hosts["A"].xen_package,
                     self.hosts["B"].qemu_mib, self.hosts["B"].xen_package,
                     a.b_delay, rel(self.logs)))

    def write_job(self, h):
        a = self.args
        cfg = xlcfg.render(kernel=jobmod.DOM0_JOB + "/pvsr-guest", memory_mib=a.memory,
                           vcpus=a.vcpus,
                           extra=xlcfg.guest_cmdline(GUEST_SCENARIO, a.cycles,
                                                     GUEST_ARGS + list(a.guest_arg),
                                                     vcpus=a.vcpus))
        with open(os.path.join(h.jobdir, "guest.cfg"), "w") as f:
            f.write(cfg)
        script = jobmod.job_script("migrate", a.vcpus, a.cycles, a.guest_timeout,
                                   a.guest_timeout)
        script = script.replace("run_scenario migrate\n",
                                "HOST_NAME=%s\nCONTROL=%s\n. /job/agent.sh\n. /job/libvirt.sh\n"
                                "agent_main\n" % (h.name, a.control))
        with open(os.path.join(h.jobdir, "job.sh"), "w") as f:
            f.write(script)

    # -- driving them -----------------------------------------------------------
    def on(self, name, snippet, timeout=None):
        return self.hosts[name].cmd(snippet, timeout or self.args.guest_timeout + 120)

    def ready(self, name, deadline):
        h = self.hosts[name]
        if not h.wait_mark("agent-ready", max(1, deadline - time.monotonic())):
            r = h.run
            if "toolstack-up" not in r.marks:
                why = "Xen/dom0 did not bring the toolstack up (last phase: %s)" % r.phase
            else:
                why = "dom0's agent did not start (last phase: %s)" % r.phase
            raise HostDown("host %s: %s" % (name, why))

    def explain(self, name, step):
        """Why a step on host `name` failed, from its output and result.txt."""
        h = self.hosts[name]
        res = h.result()
        if "failed_waiting_for" in res:
            return ("host %s: the guest did not reach xenstore state %s"
                    % (name, res["failed_waiting_for"]))
        s = res.get("failed_step", step)
        return "host %s: step %s failed: %s" % (name, s, h.step_tail(s))

    def orchestrate(self):
        a = self.args
        A, B = self.hosts["A"], self.hosts["B"]
        A.start()
        t0 = time.monotonic()
        # Host A boots and creates the guest while B waits its turn. B's
        # QEMU is started from this thread: the QEMU child dies with the
        # thread that started it (PR_SET_PDEATHSIG), so never from a worker.
        first = {}

        def host_a_first():
            try:
                self.ready("A", t0 + a.boot_timeout)
                if self.on("A", "net_up %s" % HOST_IP["A"]):
                    raise HostDown(self.explain("A", "net-up"))
                if a.control == "libvirt" and self.on("A", "libvirt_up"):
                    raise HostDown(self.explain("A", "libvirtd"))
                first["created"] = not self.on(
                    "A", "create_%s && wait_state ready" % a.control)
            except HostDown as e:
                first["down"] = e

        worker = threading.Thread(target=host_a_first, daemon=True)
        worker.start()
        worker.join(timeout=max(0, t0 + a.b_delay - time.monotonic()))
        if "down" in first:
            raise first["down"]
        B.start()
        interrupted = False
        try:
            worker.join()
            if "down" in first:
                raise first["down"]
            if not first.get("created"):
                self.fail(self.explain("A", "create"))
                return
            self.ready("B", t0 + a.b_delay + a.boot_timeout)
            if self.on("B", "net_up %s" % HOST_IP["B"]):
                raise HostDown(self.explain("B", "net-up"))
            if a.control == "libvirt":
                if self.on("B", "libvirt_up"):
                    raise HostDown(self.explain("B", "libvirtd"))
            if self.on("A", "net_reach %s" % HOST_IP["B"]):
                raise HostDown(self.explain("A", "net-reach"))
            for k in range(1, a.cycles + 1):
                if not self.cycle(k):
                    break
            if self.after_failure is None or self.after_failure.get("alive"):
                if self.on(self.where, "finish_guest"):
                    self.fail(self.explain(self.where, "shutdown"))
        except KeyboardInterrupt:
            interrupted = True      # stop the QEMUs at once (run())
            raise
        finally:
            for name in HOST_NAMES:
                h = self.hosts[name]
                if interrupted:
                    break
                worker.join()
                if h.alive() and "agent-ready" in h.run.marks:
                    try:
                        h.cmd("agent_stop", 300)
                    except HostDown as e:
                        self.fail(str(e), infra=True)

    def first_live_send_from_b(self):
        """The first cycle that live-migrates from host B, or None."""
        where = "A"
        for k in range(1, self.args.cycles + 1):
            op = self.op_of(k)
            if op == "checkpoint":
                continue
            if op == "migrate" and where == "B":
                return k
            where = "B" if where == "A" else "A"
        return None

    def op_of(self, k):
        s = self.args.scenario
        if s == "migrate-2host":
            return "migrate"
        if s == "save-restore-2host":
            return "save-restore"
        return "checkpoint" if k % 2 else "migrate"

    def cycle(self, k):
        """One cycle; False when the run must stop (the failure is recorded)."""
        op = self.op_of(k)
        src = self.where
        dst = src if op == "checkpoint" else ("B" if src == "A" else "A")
        rec = {"cycle": k, "op": op, "from": src, "to": dst, "moved": False,
               "expected_return": 1 if op == "checkpoint" else 0,
               "control": self.args.control}
        self.cycles.append(rec)
        self.note("cycle %d: %s, host %s -> host %s" % (k, op, src, dst))
        ctl = self.args.control
        if op == "checkpoint":
            if self.on(src, "checkpoint_%s %d" % (ctl, k)) or self.on(
                    src, "host_time %d %d && wait_state 'resumed %d'"
                    % (k, time.time_ns(), k)):
                self.fail(self.explain(src, "checkpoint-%d" % k))
                return False
            rec["moved"] = None
            return True
        if op == "migrate":
            ok = self.move_migrate(k, src, dst)
        else:
            ok = self.move_save_restore(k, src, dst)
        if ok is None:
            return False
        if not ok:
            return self.stayed(k, src, dst, rec)
        rec["moved"] = True
        self.where = dst
        if self.on(src, "left_host %d" % k):
            self.fail(self.explain(src, "left-%d" % k))
        if self.on(dst, "arrived %d %d" % (k, time.time_ns())):
            self.fail(self.explain(dst, "wait-resumed-%d" % k))
            return False
        return True

    def move_migrate(self, k, src, dst):
        """True moved, False the sender failed (the guest should still be on
        src), None something else failed."""
        ctl = self.args.control
        if ctl == "libvirt":
            rc = self.on(src, "migrate_libvirt %d %s" % (k, HOST_IP[dst]))
            if rc:
                self.fail("live migration %d, host %s -> host %s: %s"
                          % (k, src, dst, self.explain(src, "migrate-%d" % k)))
                return False
            return True
        if self.on(dst, "recv_migrate_listen %d" % k):
            self.fail(self.explain(dst, "listen-%d" % k), infra=True)
            return None
        rc = self.on(src, "send_migrate %d %s" % (k, HOST_IP[dst]))
        rrc = self.on(dst, "recv_migrate_end %d" % k)
        if rc:
            self.fail("live migration %d, host %s -> host %s: %s; the receiver "
                      "said: %s%s" % (k, src, dst, self.explain(src, "migrate-%d" % k),
                                      self.hosts[dst].step_tail("receive-%d" % k, 6),
                                      self.memory_note(dst)))
            return False
        if rrc:
            self.fail(self.explain(dst, "receive-%d" % k))
        return True

    def memory_note(self, name):
        """' (host B had N MiB free ...)' when the guest cannot fit there."""
        st = self.hosts[name].step("xl-info")
        free = _int(parse_xl_info(_read(st["output"])).get("free_memory")) if st else None
        if free is None or free >= self.args.memory:
            return ""
        return ("; host %s had %d MiB free (xl info at boot) for a %d MiB guest"
                % (name, free, self.args.memory))

    def move_save_restore(self, k, src, dst):
        ctl = self.args.control
        if self.on(src, "save_%s %d" % (ctl, k)):
            self.fail("save %d on host %s: %s" % (k, src,
                                                  self.explain(src, "save-%d" % k)))
            return False
        s = self.hosts[src].step("image-sum-%d" % k)
        words = _read(s["output"]).split() if s else []
        if not words or len(words[0]) != 64:
            self.fail("save %d on host %s: no sha256 of the image" % (k, src))
            return None
        if self.on(dst, "recv_image_listen %d" % k):
            self.fail(self.explain(dst, "listen-image-%d" % k), infra=True)
            return None
        rc = self.on(src, "send_image_to %d %s" % (k, HOST_IP[dst]))
        rrc = self.on(dst, "recv_image_end %d %s" % (k, words[0]))
        if rc or rrc:
            self.fail("save image %d, host %s -> host %s: %s" % (
                k, src, dst, self.explain(src if rc else dst,
                                          "send-image-%d" % k if rc else
                                          "receive-image-%d" % k)))
            return None
        if self.on(dst, "restore_%s %d" % (ctl, k)):
            self.fail("restore %d on host %s (image saved on host %s): %s%s"
                      % (k, dst, src, self.explain(dst, "restore-%d" % k),
                         self.memory_note(dst)))
            return None
        return True

    def stayed(self, k, src, dst, rec):
        """The move failed on the sender's side. Either the toolstack had
        suspended the guest and resumed it where it was (the suspend
        hypercall returns 1, the guest checks itself and reports "resumed
        K"), or the move failed in its live phase and the guest was never
        suspended (no report for cycle K). Either way it must still run on
        src and pass its checks (its final KTAP, at the power-off); the run
        fails anyway."""
        rec["to"] = src
        alive = (self.on(src, "still_here %d" % k) == 0 and
                 self.on(src, "host_time %d %d && was_suspended %d 60"
                         % (k, time.time_ns(), k, )) == 0)
        how = _read(os.path.join(self.hosts[src].jobdir, "out",
                                 "suspended-%d" % k)).strip()
        rec["suspended"] = {"yes": True, "no": False}.get(how)
        rec["expected_return"] = 1 if how == "yes" else None
        if how == "failed":
            alive = False
            self.fail("cycle %d: after the failed move the guest on host %s "
                      "reported 'failed' in xenstore" % (k, src))
        self.after_failure = {"host": src, "cycle": k, "alive": alive,
                              "suspended": rec["suspended"]}
        if alive:
            self.note("cycle %d: the guest is still on host %s and running (%s)"
                      % (k, src, "its suspend was cancelled, it resumed and "
                         "passed its checks" if how == "yes" else
                         "it was never suspended: the move failed in its "
                         "live phase"))
        elif not self.errors[1:]:
            self.fail(self.explain(src, "still-here-%d" % k))
        return False

    # -- verdict ----------------------------------------------------------------
    def judge(self):
        a = self.args
        for name in HOST_NAMES:
            h = self.hosts[name]
            r = h.run
            if h.thread:
                h.thread.join(timeout=600)
            if not r.proc:
                self.fail("host %s: QEMU did not start" % name, infra=True)
            elif "xen" not in r.marks:
                self.fail("host %s: Xen did not boot (no 'Xen version' on the "
                          "serial line; see %s)" % (name, rel(r.serial_log)), infra=True)
            elif "toolstack-up" not in r.marks:
                self.fail("host %s: dom0 toolstack did not come up (%s)"
                          % (name, r.failed_step_text()), infra=True)
            elif "job-done" not in r.marks:
                self.fail("host %s: dom0 job did not finish (last phase: %s)"
                          % (name, r.phase), infra=True)
            for msg in r.errors:
                self.fail("host %s: %s" % (name, msg), infra=True)
            st = h.step("xl-dmesg")
            if st and os.path.isfile(st["output"]):
                shutil.copyfile(st["output"], os.path.join(h.jobdir, "xl-dmesg.log"))
        self.guest_logs = []
        for name in HOST_NAMES:
            self.guest_logs += guest_logs(self.hosts[name].jobdir)
        texts = [_read(p) for p in self.guest_logs]
        self.ktap = ktap.parse(texts)
        created = self.hosts["A"].step("create")
        if created and created["rc"] == 0 and not any(t.strip() for t in texts):
            self.fail("guest printed nothing on its console")
        elif texts:
            for p in self.ktap.problems():
                self.fail("KTAP: " + p)
        self.reports = cyclesmod.parse(texts)
        # A failed move that never suspended the guest has no report.
        ran = len([c for c in self.cycles if c["expected_return"] is not None])
        want = {c["cycle"]: c["expected_return"] for c in self.cycles}
        if created and created["rc"] == 0:
            for p in cyclesmod.problems("migrate", ran, a.vcpus, self.reports,
                                        cyclesmod.offline_vcpus(a.guest_arg),
                                        want_return=want):
                self.fail(p)
            if len(self.cycles) < a.cycles and not self.errors:
                self.fail("only %d of %d cycles ran" % (ran, a.cycles))
        for c in self.cycles:
            c["guest"] = cyclesmod.guest_json(self.reports, c["cycle"])
            c["toolstack_s"] = self.toolstack_s(c)
            c["hosts"] = {n: dict(self.hosts[n].logs(),
                                  steps=self.cycle_steps(n, c["cycle"]))
                          for n in HOST_NAMES}
        if self.after_failure is not None:
            # What the guest's own checks said, at its power-off on the
            # host it never left (a short plan is expected: cycles were cut).
            self.after_failure["ktap_passed"] = self.ktap.passed
            self.after_failure["ktap_failed"] = self.ktap.failed
            self.after_failure["powered_off"] = (
                self.hosts[self.after_failure["host"]].result().get("outcome") == "gone")
        self.passed = not self.errors and self.ktap.ok

    def cycle_steps(self, name, k):
        sfx = "-%d" % k
        return [{"name": s["name"], "rc": s["rc"], "duration": s["duration"]}
                for s in self.hosts[name].steps() if s["name"].endswith(sfx)]

    def toolstack_s(self, c):
        k, src, dst = c["cycle"], c["from"], c["to"]
        names = {"migrate": ((src, "migrate-%d" % k),),
                 "checkpoint": ((src, "checkpoint-%d" % k),),
                 "save-restore": ((src, "save-%d" % k), (src, "send-image-%d" % k),
                                  (dst, "restore-%d" % k))}[c["op"]]
        total = 0.0
        for host, name in names:
            s = self.hosts[host].step(name)
            if s is None:
                return None
            total += s["duration"]
        return round(total, 2)

    def host_json(self, name):
        h = self.hosts[name]
        r = h.run
        st = h.step("xl-info")
        info = parse_xl_info(_read(st["output"])) if st else {}
        t_qemu = r.t_qemu

        def epoch(mark):
            if mark not in r.marks or t_qemu is None:
                return None
            return round(h.t_start_epoch + (r.marks[mark] - t_qemu), 2)

        return {
            "xen_package_version": h.xen_package,
            "xen_version_running": info.get("xen_version"),
            "xen_extra": info.get("xen_extra"),
            "shadow_paging": h.shadow,
            "qemu_memory_mib": h.qemu_mib,
            "xen_total_memory_mib": _int(info.get("total_memory")),
            "xen_free_memory_mib": _int(info.get("free_memory")),
            "ip": HOST_IP[name],
            "boot": {"qemu_start_epoch": round(h.t_start_epoch, 2)
                     if h.t_start_epoch else None,
                     "xen_boot_epoch": epoch("xen"),
                     "toolstack_up_epoch": epoch("toolstack-up")},
            "outcome": h.result().get("outcome"),
            "logs": h.logs(),
        }

    def to_json(self, total):
        a = self.args
        hosts = {n: self.host_json(n) for n in HOST_NAMES}
        xa = hosts["A"]["boot"]["xen_boot_epoch"]
        xb = hosts["B"]["boot"]["xen_boot_epoch"]
        d = {
            "scenario": a.scenario,
            "hosts": 2,
            "control": a.control,
            "vcpus": a.vcpus,
            "memory_mib": a.memory,
            "cycles_requested": a.cycles,
            "kernel": os.path.abspath(a.kernel),
            "passed": self.passed,
            "xen_versions": {n: hosts[n]["xen_version_running"] for n in HOST_NAMES},
            "xen_boot_offset_s": round(xb - xa, 2) if xa and xb else None,
            "host": hosts,
            "ktap": self.ktap.to_json(),
            "cycles": self.cycles,
            "after_failure": self.after_failure,
            "timings_s": {"total": round(total, 2)},
            "logs": {"folder": self.logs, "guest_all": self.guest_logs},
        }
        if not self.passed:
            d["error"] = "; ".join(self.errors) or "failed"
        return d


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _q(s):
    return shlex.quote(s)


def summary_lines(d):
    k = d["ktap"]
    out = ["summary: %s %s (2 hosts, %s), %d vCPU(s): KTAP %d passed, %d failed "
           "(plan %s); Xen A %s, B %s, B's Xen booted %s s after A's; total %.1f s"
           % ("PASS" if d["passed"] else "FAIL", d["scenario"], d["control"],
              d["vcpus"], k["passed"], k["failed"], k.get("planned"),
              d["xen_versions"]["A"], d["xen_versions"]["B"],
              d["xen_boot_offset_s"], d["timings_s"]["total"])]
    for c in d["cycles"]:
        g = c.get("guest")
        out.append("  cycle %d %s host %s -> host %s: toolstack %s s; guest %s"
                   % (c["cycle"], c["op"], c["from"], c["to"], c["toolstack_s"],
                      "no report" if not g else "return %s, total %.1f ms"
                      % (cyclesmod.return_text(g),
                         g["phase_ns"]["total"] / 1e6)))
    af = d.get("after_failure")
    if af:
        ok = af["alive"] and af.get("powered_off") and af.get("ktap_failed") == 0
        out.append("  after the failed cycle %d the guest on host %s %s (%s; "
                   "KTAP %s ok, %s not ok)"
                   % (af["cycle"], af["host"],
                      "still ran and passed its checks" if ok else
                      "did NOT run on and pass its checks",
                      {True: "its suspend was cancelled",
                       False: "it was never suspended"}.get(af.get("suspended"),
                                                            "suspend unknown"),
                      af.get("ktap_passed"), af.get("ktap_failed")))
    return out


def run(args):
    progress = Progress()
    r = TwoHostRun(args, progress)
    r.prepare()
    from .run import _sigterm
    old = signal.signal(signal.SIGTERM, _sigterm)
    done = False
    try:
        try:
            r.orchestrate()
        except HostDown as e:
            r.fail(str(e), infra=True)
        done = True
    finally:
        for h in r.hosts.values():
            if done and h.thread and h.alive():
                # dom0 powers off after agent_stop; give it time, then stop.
                h.thread.join(timeout=60)
            h.run.stop_qemu("harness exiting")
        signal.signal(signal.SIGTERM, old)
    r.judge()
    d = r.to_json(progress.elapsed())
    for path in filter(None, [os.path.join(r.logs, "result.json"), args.json]):
        with open(path, "w") as f:
            json.dump(d, f, indent=2)
            f.write("\n")
    for line in summary_lines(d):
        progress(line)
    if not r.passed:
        progress("FAILED: " + (r.errors[0] if r.errors else "KTAP"))
        for e in r.errors[1:]:
            progress("  also: " + e)
        progress("result: FAIL (%s)" % rel(args.json or os.path.join(r.logs,
                                                                      "result.json")))
        return EXIT_INFRA if r.infra else EXIT_FAIL
    progress("result: PASS (%s)" % rel(args.json or os.path.join(r.logs, "result.json")))
    return EXIT_PASS
