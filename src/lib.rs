#![forbid(unsafe_code)]
// A panic on input-derived data is a crash an attacker chooses; `pub` that nothing outside
// the crate can reach hides which items are the API. Test support opts out (src/testing).
#![warn(unreachable_pub, clippy::unwrap_used, clippy::expect_used)]
//! pubgate: a policy gate for Python lockfiles.
//!
//! Data flows lockfile → evidence → findings → report (see `docs/architecture.md`):
//! [`lockfile`] parses, [`index`] gathers and [`verify`] checks provenance, [`evaluate`]
//! applies a [`policy`], [`report`] renders.

pub mod audit;
pub mod diff;
pub mod dist;
pub mod evaluate;
pub mod evidence;
pub mod index;
pub mod input;
pub mod lockfile;
pub mod policy;
pub mod report;
pub mod rules;
#[doc(hidden)]
pub mod testing;
pub mod url;
pub mod verify;
