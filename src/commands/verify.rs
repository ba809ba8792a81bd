//! `pubgate verify`: verify one `.provenance` object or attestation offline and print the
//! publisher identity (exit 0) or why it is invalid (exit 1). Unreadable input: exit 2.

use std::process::ExitCode;

use anyhow::Context;

use pubgate::dist::DistFilename;
use pubgate::report::verify::VerifyOutcome;
use pubgate::verify::{detect_document, verify_document, TrustRoot, MAX_DOCUMENT_BYTES};

use crate::cli::{SimpleFormat, VerifyArgs};

/// Loads `--trusted-root FILE`, else the embedded production root.
pub(crate) fn load_root(path: Option<&std::path::Path>) -> anyhow::Result<TrustRoot> {
    Ok(match path {
        Some(path) => TrustRoot::from_file(path)?,
        None => TrustRoot::production()?,
    })
}

/// Reads a file of at most `limit` bytes.
pub(crate) fn read_bounded(path: &std::path::Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(bytes)
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    DistFilename::parse(&args.filename)
        .with_context(|| "`--filename` must name an sdist or wheel")?;
    let sha256 = args.sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        anyhow::bail!("`--sha256` must be 64 hex digits, got `{}`", args.sha256);
    }
    let root = load_root(args.trusted_root.as_deref())?;
    // Anything over the limit is refused as malformed by the verifier itself.
    let bytes = read_bounded(&args.file, MAX_DOCUMENT_BYTES)?;
    let outcome = verify_document(&bytes, &args.filename, &sha256, &root);
    let input = args.file.display().to_string();
    let kind = detect_document(&bytes);
    let shown = VerifyOutcome {
        input: &input,
        detected: kind,
        filename: &args.filename,
        sha256: &sha256,
        root: &root,
        outcome: &outcome,
    };
    let text = match args.format {
        SimpleFormat::Human => shown.human(),
        SimpleFormat::Json => shown.json()?,
    };
    pubgate::report::write_stdout(&text)?;
    Ok(match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    })
}
