//! The one integration test binary: drives the real `git-lead` and `git` on temporary repositories.

mod trailers;
