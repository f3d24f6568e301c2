//! The pure core: proposal schema, steps, gates, trailers, the ledger of events and the
//! cross-checks over it. No git2, no clap, no I/O: everything here takes text and values and
//! returns values, so it is tested without a repository.

pub mod check;
pub mod config;
pub mod diff;
pub mod edit;
pub mod gate;
pub mod id;
pub mod ledger;
pub mod merge;
pub mod person;
pub mod proposal;
pub mod signoff;
pub mod step;
pub mod template;
pub mod trailer;
pub mod trust;
pub mod util;
