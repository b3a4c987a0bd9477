# SPDX-License-Identifier: GPL-2.0
"""`harness setup`: host packages and the cached dom0 (Xen, kernel, root disk).

The cache is built in stages, each with a stamp holding a hash of its inputs,
so a rerun with a valid cache takes seconds and a change to scripts/dom0/
rebuilds only the disk image, never the debootstrap:

  rootfs/            debootstrap bookworm (main only) + pinned Xen 4.17.5+72
  xen, vmlinuz, initrd.img   boot files extracted from rootfs (xen gunzipped:
                     QEMU's -kernel wants multiboot1, not a gzip)
  vmlinux            dom0's kernel decompressed on the host (Python lzma):
                     Xen's dom0 builder needs ~8 s to unpack the xz bzImage
                     under TCG, loading the ELF is quick
  initrd-pvsr.img    a 6 MB initramfs (busybox, virtio + ext4 modules,
                     scripts/dom0/initrd/init) used instead of Debian's 35 MB
                     one, which is slow to copy and unpack under TCG
  dom0.img           ext4 root disk made from rootfs + scripts/dom0/
  manifest.json      versions, shadow paging, the stage keys
"""
import fcntl
import glob
import gzip
import hashlib
import json
import lzma
import os
import shutil
import subprocess

from .common import (DOM0_DIR, DOM0_ROOTFS_DIR, HarnessError, XEN_LIBDIR, XEN_PACKAGES,
                     XEN_PKG_VERSION, run_cmd)

# Bump when the way the cache is built changes.
SETUP_FORMAT = 1
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# gdb and binutils: the core reader (core.py) reads the guest's DWARF and
# symbols when a run dumps a guest's core.
HOST_PACKAGES = ("qemu-system-x86", "debootstrap", "e2fsprogs", "gzip", "gdb",
                 "binutils")
DOM0_PACKAGES = (
    "xen-hypervisor-4.17-amd64", "xen-utils-4.17", "xenstore-utils",
    "linux-image-amd64", "initramfs-tools", "busybox", "kmod", "udev",
    "iproute2", "procps",
    # --control libvirt: libvirtd with its libxl driver, and virsh.
    "libvirt-daemon", "libvirt-daemon-driver-xen", "libvirt-clients",
)
IMAGE_SIZE = "3G"
# Where scripts/dom0/ lands inside the dom0 root; init is its entry point.
DOM0_PVSR_DIR = "/pvsr"
DOM0_INIT = DOM0_PVSR_DIR + "/init"


def _sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def dom0_files():
    """(relative path, content) of everything baked from scripts/dom0/rootfs/."""
    out = []
    for root, dirs, files in os.walk(DOM0_ROOTFS_DIR):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out.append((os.path.relpath(p, DOM0_ROOTFS_DIR), fh.read()))
    return out


def rootfs_key():
    return _sha("rootfs", SETUP_FORMAT, SUITE, MIRROR, XEN_PKG_VERSION,
                *DOM0_PACKAGES)


DOM0_INITRD_INIT = os.path.join(DOM0_DIR, "initrd", "init")
# Modules dom0 needs to mount its root disk; dependencies come from
# modules.dep. crc32c first: ext4/jbd2 ask the crypto API for it and the
# initramfs has no modprobe to load it on demand.
INITRD_MODULES = ("crc32c_generic", "virtio_pci", "virtio_blk", "ext4")


def initrd_key():
    with open(DOM0_INITRD_INIT, "rb") as f:
        init = f.read()
    return _sha(rootfs_key(), "initrd", INITRD_MODULES, init)


def image_key():
    parts = [rootfs_key(), "image", IMAGE_SIZE]
    for name, data in dom0_files():
        parts += [name, data]
    return _sha(*parts)


class Cache:
    """Paths of one cache folder."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.rootfs = os.path.join(self.root, "rootfs")
        self.xen = os.path.join(self.root, "xen")
        self.vmlinuz = os.path.join(self.root, "vmlinuz")
        self.vmlinux = os.path.join(self.root, "vmlinux")
        self.initrd = os.path.join(self.root, "initrd.img")
        self.initrd_pvsr = os.path.join(self.root, "initrd-pvsr.img")
        self.image = os.path.join(self.root, "dom0.img")
        self.manifest_path = os.path.join(self.root, "manifest.json")
        self.stamps = os.path.join(self.root, "stamps")

    def stamp_ok(self, name, key):
        try:
            with open(os.path.join(self.stamps, name)) as f:
                return f.read().strip() == key
        except OSError:
            return False

    def write_stamp(self, name, key):
        os.makedirs(self.stamps, exist_ok=True)
        with open(os.path.join(self.stamps, name), "w") as f:
            f.write(key + "\n")

    def drop_stamp(self, name):
        try:
            os.unlink(os.path.join(self.stamps, name))
        except FileNotFoundError:
            pass

    def manifest(self):
        """The manifest of a complete, current cache; HarnessError otherwise."""
        try:
            with open(self.manifest_path) as f:
                m = json.load(f)
        except (OSError, ValueError):
            raise HarnessError(
                "no dom0 cache in %s: run `scripts/harness setup --cache %s` "
                "first" % (self.root, self.root))
        for p in (self.xen, self.vmlinuz, self.vmlinux, self.initrd, self.initrd_pvsr,
                  self.image):
            if not os.path.isfile(p):
                raise HarnessError("dom0 cache %s is incomplete (%s missing): "
                                   "run `scripts/harness setup`" % (self.root, p))
        if m.get("image_key") != image_key() or m.get("initrd_key") != initrd_key():
            raise HarnessError(
                "dom0 cache %s is stale (scripts/dom0/ or the setup recipe "
                "changed since it was built): run `scripts/harness setup`"
                % self.root)
        return m


def _dpkg_installed(pkg, root=None):
    argv = ["dpkg-query"]
    if root:
        argv += ["--admindir", os.path.join(root, "var/lib/dpkg")]
    argv += ["-W", "-f=${Status}\t${Version}", pkg]
    res = subprocess.run(argv, capture_output=True, text=True)
    if res.returncode != 0:
        return None
    status, _, version = res.stdout.partition("\t")
    return version if status.endswith(" installed") else None


def ensure_host_packages(progress):
    missing = [p for p in HOST_PACKAGES if not _dpkg_installed(p)]
    if not missing:
        progress("host packages present: " + " ".join(HOST_PACKAGES))
        return
    progress("installing host packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run_cmd(["apt-get", "update", "-q"], progress, env=env)
    run_cmd(["apt-get", "install", "-y", "-q", "--no-install-recommends"]
            + missing, progress, env=env)


def _chroot_apt(rootfs, args, progress):
    """apt-get inside the dom0 root (proc/sys/dev bound for maintainer scripts)."""
    mounts = []
    try:
        for src, dst, opts in (("proc", "proc", ["-t", "proc"]),
                               ("/sys", "sys", ["--bind"]),
                               ("/dev", "dev", ["--bind"])):
            target = os.path.join(rootfs, dst)
            run_cmd(["mount"] + opts + [src, target])
            mounts.append(target)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        return run_cmd(["chroot", rootfs, "apt-get"] + args, progress,
                       check=False, env=env)
    finally:
        for m in reversed(mounts):
            subprocess.run(["umount", "-l", m])


def build_rootfs(cache, progress):
    key = rootfs_key()
    if cache.stamp_ok("rootfs", key) and os.path.isdir(cache.rootfs):
        progress("dom0 root (debootstrap) cached: " + cache.rootfs)
        return False
    for stage in ("rootfs", "boot", "image"):
        cache.drop_stamp(stage)
    tmp = cache.rootfs + ".tmp"
    for d in (tmp, cache.rootfs):
        if os.path.exists(d):
            shutil.rmtree(d)
    progress("debootstrap %s into %s (about 2-4 minutes)" % (SUITE, tmp))
    log = os.path.join(cache.root, "debootstrap.log")
    with open(log, "w") as lf:
        res = subprocess.run(
            ["debootstrap", "--variant=minbase",
             "--include=" + ",".join(DOM0_PACKAGES), SUITE, tmp, MIRROR],
            stdout=lf, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        with open(log) as lf:
            tail = lf.read().splitlines()[-20:]
        raise HarnessError("debootstrap failed (exit %d); last lines of %s:\n%s"
                           % (res.returncode, log, "\n".join(tail)))
    progress("debootstrap done")
    pin_xen(tmp, progress)
    # Downloaded .debs would only bloat the disk image.
    for deb in glob.glob(os.path.join(tmp, "var/cache/apt/archives/*.deb")):
        os.unlink(deb)
    os.rename(tmp, cache.rootfs)
    cache.write_stamp("rootfs", key)
    return True


def pin_xen(rootfs, progress):
    """Make sure hypervisor and tools are exactly XEN_PKG_VERSION."""
    versions = {p: _dpkg_installed(p, rootfs) for p in XEN_PACKAGES}
    if all(v == XEN_PKG_VERSION for v in versions.values()):
        progress("Xen pinned: " + ", ".join("%s=%s" % kv for kv in versions.items()))
        return
    progress("Xen in the dom0 root is %s; installing %s" % (versions, XEN_PKG_VERSION))
    _chroot_apt(rootfs, ["update", "-q"], progress)
    res = _chroot_apt(rootfs, ["install", "-y", "-q", "--no-install-recommends",
                               "--allow-downgrades"]
                      + ["%s=%s" % (p, XEN_PKG_VERSION) for p in XEN_PACKAGES],
                      progress)
    versions = {p: _dpkg_installed(p, rootfs) for p in XEN_PACKAGES}
    if res.returncode != 0 or any(v != XEN_PKG_VERSION for v in versions.values()):
        raise HarnessError(
            "cannot install Xen %s in the dom0 root (got %s). pvsr pins this "
            "build because it has CONFIG_SHADOW_PAGING=y (PV live migration); "
            "check that %s %s main still offers it"
            % (XEN_PKG_VERSION, versions, MIRROR, SUITE))


def decompress_kernel(cache, progress):
    """vmlinux (ELF) out of the bzImage's xz payload."""
    key = _sha(rootfs_key(), "vmlinux")
    if cache.stamp_ok("vmlinux", key) and os.path.isfile(cache.vmlinux):
        progress("dom0 vmlinux cached")
        return
    with open(cache.vmlinuz, "rb") as f:
        data = f.read()
    at = data.find(b"\xfd7zXZ\x00")
    if at < 0:
        raise HarnessError("dom0 bzImage has no xz payload (CONFIG_KERNEL_XZ?)")
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
    if elf[:4] != b"\x7fELF":
        raise HarnessError("dom0 bzImage payload is not an ELF")
    with open(cache.vmlinux + ".tmp", "wb") as f:
        f.write(elf)
    os.rename(cache.vmlinux + ".tmp", cache.vmlinux)
    progress("dom0 kernel decompressed: vmlinux %.0f MB" % (len(elf) / 1e6))
    cache.write_stamp("vmlinux", key)


def _newest(pattern):
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise HarnessError("dom0 root has no %s" % pattern)
    return paths[-1]


def extract_boot(cache, progress):
    key = rootfs_key()
    if cache.stamp_ok("boot", key) and all(
            os.path.isfile(p) for p in (cache.xen, cache.vmlinuz, cache.initrd)):
        progress("boot files cached (xen, vmlinuz, initrd.img)")
        return
    boot = os.path.join(cache.rootfs, "boot")
    xen_gz = os.path.join(boot, "xen-4.17-amd64.gz")
    if not os.path.isfile(xen_gz):
        raise HarnessError("dom0 root has no %s" % xen_gz)
    with gzip.open(xen_gz) as src, open(cache.xen + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.rename(cache.xen + ".tmp", cache.xen)
    vmlinuz = _newest(os.path.join(boot, "vmlinuz-*"))
    kver = os.path.basename(vmlinuz)[len("vmlinuz-"):]
    initrd = os.path.join(boot, "initrd.img-" + kver)
    if not os.path.isfile(initrd):
        raise HarnessError("dom0 root has no %s (initramfs-tools did not run?)"
                           % initrd)
    shutil.copyfile(vmlinuz, cache.vmlinuz)
    shutil.copyfile(initrd, cache.initrd)
    progress("extracted xen (gunzipped), vmlinuz-%s, initrd.img-%s" % (kver, kver))
    cache.write_stamp("boot", key)


def build_image(cache, progress):
    key = image_key()
    if cache.stamp_ok("image", key) and os.path.isfile(cache.image):
        progress("dom0 disk image cached: " + cache.image)
        return
    # Everything baked lives under /pvsr, so a clean copy is: drop, recopy.
    dest = cache.rootfs + DOM0_PVSR_DIR
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for name, data in dom0_files():
        p = os.path.join(cache.rootfs, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, 0o755 if data.startswith(b"#!") else 0o644)
    progress("making the ext4 root disk (%s) from %s" % (IMAGE_SIZE, cache.rootfs))
    tmp = cache.image + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    res = subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-d", cache.rootfs,
                          "-L", "dom0", tmp, IMAGE_SIZE],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise HarnessError("mke2fs failed (exit %d): %s"
                           % (res.returncode, res.stderr.strip()))
    os.rename(tmp, cache.image)
    cache.write_stamp("image", key)


class Cpio:
    """A newc cpio archive (what the kernel unpacks as an initramfs)."""

    def __init__(self):
        self.data = bytearray()
        self.ino = 1

    def _entry(self, name, mode, body=b"", rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(body), 0, 0, rdev[0], rdev[1],
                  len(name_b), 0)
        self.ino += 1
        self.data += b"070701" + b"".join(b"%08x" % f for f in fields) + name_b
        self.data += b"\0" * (-len(self.data) % 4)
        self.data += body
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, name):
        self._entry(name, 0o040755)

    def file(self, name, body, mode=0o644):
        self._entry(name, 0o100000 | mode, body)

    def chardev(self, name, major, minor):
        self._entry(name, 0o020600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def _module_order(moddir, roots):
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
    by_name = {os.path.basename(p).split(".ko")[0].replace("-", "_"): p for p in deps}
    order = []

    def visit(path):
        if path in order:
            return
        for d in deps[path]:
            visit(d)
        order.append(path)

    for name in roots:
        if name not in by_name:
            raise HarnessError("dom0 kernel has no module %s (built in?)" % name)
        visit(by_name[name])
    return order


def rootfs_libs(rootfs, binary):
    """The shared objects a binary of the dom0 root needs, as paths inside
    it (ldd run in the root: the host may lack or differ in them)."""
    res = subprocess.run(["chroot", rootfs, "ldd", binary], capture_output=True,
                         text=True)
    out = []
    for line in res.stdout.splitlines():
        if "not found" in line:
            raise HarnessError("%s in the dom0 root: %s" % (binary, line.strip()))
        parts = line.split()
        if "=>" in parts:
            p = parts[parts.index("=>") + 1]
            if p.startswith("/"):
                out.append(p)
        elif parts and parts[0].startswith("/"):
            out.append(parts[0])
    if res.returncode != 0 or not out:
        raise HarnessError("ldd found no libraries for %s: %s" % (binary, res.stderr))
    return out


def add_binary(cpio, rootfs, path, seen):
    """Put a dom0-root binary and its libraries into an initramfs."""
    for p in [path] + rootfs_libs(rootfs, path):
        if p in seen:
            continue
        seen.add(p)
        src = _resolve_in(rootfs, p)
        if not os.path.isfile(src):
            raise HarnessError("dom0 root lacks %s (needed by %s)" % (p, path))
        with open(src, "rb") as f:
            cpio.file(p.lstrip("/"), f.read(), 0o755)


def _resolve_in(root, path, hops=40):
    """Resolve path as if root were /: absolute symlinks stay inside root."""
    parts = [p for p in path.split("/") if p]
    done = []
    while parts:
        part = parts.pop(0)
        if part == "..":
            done = done[:-1]
            continue
        if part == ".":
            continue
        cur = os.path.join(root, *(done + [part]))
        if os.path.islink(cur):
            hops -= 1
            if hops < 0:
                raise HarnessError("symlink loop at %s" % cur)
            target = os.readlink(cur)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p] + parts
        else:
            done.append(part)
    return os.path.join(root, *done)


def build_initrd(cache, progress):
    key = initrd_key()
    if cache.stamp_ok("initrd", key) and os.path.isfile(cache.initrd_pvsr):
        progress("dom0 initramfs cached: " + cache.initrd_pvsr)
        return
    rootfs = cache.rootfs
    kver = os.path.basename(_newest(os.path.join(rootfs, "boot/vmlinuz-*")))[len("vmlinuz-"):]
    moddir = os.path.join(rootfs, "lib/modules", kver)
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "newroot", "modules", "lib", "lib64",
              "lib/x86_64-linux-gnu"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    with open(DOM0_INITRD_INIT, "rb") as f:
        c.file("init", f.read(), 0o755)
    add_binary(c, rootfs, "/bin/busybox", set())
    names = []
    for path in _module_order(moddir, INITRD_MODULES):
        if not path.endswith(".ko"):
            raise HarnessError("module %s is compressed; busybox insmod needs .ko" % path)
        name = os.path.basename(path)
        with open(os.path.join(moddir, path), "rb") as f:
            c.file("modules/" + name, f.read())
        names.append(name)
    c.file("modules.list", ("\n".join(names) + "\n").encode())
    data = c.finish()
    with open(cache.initrd_pvsr + ".tmp", "wb") as f:
        f.write(data)
    os.rename(cache.initrd_pvsr + ".tmp", cache.initrd_pvsr)
    progress("dom0 initramfs: %.1f MB, modules %s" % (len(data) / 1e6, " ".join(names)))
    cache.write_stamp("initrd", key)


def inspect(cache):
    rootfs = cache.rootfs
    cfg = os.path.join(rootfs, "boot/xen-4.17-amd64.config")
    shadow = False
    try:
        with open(cfg) as f:
            shadow = any(line.strip() == "CONFIG_SHADOW_PAGING=y" for line in f)
    except OSError:
        raise HarnessError("dom0 root has no %s" % cfg)
    kver = os.path.basename(_newest(os.path.join(rootfs, "boot/vmlinuz-*")))
    return {
        "format": SETUP_FORMAT,
        "xen_package_version": _dpkg_installed(XEN_PACKAGES[0], rootfs),
        "xen_utils_version": _dpkg_installed(XEN_PACKAGES[1], rootfs),
        "shadow_paging": shadow,
        "dom0_kernel": kver[len("vmlinuz-"):],
        "xenctx": os.path.isfile(os.path.join(rootfs, XEN_LIBDIR.lstrip("/"),
                                              "bin/xenctx")),
        "rootfs_key": rootfs_key(),
        "image_key": image_key(),
        "initrd_key": initrd_key(),
        "dom0_init": DOM0_INIT,
    }


def setup(cache_dir, progress):
    ensure_host_packages(progress)
    os.makedirs(cache_dir, exist_ok=True)
    cache = Cache(cache_dir)
    with open(os.path.join(cache.root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        build_rootfs(cache, progress)
        extract_boot(cache, progress)
        decompress_kernel(cache, progress)
        build_initrd(cache, progress)
        build_image(cache, progress)
        m = inspect(cache)
        with open(cache.manifest_path + ".tmp", "w") as f:
            json.dump(m, f, indent=2, sort_keys=True)
            f.write("\n")
        os.rename(cache.manifest_path + ".tmp", cache.manifest_path)
    progress("Xen %s (tools %s), dom0 kernel %s"
             % (m["xen_package_version"], m["xen_utils_version"], m["dom0_kernel"]))
    if m["shadow_paging"]:
        progress("shadow paging: yes (CONFIG_SHADOW_PAGING=y): PV live migration possible")
    else:
        progress("shadow paging: NO (CONFIG_SHADOW_PAGING not set): PV live "
                 "migration (xl migrate) cannot work with this Xen")
    progress("cache ready: " + cache.root)
    return m
