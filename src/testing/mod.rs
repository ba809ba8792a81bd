//! Test support shared by integration tests, benchmarks and the demo (not a stable API).

pub mod fake_pypi;
