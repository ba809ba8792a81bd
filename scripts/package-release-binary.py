#!/usr/bin/env python3
"""Packs the pubgate binary of a wheel into a standalone release archive and its .sha256.

The release's binary archives are cut from the wheels (release.yml), so the binary a
GitHub Action downloads is byte for byte the one `pip install pubgate-cli` installs.

    python3 scripts/package-release-binary.py WHEEL --version 0.2.0 \\
        --target x86_64-unknown-linux-musl --out archives/

writes `archives/pubgate-0.2.0-x86_64-unknown-linux-musl.tar.gz` (`.zip` for Windows
targets), holding `pubgate-0.2.0-x86_64-unknown-linux-musl/pubgate` (`pubgate.exe`), and
`<archive>.sha256` in sha256sum's format (`HASH  NAME`), which is also the format of the
action's table (scripts/pubgate-release.sha256). Standard library only; the archive is
reproducible (fixed times, owners and modes).
"""

import argparse
import gzip
import hashlib
import io
import re
import sys
import tarfile
import zipfile
from pathlib import Path

# 1980-01-01, the earliest time a zip entry can hold: the same archive on every build.
FIXED_TIME = 315532800
VERSION = re.compile(r"^[0-9A-Za-z.+-]+$")
TARGET = re.compile(r"^[0-9A-Za-z_.-]+$")


def binary_from_wheel(wheel: Path, exe: str) -> bytes:
    """The `pubgate` executable maturin put in the wheel's `.data/scripts/`."""
    with zipfile.ZipFile(wheel) as archive:
        found = [
            name
            for name in archive.namelist()
            if re.fullmatch(r"[^/]+\.data/scripts/" + re.escape(exe), name)
        ]
        if len(found) != 1:
            sys.exit(
                f"package-release-binary: `{wheel}` has {len(found)} "
                f"`*.data/scripts/{exe}` entries, expected one"
            )
        return archive.read(found[0])


def tar_gz(top: str, exe: str, binary: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        directory = tarfile.TarInfo(top)
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        directory.mtime = FIXED_TIME
        tar.addfile(directory)
        info = tarfile.TarInfo(f"{top}/{exe}")
        info.size = len(binary)
        info.mode = 0o755
        info.mtime = FIXED_TIME
        tar.addfile(info, io.BytesIO(binary))
    out = io.BytesIO()
    # gzip's header carries a time and a file name; fix both.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=FIXED_TIME) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def zip_archive(top: str, exe: str, binary: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{top}/{exe}", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, binary)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--version", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    version = args.version.removeprefix("v")
    if not VERSION.fullmatch(version):
        sys.exit(f"package-release-binary: `{args.version}` is not a version")
    if not TARGET.fullmatch(args.target):
        sys.exit(f"package-release-binary: `{args.target}` is not a target triple")

    windows = "-windows-" in args.target
    exe = "pubgate.exe" if windows else "pubgate"
    top = f"pubgate-{version}-{args.target}"
    binary = binary_from_wheel(args.wheel, exe)
    if windows:
        name, data = f"{top}.zip", zip_archive(top, exe, binary)
    else:
        name, data = f"{top}.tar.gz", tar_gz(top, exe, binary)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / name).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (args.out / f"{name}.sha256").write_text(f"{digest}  {name}\n", encoding="ascii", newline="\n")
    print(f"{digest}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
