//! The one error type of the library.
//!
//! Every variant is named after what failed and carries what a user needs to act on it. The
//! message lives in `Display`; the next step, where one exists, in [`Error::hint`]. Only
//! `main` turns an error into an exit status, through [`Error::exit_code`].

use std::path::PathBuf;

pub use crate::model::gate::Missing;

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, by what failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a git repository (or any of the parent directories): {}", path.display())]
    NotARepository { path: PathBuf },

    #[error("{} is a bare repository; git lead needs a working tree", path.display())]
    BareRepository { path: PathBuf },

    #[error("{} is a {format} repository; git lead reads SHA-1 repositories only", path.display())]
    ObjectFormat { path: PathBuf, format: String },

    #[error("git: {message}")]
    Git { message: String },

    #[error("{path} is a symbolic link; git lead reads its settings, keys and proposals from regular files only")]
    SymbolicLink { path: String },

    #[error("object {id} is missing from the repository")]
    MissingObject { id: String },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{}:{line}:{column}: {message}", path.display())]
    Config {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("invalid value for {key}: {message}")]
    ConfigValue { key: String, message: String },

    #[error("no proposal with id {id}")]
    ProposalNotFound { id: u32 },

    #[error("proposal {id} has no {kind} '{name}'")]
    ItemNotFound {
        id: u32,
        kind: &'static str,
        name: String,
    },

    #[error("proposal {id} is in {count} files: {}", list_paths(paths))]
    DuplicateId {
        id: u32,
        count: usize,
        paths: Vec<PathBuf>,
    },

    #[error("{} is in HEAD but deleted from the working tree", path.display())]
    ProposalDeleted { path: PathBuf },

    #[error("unknown step '{given}'; the steps are {}", crate::model::step::Step::names().join(", "))]
    UnknownStep { given: String },

    #[error("proposal {id} cannot leave {step} yet: {}", describe_missing(missing))]
    StepIncomplete {
        id: u32,
        step: String,
        missing: Vec<Missing>,
    },

    #[error("proposal {id} cannot enter {to}: its sign-off policy does not hold")]
    PolicyUnmet {
        id: u32,
        to: String,
        /// Each unmet rule with what is missing.
        unmet: Vec<(String, String)>,
    },

    #[error("proposal {id} cannot go from {from} to {to}: {reason}")]
    BadTransition {
        id: u32,
        from: String,
        to: String,
        reason: String,
    },

    #[error("proposal {id} does not exist at {rev}")]
    NotAtRevision { id: u32, rev: String },

    #[error("unknown revision '{rev}'")]
    UnknownRevision { rev: String, shallow: bool },

    #[error("'{base}' and HEAD have no common history (no merge base)")]
    NoMergeBase { base: String, shallow: bool },

    #[error("{what} is in progress")]
    OperationInProgress { what: &'static str },

    #[error("unable to create '{}': another git process seems to be running in this repository", path.display())]
    IndexLocked { path: PathBuf },

    #[error("author identity unknown")]
    NoIdentity,

    #[error("cannot sign the commit: {message}")]
    Signing { message: String },

    #[error("{what}")]
    Aborted { what: String },

    #[error("{}: {message}", path.display())]
    EditRejected { path: PathBuf, message: String },

    #[error("the editor '{editor}' failed: {message}")]
    Editor { editor: String, message: String },

    #[error("{message}")]
    Usage { message: String },

    #[error("{message}")]
    State { message: String },

    #[error("this is a shallow clone: its history cannot tell which transitions, sign-offs and feedback were recorded")]
    ShallowHistory,

    #[error("{path}: {count} conflict(s) left between the markers")]
    MergeConflicts { path: String, count: usize },

    #[error("git lead check found {errors} error(s) and {warnings} warning(s)")]
    CheckFailed { errors: usize, warnings: usize },

    #[error("cannot write the output: {source}")]
    Output {
        #[source]
        source: std::io::Error,
    },
}

fn list_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

fn describe_missing(missing: &[Missing]) -> String {
    let fields: Vec<&str> = missing.iter().map(|m| m.field.as_str()).collect();
    format!("{} missing ({})", missing.len(), fields.join(", "))
}

impl From<std::io::Error> for Error {
    /// Output errors: writing results to stdout failed (a closed pipe, a full disk).
    fn from(source: std::io::Error) -> Self {
        Error::Output { source }
    }
}

impl Error {
    /// The exit status for this error: 2 for usage mistakes, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage { .. } | Error::UnknownStep { .. } => 2,
            _ => 1,
        }
    }

    /// The next step for the user, in git's `hint:` style, where one exists.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            Error::NotARepository { .. } => {
                "run 'git init' to start a repository, or 'git lead -C <dir>' to use another one"
                    .to_string()
            }
            Error::BareRepository { .. } => {
                "clone it ('git clone <path>') and run git lead in the clone".to_string()
            }
            Error::ObjectFormat { .. } => {
                "the proposal files are plain TOML and can be edited by hand; git lead itself \
                 needs a repository of the default object format (sha1)"
                    .to_string()
            }
            Error::SymbolicLink { .. } => {
                "commit the file itself where the link is (a link could point anywhere on the \
                 machine that runs the command)"
                    .to_string()
            }
            Error::MissingObject { .. } => {
                "'git fsck' tells what else is missing; a partial clone made with a tree filter \
                 lacks the trees git lead reads, which 'git fetch --refetch --filter=blob:none \
                 origin' brings"
                    .to_string()
            }
            Error::Parse { .. } => {
                "fix the file by hand (nothing was written), then run the command again".to_string()
            }
            Error::Config { .. } | Error::ConfigValue { .. } => {
                "fix .lead.toml or the lead.* git configuration; 'git lead init --force' writes the defaults"
                    .to_string()
            }
            Error::ProposalNotFound { .. } => "'git lead list' shows the proposals".to_string(),
            Error::MergeConflicts { .. } => {
                "keep the right side of each conflict and remove the markers, then 'git add' \
                 the file; 'git lead check' tells when it reads again"
                    .to_string()
            }
            Error::DuplicateId { id, .. } => format!(
                "two branches both proposed {id}; renumber one file (change its 'id' and its \
                 name) in a commit of its own"
            ),
            Error::ProposalDeleted { path } => {
                format!(
                    "restore it with 'git restore --staged --worktree {}'",
                    path.display()
                )
            }
            Error::StepIncomplete { id, .. } => {
                format!("fill in the fields above, then run 'git lead advance {id}' again")
            }
            Error::UnknownRevision { shallow: true, .. } | Error::NoMergeBase { shallow: true, .. } => {
                "this is a shallow clone; fetch the whole history with 'git fetch --unshallow' \
                 (in CI: a checkout with fetch-depth: 0)"
                    .to_string()
            }
            Error::UnknownRevision { .. } => {
                "name a commit, branch or tag that exists here; 'git fetch' brings others' branches"
                    .to_string()
            }
            Error::NoMergeBase { .. } => {
                "the two histories are unrelated; compare against a branch that shares history with HEAD"
                    .to_string()
            }
            Error::PolicyUnmet { id, .. } => {
                format!("'git lead signoffs {id}' shows who has signed off and what is missing")
            }
            Error::ShallowHistory => "fetch the whole history ('git fetch --unshallow'; in CI, \
                 a checkout with fetch-depth: 0)"
                .to_string(),
            Error::ItemNotFound {
                id,
                kind: "sign-off by" | "open concern",
                ..
            } => format!("'git lead signoffs {id}' shows the sign-offs and open concerns"),
            Error::OperationInProgress { .. } => {
                "finish it or abort it first ('git status' says how)".to_string()
            }
            Error::IndexLocked { .. } => {
                "wait for the other git process to finish; if none is running, remove the lock file"
                    .to_string()
            }
            Error::NoIdentity => "run\n\n  git config --global user.email \"you@example.com\"\n  \
                 git config --global user.name \"Your Name\"\n\nto set your account's default \
                 identity.\nOmit --global to set the identity only in this repository."
                .to_string(),
            Error::EditRejected { .. } => "your edit is kept in the file named above; fix it \
                 there and copy it back, or run the command again"
                .to_string(),
            Error::UnknownStep { .. } => {
                "'git lead show <id>' shows where a proposal is".to_string()
            }
            Error::ItemNotFound { id, .. } => {
                format!("'git lead show {id}' lists them with their ids")
            }
            _ => return None,
        };
        Some(hint)
    }

    /// The lines that detail this error: the missing items of a step gate, the unmet rules
    /// of a sign-off policy.
    pub fn details(&self) -> Vec<String> {
        match self {
            Error::StepIncomplete { missing, .. } => missing
                .iter()
                .map(|m| format!("{}: {}", m.field, m.need))
                .collect(),
            Error::PolicyUnmet { unmet, .. } => unmet
                .iter()
                .map(|(rule, detail)| format!("{rule}: {detail}"))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn state(message: impl Into<String>) -> Self {
        Error::State {
            message: message.into(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
        }
    }
}
