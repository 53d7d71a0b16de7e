#!/usr/bin/env python3
"""Let TorchSharp's libLibTorchSharp.so load on hosts whose libstdc++ predates GLIBCXX_3.4.32.

libLibTorchSharp.so (TorchSharp 0.107) asks for GLIBCXX_3.4.32 for exactly one symbol,
_ZSt21ios_base_library_initv, which it references but never calls. Debian 12's libstdc++ stops at
GLIBCXX_3.4.30, so dlopen fails. Two edits make the loader accept it:

  1. mark the GLIBCXX_3.4.32 entry of .gnu.version_r weak (VER_FLG_WEAK), so a missing version
     is not fatal;
  2. clear the version of _ZSt21ios_base_library_initv in .gnu.version (set it to VER_NDX_GLOBAL),
     as `patchelf --clear-symbol-version` does.

Only ever run this on a build or publish output copy, never on the file in the NuGet cache: the
file is rewritten through a temporary file and os.replace(), so a hard link or symlink pointing
into the cache is replaced rather than written through, and paths inside the NuGet cache are refused.

Usage: patch-libtorchsharp.py [--force] [--keep-mtime] [--stamp FILE] LIBRARY.so

Exits 0 without touching anything when not on Linux, or when the host's libstdc++ already
provides GLIBCXX_3.4.32 (unless --force). Idempotent. Prints one line saying what it did.
Standard library only.
"""

import argparse
import os
import struct
import subprocess
import sys
import tempfile

VERSION = b"GLIBCXX_3.4.32"
SYMBOL = b"_ZSt21ios_base_library_initv"

SHT_DYNSYM = 11
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_GNU_VERSYM = 0x6FFFFFFF
VER_FLG_WEAK = 0x2
VER_NDX_GLOBAL = 1
VERSYM_HIDDEN = 0x8000


class PatchError(Exception):
    pass


def host_libstdcxx_paths():
    """Candidate libstdc++.so.6 files: what ldconfig knows, then the usual multiarch places."""
    paths = []
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.strip().startswith("libstdc++.so.6") and "x86-64" in line and "=>" in line:
                paths.append(line.split("=>", 1)[1].strip())
    except (OSError, subprocess.SubprocessError):
        pass
    paths += ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
              "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"]
    seen = []
    for p in paths:
        if os.path.exists(p) and os.path.realpath(p) not in seen:
            seen.append(os.path.realpath(p))
    return seen


def host_needs_patch():
    """(needed, reason). Needed when the host's libstdc++ exists and lacks the version string."""
    libs = host_libstdcxx_paths()
    if not libs:
        return False, "no libstdc++.so.6 found on this host"
    lib = libs[0]
    with open(lib, "rb") as f:
        if VERSION + b"\0" in f.read():
            return False, f"host {os.path.basename(lib)} already provides {VERSION.decode()}"
    return True, f"host {lib} lacks {VERSION.decode()}"


def cstr(buf, off):
    end = buf.index(b"\0", off)
    return bytes(buf[off:end])


def sections(buf):
    if buf[:4] != b"\x7fELF":
        raise PatchError("not an ELF file")
    if buf[4] != 2 or buf[5] != 1:
        raise PatchError("only ELF64 little-endian is supported")
    shoff, = struct.unpack_from("<Q", buf, 0x28)
    shentsize, shnum, _shstrndx = struct.unpack_from("<HHH", buf, 0x3A)
    if shoff == 0 or shnum == 0:
        raise PatchError("no section headers")
    result = []
    for i in range(shnum):
        (name, stype, _flags, _addr, offset, size, link, info, _align, entsize) = \
            struct.unpack_from("<IIQQQQIIQQ", buf, shoff + i * shentsize)
        result.append(dict(type=stype, offset=offset, size=size, link=link, info=info, entsize=entsize))
    return result


def one(secs, stype, what):
    found = [s for s in secs if s["type"] == stype]
    if len(found) != 1:
        raise PatchError(f"expected one {what} section, found {len(found)}")
    return found[0]


def patch(buf):
    """Edits buf (a bytearray) in place. Returns a list of the changes made (empty: already patched)."""
    secs = sections(buf)
    verneed = one(secs, SHT_GNU_VERNEED, ".gnu.version_r")
    versym = one(secs, SHT_GNU_VERSYM, ".gnu.version")
    dynsym = one(secs, SHT_DYNSYM, ".dynsym")
    need_strtab = secs[verneed["link"]]["offset"]
    sym_strtab = secs[dynsym["link"]]["offset"]

    # 1. Find the vernaux entry for GLIBCXX_3.4.32 and its version index.
    aux_off, index = None, None
    off = verneed["offset"]
    for _ in range(verneed["info"]):
        _vn_version, vn_cnt, _vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", buf, off)
        a = off + vn_aux
        for _ in range(vn_cnt):
            _hash, _flags, other, name, nxt = struct.unpack_from("<IHHII", buf, a)
            if cstr(buf, need_strtab + name) == VERSION:
                aux_off, index = a, other
            if nxt == 0:
                break
            a += nxt
        if vn_next == 0:
            break
        off += vn_next
    if aux_off is None:
        raise PatchError(f"{VERSION.decode()} is not among the needed versions")

    # 2. Find the dynamic symbols carrying that version index; only the expected one may.
    entsize = dynsym["entsize"] or 24
    count = dynsym["size"] // entsize
    sym_index, others = None, []
    for i in range(count):
        ver_off = versym["offset"] + 2 * i
        ver, = struct.unpack_from("<H", buf, ver_off)
        name_off, = struct.unpack_from("<I", buf, dynsym["offset"] + i * entsize)
        name = cstr(buf, sym_strtab + name_off)
        if name == SYMBOL:
            sym_index = i
        elif (ver & ~VERSYM_HIDDEN) == index:
            others.append(name.decode(errors="replace"))
    if others:
        raise PatchError(f"{VERSION.decode()} is also used by {', '.join(others[:3])}; refusing to patch")
    if sym_index is None:
        raise PatchError(f"{SYMBOL.decode()} is not a dynamic symbol")

    changes = []
    flags_off = aux_off + 4
    flags, = struct.unpack_from("<H", buf, flags_off)
    if not flags & VER_FLG_WEAK:
        struct.pack_into("<H", buf, flags_off, flags | VER_FLG_WEAK)
        changes.append(f"marked {VERSION.decode()} weak")
    ver_off = versym["offset"] + 2 * sym_index
    ver, = struct.unpack_from("<H", buf, ver_off)
    if ver != VER_NDX_GLOBAL:
        struct.pack_into("<H", buf, ver_off, VER_NDX_GLOBAL)
        changes.append(f"cleared the version of {SYMBOL.decode()}")
    return changes


def inside_nuget_cache(path):
    real = os.path.realpath(path)
    roots = [os.environ.get("NUGET_PACKAGES"), os.path.expanduser("~/.nuget/packages")]
    return any(r and os.path.commonpath([real, os.path.realpath(r)]) == os.path.realpath(r) for r in roots)


def write_replacing(path, data, keep_mtime):
    st = os.stat(path)
    fd, tmp = tempfile.mkstemp(prefix=".patch-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, st.st_mode & 0o7777)
        if keep_mtime:
            # Same size and time as the package's file, so MSBuild's incremental copy
            # (SkipUnchangedFiles) does not overwrite the patched copy with the original.
            os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("library")
    ap.add_argument("--force", action="store_true", help="patch even if the host libstdc++ is new enough")
    ap.add_argument("--keep-mtime", action="store_true", help="keep the file's modification time")
    ap.add_argument("--stamp", help="touch this file when done (whether or not anything was changed)")
    args = ap.parse_args(argv)
    name = args.library

    def done(message):
        print(f"patch-libtorchsharp: {name}: {message}")
        if args.stamp:
            with open(args.stamp, "a"):
                pass
            os.utime(args.stamp)
        return 0

    if not sys.platform.startswith("linux"):
        return done("not Linux, nothing to do")
    if args.force:
        reason = "--force"
    else:
        needed, reason = host_needs_patch()
        if not needed:
            return done(f"{reason}, nothing to do")
    if inside_nuget_cache(name):
        print(f"patch-libtorchsharp: {name}: refusing to modify a file inside the NuGet cache", file=sys.stderr)
        return 2
    try:
        with open(name, "rb") as f:
            buf = bytearray(f.read())
        changes = patch(buf)
    except (OSError, PatchError) as e:
        print(f"patch-libtorchsharp: {name}: {e}", file=sys.stderr)
        return 1
    if not changes:
        return done(f"already patched ({reason})")
    write_replacing(name, bytes(buf), args.keep_mtime)
    return done(f"{' and '.join(changes)} ({reason})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
