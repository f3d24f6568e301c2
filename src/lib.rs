//! git-lead: lead a change without a title.
//!
//! The library behind the `git-lead` binary. `docs/ARCHITECTURE.md` has the map: [`model`]
//! is pure, [`git`] is the only user of git2, [`ops`] combines them, [`render`] turns
//! results into text, and [`cli`] is a thin layer of clap types over all of it. `parallel`
//! splits work between cores for the layers that need it.

pub mod cli;
pub mod error;
pub mod git;
pub mod model;
pub mod ops;
mod parallel;
pub mod render;

pub use error::{Error, Result};
