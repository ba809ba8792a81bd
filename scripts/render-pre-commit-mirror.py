#!/usr/bin/env python3
"""Writes the pubgate-pre-commit mirror for a release into a directory.

    python3 scripts/render-pre-commit-mirror.py 0.2.0 ../pubgate-pre-commit

copies pre-commit-mirror/ (hooks, pyproject pinning `pubgate-cli==0.2.0`, README) into the
directory, which is a checkout of the mirror repository; commit there and tag `v0.2.0`.
Standard library only.
"""

import argparse
import re
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "pre-commit-mirror"
FILES = (".pre-commit-hooks.yaml", "pyproject.toml", "README.md")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version")
    parser.add_argument("dest", type=Path)
    args = parser.parse_args()
    version = args.version.removeprefix("v")
    if not VERSION.fullmatch(version):
        sys.exit(f"render-pre-commit-mirror: `{args.version}` is not a version")
    args.dest.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        text = (SOURCE / name).read_text(encoding="utf-8")
        (args.dest / name).write_text(text.replace("@VERSION@", version), encoding="utf-8")
    print(f"render-pre-commit-mirror: wrote pubgate-pre-commit {version} to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
