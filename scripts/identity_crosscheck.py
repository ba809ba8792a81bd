#!/usr/bin/env python3
"""Cross-check pubgate's certificate identity rules against the reference (optional, not in CI).

Mints every certificate-shape case of `pubgate::testing::signer::identity_cases()` with
`examples/mint identity-cases`, then for each case:

- verifies its provenance object with pypi-attestations + sigstore-python (pinned to the
  test root), under the publisher the provenance claims: the reference's verdict;
- runs `pubgate verify` on the provenance object (with the claim) and on the lone
  attestation (bare verification, no claim);
- when bare verification accepts, feeds the identity pubgate reported back to the
  reference as a claim: the reference must accept exactly that publisher.

Agreement means: the reference's verdict is the case's `reference_accepts`; pubgate never
accepts what the reference refuses; pubgate refuses what the reference accepts only where
the case says why (`stricter`); pubgate's answers are the case's `with_claim` and `bare`.
Prints a Markdown table (docs/test-signer.md keeps the last run) and exits 1 on any
disagreement.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pypi-attestations==0.0.30
    cargo build --release --example mint --bin pubgate
    /tmp/v/bin/python scripts/identity_crosscheck.py target/release/examples/mint target/release/pubgate
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pypi_attestations
import pypi_attestations._impl as impl
from pypi_attestations import Attestation, Distribution, Provenance
from pydantic import TypeAdapter
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

PUBLISHER = TypeAdapter(pypi_attestations.Publisher)


def short(error: Exception) -> str:
    """The reference's error, first line, without its boilerplate prefixes."""
    text = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    for prefix in ("VerificationError: Verification failed: ",
                   "failed to build timestamp certificate chain: validation failed: "):
        text = text.replace(prefix, "")
    text = text.split(" (encountered processing")[0].split(" (got ")[0]
    if "(<Extension(" in text:
        text = text.split(" (<Extension(")[0] + " does not match"
    text = text.split("; actual SANs")[0].split(" (https://")[0]
    return text[:110]


def reference(attestation: Attestation, claim: dict, dist: Distribution) -> str:
    """`valid`, or the reference's error for this attestation under `claim`."""
    try:
        publisher = PUBLISHER.validate_python(claim)
        attestation.verify(publisher, dist, offline=True)
        return "valid"
    except Exception as e:  # the reference's own error is the verdict
        return short(e)


def reference_provenance(raw: bytes, dist: Distribution) -> str:
    """The reference's verdict on a provenance object, as PyPI's clients verify it."""
    try:
        provenance = Provenance.model_validate_json(raw)
    except Exception as e:
        return short(e)
    for bundle in provenance.attestation_bundles:
        for attestation in bundle.attestations:
            verdict = reference(attestation, bundle.publisher.model_dump(), dist)
            if verdict != "valid":
                return verdict
    return "valid"


def pubgate(binary: str, path: Path, root: Path, filename: str, sha256: str) -> dict:
    out = subprocess.run(
        [binary, "verify", str(path), "--filename", filename, "--sha256", sha256,
         "--trusted-root", str(root), "--format", "json"],
        capture_output=True, check=False,
    )
    return json.loads(out.stdout)


def outcome(report: dict) -> str:
    return "valid" if report["valid"] else report["failure"]["reason"]


def claim_of(publisher: dict) -> dict | None:
    """The claim PyPI would write for an identity pubgate reported, if it is a Trusted Publisher."""
    kind = publisher["kind"]
    if kind == "GitHub":
        return {"kind": kind, "repository": publisher["repository"], "workflow": publisher["workflow"]}
    if kind == "GitLab":
        return {"kind": kind, "repository": publisher["repository"],
                "workflow_filepath": publisher["workflow_filepath"]}
    if kind == "Google":
        return {"kind": kind, "email": publisher["email"]}
    if kind == "CircleCI":
        return {"kind": kind, "project_id": publisher["project_id"],
                "pipeline_definition_id": publisher["pipeline_definition_id"],
                "vcs_origin": publisher["repository"], "vcs_ref": publisher["ref"]}
    return None


def same_identity(reported: dict, expected: dict) -> bool:
    """pubgate's reported identity names the expected publisher (a claim-shaped dict)."""
    kind = expected["kind"]
    if kind == "Email":
        return reported["kind"] == "Other" and reported["email"] == expected["email"]
    claim = claim_of(reported)
    return claim is not None and all(claim.get(k) == v for k, v in expected.items()
                                     if k != "environment")


def main() -> int:
    mint, binary = sys.argv[1], sys.argv[2]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        subprocess.run([mint, "identity-cases", "--out", tmp], check=True)
        manifest = json.loads((out / "manifest.json").read_text())
        root_path = out / "trusted_root.json"
        root = TrustedRoot.from_file(str(root_path))
        # pypi-attestations always builds Verifier.production(); point it at the test root.
        impl.Verifier.production = classmethod(lambda cls, offline=False: Verifier(trusted_root=root))
        filename, sha256 = manifest["filename"], manifest["sha256"]
        dist = Distribution(name=filename, digest=sha256)

        print(f"pypi-attestations {pypi_attestations.__version__}, test root, `{filename}`\n")
        print("| case | reference (claim) | pubgate (claim) | pubgate (bare) | reference on pubgate's bare identity | agree |")
        print("|---|---|---|---|---|---|")
        for case in manifest["cases"]:
            problems = []
            ref = reference_provenance((out / case["provenance"]).read_bytes(), dist)
            with_claim = outcome(pubgate(binary, out / case["provenance"], root_path, filename, sha256))
            bare_report = pubgate(binary, out / case["attestation"], root_path, filename, sha256)
            bare = outcome(bare_report)
            if (ref == "valid") != case["reference_accepts"]:
                problems.append("reference verdict differs from the table")
            if with_claim == "valid" and ref != "valid":
                problems.append("pubgate accepts what the reference refuses")
            if with_claim != "valid" and ref == "valid" and not case["stricter"]:
                problems.append("pubgate refuses what the reference accepts, without a stated reason")
            if with_claim != case["with_claim"]:
                problems.append(f"pubgate (claim) is not `{case['with_claim']}`")
            if bare != case["bare"]:
                problems.append(f"pubgate (bare) is not `{case['bare']}`")
            back = "—"
            if bare == "valid":
                reported = bare_report["publisher"]
                if not same_identity(reported, case["bare_identity"]):
                    problems.append(f"bare identity {reported} is not {case['bare_identity']}")
                claim = claim_of(reported)
                if claim is not None:
                    attestation = Attestation.model_validate_json((out / case["attestation"]).read_bytes())
                    back = reference(attestation, claim, dist)
                    if back != "valid":
                        problems.append("the reference refuses the identity pubgate reported")
                else:
                    back = "(not a Trusted Publisher)"
            bad += bool(problems)
            verdict = "yes" if not problems else "**NO**: " + "; ".join(problems)
            if not problems and case["stricter"]:
                verdict = "stricter: " + case["stricter"]
            cell = lambda s: s.replace("|", "\\|")
            print(f"| `{case['name']}` | {cell(ref)} | {with_claim} | {bare} | {cell(back)} | {cell(verdict)} |")
    print(f"\n{len(manifest['cases'])} cases, {bad} disagreeing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
