//! `pubgate audit`: how your own projects are published. For each project, every release
//! (or those a [`Window`] selects), each file's provenance and verified publisher, one
//! verdict per release, and a summary a maintainer can act on.
//!
//! Evidence is gathered by [`crate::index::releases`], judged by
//! [`crate::evaluate::evaluate_audit`] (rules PG401–PG405, and PG102/PG103 for your own
//! files), and rendered by [`crate::report::audit`].

mod adoption;
mod evidence;
mod summary;

pub use adoption::Adoption;
pub use evidence::{
    FileEvidence, Listed, PageStatus, ProjectEvidence, ProjectListing, ReleaseEvidence, Verdict,
    Window,
};
pub use summary::{
    never_attested, remediation, FirstAttested, Latest, ProjectSummary, Remediation, Why,
};
