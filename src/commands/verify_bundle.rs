//! `pubgate verify-bundle`: verify a standard Sigstore bundle against an artifact, with the
//! sigstore-conformance CLI protocol (`docs/cli_protocol.md` there). Exit 0 valid, 1 invalid,
//! 2 unreadable input.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use pubgate::verify::{
    verify_sigstore_bundle, BundleArtifact, BundleSigner, TrustRoot, MAX_DOCUMENT_BYTES,
};

use crate::cli::VerifyBundleArgs;
use crate::commands::verify::read_bounded;

/// `sha256:HEX` (64 hex digits) names a digest unless a file of that name exists; anything
/// else is a path (the conformance protocol's rule).
fn parse_artifact(arg: &str) -> anyhow::Result<BundleArtifact> {
    if let Some(hex_digest) = arg.strip_prefix("sha256:") {
        if hex_digest.len() == 64 && !std::path::Path::new(arg).exists() {
            if let Ok(bytes) = hex::decode(hex_digest) {
                if let Ok(digest) = <[u8; 32]>::try_from(bytes) {
                    return Ok(BundleArtifact::Sha256(digest));
                }
            }
        }
    }
    let bytes = std::fs::read(arg).with_context(|| format!("cannot read artifact `{arg}`"))?;
    Ok(BundleArtifact::Bytes(bytes))
}

pub fn run(args: VerifyBundleArgs) -> anyhow::Result<ExitCode> {
    let root = match (&args.trusted_root, args.staging) {
        (Some(path), _) => TrustRoot::from_file(path)?,
        (None, true) => TrustRoot::staging()?,
        (None, false) => TrustRoot::production()?,
    };
    let signer = match (
        &args.key,
        &args.certificate_identity,
        &args.certificate_oidc_issuer,
    ) {
        (Some(key), None, None) => BundleSigner::Key(
            std::fs::read_to_string(key)
                .with_context(|| format!("cannot read key `{}`", key.display()))?,
        ),
        (None, Some(identity), Some(issuer)) => BundleSigner::Identity {
            identity: identity.clone(),
            issuer: issuer.clone(),
        },
        _ => anyhow::bail!(
            "give either `--key PEM` or both `--certificate-identity` and \
             `--certificate-oidc-issuer`"
        ),
    };
    let bundle = read_bounded(&args.bundle, MAX_DOCUMENT_BYTES)?;
    let artifact = parse_artifact(&args.artifact)?;
    let mut out = std::io::stdout().lock();
    match verify_sigstore_bundle(&bundle, &artifact, &signer, &root) {
        Ok(v) => {
            let who = match (&v.identity, &v.issuer) {
                (Some(id), Some(issuer)) => format!("`{id}` (issuer `{issuer}`)"),
                _ => "the given key".to_string(),
            };
            writeln!(out, "valid: `{}` is signed by {who}", args.bundle.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(
                out,
                "invalid: `{}` ({}): {}; {}",
                args.bundle.display(),
                e.reason,
                e.detail,
                e.reason.explanation()
            )?;
            Ok(ExitCode::from(1))
        }
    }
}
