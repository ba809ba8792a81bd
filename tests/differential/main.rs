//! Differential tests: pubgate's lockfile readers against the installers' own parsers, on
//! generated files. One module per installer, each with a Python driver in `drivers/`;
//! the installers' versions are pinned in `installers.txt`. See docs/lockfiles.md
//! ("Differential tests") for how to run them.

mod harness;
mod pip_requirements;
