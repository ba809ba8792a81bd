//! Test support compiled into the library so integration tests, benches, examples and the
//! demo share it. Nothing here is for production use, and none of it is a stable API.

// Test support mints from constants and its own keys: a failure is a broken test setup, and
// a panic that says which is the clearest report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: a panic is a failed test setup"
)]

pub mod fake_pypi;
pub mod signer;
