#!/usr/bin/env python3
"""Cross-check the test signer against the reference verifier (optional, not in CI).

Mints every variant for each publisher kind with `examples/mint`, then verifies each
provenance object with pypi-attestations + sigstore-python pinned to the test root, and
prints one line per case: valid ones must say `valid`, broken ones the reference's error.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pypi-attestations==0.0.30
    cargo build --release --example mint
    /tmp/v/bin/python scripts/signer_crosscheck.py target/release/examples/mint
"""

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pypi_attestations._impl as impl
from pypi_attestations import Distribution, Provenance
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

PUBLISHERS = [
    "github:octo-org/demo/release.yml",
    "gitlab:grp/sub/demo/.gitlab-ci.yml",
    "google:svc@demo.iam.gserviceaccount.com",
]
FILES = ["demo-1.0.tar.gz", "Demo-1.0.0-py3-none-any.whl"]


def main() -> int:
    mint = sys.argv[1]
    run = lambda *args: subprocess.run([mint, *args], check=True, capture_output=True).stdout
    sha = hashlib.sha256(b"demo").hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        root_path = Path(tmp) / "trusted_root.json"
        root_path.write_bytes(run("root"))
        root = TrustedRoot.from_file(str(root_path))
    # pypi-attestations always builds Verifier.production(); point it at the test root.
    impl.Verifier.production = classmethod(lambda cls, offline=False: Verifier(trusted_root=root))

    variants = [line.split()[0] for line in run("variants").decode().splitlines()]
    bad = 0
    for publisher in PUBLISHERS:
        for variant in variants:
            for filename in FILES:
                raw = run("--filename", filename, "--sha256", sha, "--publisher", publisher,
                          "--variant", variant, "--provenance")
                try:
                    provenance = Provenance.model_validate_json(raw)
                    for bundle in provenance.attestation_bundles:
                        for attestation in bundle.attestations:
                            attestation.verify(bundle.publisher,
                                               Distribution(name=filename, digest=sha),
                                               offline=True)
                    outcome = "valid"
                except Exception as e:  # the reference's own error is the outcome
                    outcome = f"{type(e).__name__}: {str(e).splitlines()[0][:100]}"
                if (outcome == "valid") != (variant == "valid"):
                    bad += 1
                print(f"{publisher.split(':')[0]:7} {variant:20} {filename:28} {outcome}")
    print(f"{bad} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
