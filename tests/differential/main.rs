//! Differential tests: pubgate's lockfile readers against the installers themselves, on the
//! fixtures and on generated files. Each installer has a Python driver in `drivers/`, run
//! once over all its cases; the installers' versions are pinned in `installers.txt`. See
//! docs/lockfiles.md ("Differential tests") for how to run them.

mod harness;
mod lockfile_cases;
mod lockfiles;
mod pip_requirements;
