#!/usr/bin/env python3
"""pubgate against the Python reference (pypi-attestations + sigstore-python), side by side
in one run, on the same attestations (BENCHMARKS.md § Verification at lockfile scale).

    cargo build --release --bin pubgate --example attestation_corpus
    python3 scripts/bench_vs_reference.py [--rounds 5] [--packages 450]

It installs pypi-attestations from PyPI into a temporary virtual environment, writes a
corpus with `attestation_corpus` (PACKAGES packages, each an sdist and a wheel signed with
one leaf certificate, under the test signer's root), then alternates, ROUNDS times:

- reference: one Python process verifies every attestation of the corpus (the trust
  root loaded and the verifier built once, offline);
- pubgate cold: `pubgate check requirements.txt --offline --provenance-dir vendor/
  --no-cache` — the whole check (lockfile, vendored pages, every provenance verified);
- pubgate warm: the same check online against the fake PyPI (no added latency) with a
  cache filled by an earlier run: pages asked again, provenance read from the cache and
  verified again (nothing trusted from it).

Wall time and CPU time (user + system, of the child) per run; the ratio is of medians.
The load average is printed because the machine may be shared. Needs the network for
the one `pip install`, nothing else.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE = "pypi-attestations==0.0.30"

VERIFY_SCRIPT = r'''
import json, sys
from pathlib import Path
import pypi_attestations._impl as impl
from pypi_attestations import Distribution, Provenance
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

corpus = Path(sys.argv[1])
root = TrustedRoot.from_file(str(corpus / "trusted_root.json"))
verifier = Verifier(trusted_root=root)
# pypi-attestations builds Verifier.production() per call: hand it the one built above.
impl.Verifier.production = classmethod(lambda cls, offline=False: verifier)
manifest = json.loads((corpus / "manifest.json").read_text())
ok = 0
for item in manifest:
    provenance = Provenance.model_validate_json((corpus / item["provenance"]).read_bytes())
    dist = Distribution(name=item["filename"], digest=item["sha256"])
    for bundle in provenance.attestation_bundles:
        for attestation in bundle.attestations:
            attestation.verify(bundle.publisher, dist, offline=True)
            ok += 1
print(ok)
'''


def timed(cmd, **kwargs):
    """Runs cmd; returns (wall seconds, child CPU seconds, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"`{' '.join(map(str, cmd))}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return wall, cpu, done


def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--packages", type=int, default=450)
    parser.add_argument("--pubgate", default=str(repo / "target/release/pubgate"))
    parser.add_argument("--corpus-tool", default=str(repo / "target/release/examples/attestation_corpus"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pubgate-vs-reference-") as tmp:
        tmp = Path(tmp)
        print(f"installing {REFERENCE} into a temporary virtual environment …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
        python = tmp / "venv/bin/python"
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", REFERENCE], check=True)
        version = subprocess.run([str(python), "-m", "pip", "show", "sigstore"],
                                 capture_output=True, text=True).stdout
        sigstore = next((l.split()[1] for l in version.splitlines() if l.startswith("Version:")), "?")
        (tmp / "verify.py").write_text(VERIFY_SCRIPT)

        corpus = tmp / "corpus"
        subprocess.run([args.corpus_tool, "write", str(corpus), str(args.packages)], check=True)
        attestations = len(json.loads((corpus / "manifest.json").read_text()))
        index_url = (corpus / "index_url.txt").read_text().strip()
        env = dict(os.environ, NO_COLOR="1")
        env.pop("PUBGATE_INDEX_URL", None)
        common = ["check", str(corpus / "requirements.txt"), "--format", "json",
                  "--trusted-root", str(corpus / "trusted_root.json"), "--index-url", index_url]
        cold = [args.pubgate, *common, "--offline", "--provenance-dir", str(corpus / "vendor"), "--no-cache"]
        warm = [args.pubgate, *common, "--cache-dir", str(tmp / "cache")]

        server = subprocess.Popen([args.corpus_tool, "serve", str(corpus)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        served = server.stdout.readline().strip()
        if served != index_url:
            warm[warm.index(index_url)] = served
        try:
            timed(warm, env=env)  # fills the cache
            rows = {"reference": [], "pubgate cold": [], "pubgate warm": []}
            loads = [os.getloadavg()[0]]
            for _ in range(args.rounds):
                wall, cpu, done = timed([str(python), str(tmp / "verify.py"), str(corpus)])
                assert int(done.stdout.strip()) == attestations, done.stdout
                rows["reference"].append((wall, cpu))
                wall, cpu, done = timed(cold, env=env)
                summary = json.loads(done.stdout)["summary"]
                assert summary["verified"] == attestations, summary
                rows["pubgate cold"].append((wall, cpu))
                wall, cpu, done = timed(warm, env=env)
                summary = json.loads(done.stdout)["summary"]
                assert summary["verified"] == attestations, summary
                rows["pubgate warm"].append((wall, cpu))
                loads.append(os.getloadavg()[0])
        finally:
            server.stdin.close()
            server.wait(timeout=10)

    print(f"\n{attestations} attestations ({args.packages} packages × 2 files, one leaf per release); "
          f"reference {REFERENCE} with sigstore {sigstore}; {args.rounds} rounds; "
          f"load average {min(loads):.1f}–{max(loads):.1f}; {os.cpu_count()} CPUs")
    print(f"{'run':<14} {'wall, each round (s)':<44} {'median wall':>11} {'median CPU':>11} {'per attestation':>16}")
    medians = {}
    for label, runs in rows.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        medians[label] = (statistics.median(walls), statistics.median(cpus))
        shown = " ".join(f"{w:.3f}" for w in walls)
        print(f"{label:<14} {shown:<44} {medians[label][0]:>10.3f}s {medians[label][1]:>10.3f}s "
              f"{medians[label][0] / attestations * 1e3:>13.3f} ms")
    ref_wall, ref_cpu = medians["reference"]
    for label in ("pubgate cold", "pubgate warm"):
        wall, cpu = medians[label]
        print(f"reference / {label}: {ref_wall / wall:.1f}× wall, {ref_cpu / cpu:.1f}× CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
