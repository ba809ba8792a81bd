//! Test support compiled into the library so integration tests, benches and examples share
//! it. Nothing here is for production use.

pub mod signer;
