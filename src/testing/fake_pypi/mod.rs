//! A fake PyPI for tests, benchmarks and the demo: a real HTTP server on loopback serving a
//! directory in PyPI's layout (PEP 691 JSON and HTML pages, integrity endpoints), with
//! switches for latency and injected faults and a request log; and a builder for that
//! directory whose provenance bytes come from a pluggable [`Minter`]. Usage:
//! `docs/fake-pypi.md`.

mod builder;
mod mint;
mod server;
mod tls;

pub use builder::{
    default_publisher, fixture_index, index_from_lockfiles, other_publisher, previous_version,
    synthetic_sha256, BuildOptions, FakeFile, FakeIndex,
};
pub use mint::{
    default_minter, placeholder, provenance_subject, tamper, FakePublisher, FixtureMinter,
    MintRequest, Minter, SignerMinter, Variant,
};
pub use server::{FakePypi, Fault, FaultRule, RequestRecord, BASE_PLACEHOLDER};
pub use tls::TlsFront;
