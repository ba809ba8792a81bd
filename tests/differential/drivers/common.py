"""Shared by the lockfile drivers: the JSON-lines protocol and the record every driver
answers with, whatever its installer.

A driver reads a JSON list of {"case": ID, "path": FILE} on stdin and writes a header line
({"installer": NAME, "version": V}) and then one line per case: {"ok": true, "packages":
[...], "indexes": [...]} or {"ok": false, "error": ...} when the installer refuses the file.

A package is what the installer would install: {"name" (PEP 503), "version" (or null),
"kind" (index, url, git, path, editable, virtual, unpinned), "source" (the index URL, the
direct URL or the path, as the installer would use it), "files": [{"file" (the filename,
"" when only hashes are known), "url" (where the installer would download it, or null),
"hashes": ["algorithm:hex", ...] (every hash it would accept for that file)}]}.
"""

import json
import re
import sys
import traceback


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def package(name, version, kind, source, files=()):
    return {
        "name": canonical(name) if name else "",
        "version": version,
        "kind": kind,
        "source": source,
        "files": list(files),
    }


def file(name, url, hashes):
    return {
        "file": name or "",
        "url": url,
        "hashes": sorted({h.lower() for h in hashes}),
    }


def serve(installer, version, run):
    """Runs `run(path)` on every case from stdin; `run` returns (packages, indexes)."""
    cases = json.load(sys.stdin)
    out = sys.stdout
    out.write(json.dumps({"installer": installer, "version": version}) + "\n")
    out.flush()
    for case in cases:
        try:
            packages, indexes = run(case["path"])
            result = {"ok": True, "packages": packages, "indexes": indexes}
        except (Exception, SystemExit) as err:  # noqa: BLE001 (a refusal, whatever its type)
            result = {"ok": False, "error": f"{type(err).__name__}: {err}"}
            if "PUBGATE_DIFFERENTIAL_TRACE" in __import__("os").environ:
                result["trace"] = traceback.format_exc()
        result["case"] = case["case"]
        out.write(json.dumps(result) + "\n")
        out.flush()
