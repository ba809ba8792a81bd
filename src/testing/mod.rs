//! Test support compiled into the library so integration tests, benches, examples and the
//! demo share it. Nothing here is for production use, and none of it is a stable API.

pub mod fake_pypi;
pub mod signer;
