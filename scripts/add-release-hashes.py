#!/usr/bin/env python3
"""Appends a release's archive hashes to the action's sha256 table.

    gh release download v0.2.0 --pattern 'pubgate-*' --dir release/
    gh attestation verify release/pubgate-0.2.0-x86_64-unknown-linux-musl.tar.gz --repo pubgate/pubgate
    python3 scripts/add-release-hashes.py 0.2.0 release/

Every archive the release ships must be in the directory with its `.sha256` file; each
archive's sha256 is computed here and must equal its `.sha256` file, and the version must
not be in the table yet (a line already there is never changed). The lines are appended
in sha256sum's format, which scripts/install-pubgate.sh reads. Standard library only.
"""

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import NoReturn

# The archives every release ships (release.yml), and what the installer knows.
TARGETS = {
    "x86_64-unknown-linux-musl": "tar.gz",
    "aarch64-unknown-linux-musl": "tar.gz",
    "x86_64-apple-darwin": "tar.gz",
    "aarch64-apple-darwin": "tar.gz",
    "x86_64-pc-windows-msvc": "zip",
}
VERSION = re.compile(r"^[0-9A-Za-z.+-]+$")
DEFAULT_TABLE = Path(__file__).resolve().parent / "pubgate-release.sha256"


def fail(message: str) -> NoReturn:
    sys.exit(f"add-release-hashes: {message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    args = parser.parse_args()
    version = args.version.removeprefix("v")
    if not VERSION.fullmatch(version):
        fail(f"`{args.version}` is not a version")

    table = args.table.read_text(encoding="utf-8")
    for line in table.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].lstrip("*").startswith(f"pubgate-{version}-"):
            fail(f"`{args.table}` already lists pubgate {version}: lines there are never changed")

    lines = []
    for target, ext in TARGETS.items():
        name = f"pubgate-{version}-{target}.{ext}"
        archive = args.directory / name
        checksum = args.directory / f"{name}.sha256"
        if not archive.is_file() or not checksum.is_file():
            fail(f"`{archive}` and `{checksum}` are both needed (download every asset of the release)")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        stated = checksum.read_text(encoding="ascii").split()
        if stated != [digest, name]:
            fail(f"`{checksum}` says `{' '.join(stated)}`, but `{name}` has sha256 `{digest}`")
        lines.append(f"{digest}  {name}\n")

    with args.table.open("a", encoding="utf-8", newline="\n") as out:
        if table and not table.endswith("\n"):
            out.write("\n")
        out.writelines(lines)
    sys.stdout.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
