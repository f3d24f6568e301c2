//! The command line: clap types and dispatch. Each command is a thin adapter: parse the
//! arguments, open the workspace, call an operation, render the result.

mod advance;
mod board;
mod check;
mod edit;
mod feedback;
mod init;
mod merge;
mod meta;
mod propose;
mod read;
mod setters;
mod signoffs;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::git::Notice;
use crate::model::{id, step::Step};
use crate::ops::Workspace;
use crate::render::color::{Paint, When};

/// Lead a change without a title: proposals that move through eight steps, tracked in git.
///
/// A proposal is a TOML file under proposals/. It moves through problem, idea,
/// alternatives, critique, stakeholders, strategy, socialize and implement; every move is a
/// commit whose trailers (Lead-Proposal, Lead-Step) make the history the ledger.
#[derive(Debug, Parser)]
#[command(
    name = "git-lead",
    bin_name = "git lead",
    version,
    propagate_version = true,
    after_help = "Exit status: 0 success, 1 an error or an unmet gate, 2 a usage error.\n\
                  See 'git lead <command> --help' for each command."
)]
pub struct Cli {
    /// Run as if git lead was started in the given folder
    #[arg(
        short = 'C',
        value_name = "path",
        global = true,
        help_heading = "Global options"
    )]
    pub dir: Vec<PathBuf>,

    /// When to colour the output
    #[arg(
        long,
        value_enum,
        value_name = "when",
        default_value_t = ColorArg::Auto,
        global = true,
        help_heading = "Global options"
    )]
    pub color: ColorArg,

    /// Print no status messages (results and errors still appear)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Propose(propose::Args),
    Idea(setters::IdeaArgs),
    Objection(setters::ObjectionArgs),
    Critique(setters::CritiqueArgs),
    Choose(setters::ChooseArgs),
    Stakeholder(setters::StakeholderArgs),
    Advance(advance::Args),
    Feedback(feedback::FeedbackArgs),
    Respond(feedback::RespondArgs),
    Diff(feedback::DiffArgs),
    Review(feedback::ReviewArgs),
    Check(check::Args),
    Signoff(signoffs::SignoffArgs),
    Concern(signoffs::ConcernArgs),
    Resolve(signoffs::ResolveArgs),
    Signoffs(signoffs::SignoffsArgs),
    List(read::ListArgs),
    Show(read::ShowArgs),
    Log(read::LogArgs),
    Inbox(read::InboxArgs),
    Board(board::BoardArgs),
    Edit(edit::Args),
    Renumber(merge::RenumberArgs),
    Init(init::InitArgs),
    MergeFile(merge::MergeFileArgs),
    Prompts(init::PromptsArgs),
    Completions(meta::CompletionsArgs),
    Manpages(meta::ManpagesArgs),
}

/// What every command gets: where output goes and how it looks.
pub struct Ctx<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub paint: Paint,
    pub quiet: bool,
    /// Whether to show the progress of long history walks (stderr is a terminal, no
    /// `--quiet`).
    pub progress: bool,
}

impl Ctx<'_> {
    /// A status line on stderr, unless `--quiet`.
    pub fn status(&mut self, message: &str) -> Result<()> {
        if !self.quiet {
            writeln!(self.err, "{message}")?;
        }
        Ok(())
    }

    /// A warning on stderr, always.
    pub fn warn(&mut self, message: &str) -> Result<()> {
        writeln!(self.err, "warning: {message}")?;
        Ok(())
    }
}

impl Cli {
    /// Runs the parsed command line.
    pub fn run(self, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
        for dir in &self.dir {
            std::env::set_current_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        let when = match self.color {
            ColorArg::Auto => When::Auto,
            ColorArg::Always => When::Always,
            ColorArg::Never => When::Never,
        };
        let mut ctx = Ctx {
            out,
            err,
            paint: Paint::for_stdout(when),
            quiet: self.quiet,
            progress: !self.quiet && std::io::stderr().is_terminal(),
        };
        match self.command {
            Command::Propose(a) => propose::run(&mut ctx, a),
            Command::Idea(a) => setters::idea(&mut ctx, a),
            Command::Objection(a) => setters::objection(&mut ctx, a),
            Command::Critique(a) => setters::critique(&mut ctx, a),
            Command::Choose(a) => setters::choose(&mut ctx, a),
            Command::Stakeholder(a) => setters::stakeholder(&mut ctx, a),
            Command::Advance(a) => advance::run(&mut ctx, a),
            Command::Feedback(a) => feedback::feedback(&mut ctx, a),
            Command::Respond(a) => feedback::respond(&mut ctx, a),
            Command::Diff(a) => feedback::diff(&mut ctx, a),
            Command::Review(a) => feedback::review(&mut ctx, a),
            Command::Check(a) => check::run(&mut ctx, a),
            Command::Signoff(a) => signoffs::signoff(&mut ctx, a),
            Command::Concern(a) => signoffs::concern(&mut ctx, a),
            Command::Resolve(a) => signoffs::resolve(&mut ctx, a),
            Command::Signoffs(a) => signoffs::signoffs_cmd(&mut ctx, a),
            Command::List(a) => read::list(&mut ctx, a),
            Command::Show(a) => read::show(&mut ctx, a),
            Command::Log(a) => read::log(&mut ctx, a),
            Command::Inbox(a) => read::inbox(&mut ctx, a),
            Command::Board(a) => board::board(&mut ctx, a),
            Command::Edit(a) => edit::run(&mut ctx, a),
            Command::Init(a) => init::init(&mut ctx, a),
            Command::MergeFile(a) => merge::merge_file(&mut ctx, a),
            Command::Renumber(a) => merge::renumber(&mut ctx, a),
            Command::Prompts(a) => init::prompts(&mut ctx, a),
            Command::Completions(a) => meta::completions(&mut ctx, a),
            Command::Manpages(a) => meta::manpages(&mut ctx, a),
        }
    }
}

/// clap value parser for proposal ids: `7`, `0007`.
pub fn parse_id(s: &str) -> std::result::Result<u32, String> {
    id::parse(s).ok_or_else(|| format!("'{s}' is not a proposal id (a positive number)"))
}

/// Reads a step name, or says which ones exist.
pub fn parse_step(s: &str) -> Result<Step> {
    Step::parse(s).ok_or_else(|| Error::UnknownStep {
        given: s.to_string(),
    })
}

impl Ctx<'_> {
    /// Opens the workspace of the current directory; on a terminal, a long history walk
    /// shows its progress on stderr, and unless `--quiet`, a long one that lacked a
    /// commit-graph says how to get one.
    pub fn workspace(&self) -> Result<Workspace> {
        // `--quiet` tells nothing (and there is no progress line without a terminal).
        if self.quiet {
            return Workspace::open_with(None);
        }
        let line = self.progress.then(progress_line);
        Workspace::open_with(Some(Box::new(move |notice| match notice {
            Notice::NoCommitGraph { commits } => {
                let hint = crate::render::text::commit_graph_hint(commits);
                let _ = std::io::stderr().write_all(hint.as_bytes());
            }
            _ => {
                if let Some(line) = &line {
                    line(notice);
                }
            }
        })))
    }
}

/// `reading the history: 40960 commits`, rewritten in place on stderr once a walk has
/// taken longer than `GIT_PROGRESS_DELAY` seconds (git's variable; one second when it is
/// not set), and erased when it ends. A count already on the line is not written again.
fn progress_line() -> Box<dyn Fn(Notice)> {
    let start = std::time::Instant::now();
    let delay = std::env::var("GIT_PROGRESS_DELAY")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs,
        );
    // The count on the line, while one is shown.
    let shown = std::cell::Cell::new(None);
    Box::new(move |notice| {
        let mut err = std::io::stderr();
        match notice {
            Notice::Reading(n) if shown.get() != Some(n) && start.elapsed() > delay => {
                let _ = write!(err, "\rreading the history: {n} commits");
                shown.set(Some(n));
            }
            Notice::Done if shown.get().is_some() => {
                let _ = write!(err, "\r\x1b[K");
                shown.set(None);
            }
            _ => {}
        }
    })
}
