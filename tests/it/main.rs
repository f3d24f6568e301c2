//! The one integration test binary: drives the real `git-lead` and `git` on temporary
//! repositories in a sealed environment (see `harness`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod adversarial;
mod bad_input;
mod board;
mod cache;
mod check;
mod editor;
mod env;
mod feedback;
mod harness;
mod inbox;
mod layouts;
mod merge;
mod renumber;
mod signing;
mod signoffs;
mod tour;
mod trailers;
