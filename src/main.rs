//! `git-lead`: the binary. Parses the command line, runs it, and decides the exit status.

use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use git_lead::cli::Cli;
use git_lead::Error;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // Line by line on a terminal, where someone reads as it comes; in blocks into a pipe or
    // a file, as git writes: a listing of a thousand proposals was a thousand system calls.
    let mut out: Box<dyn Write> = match stdout.is_terminal() {
        true => Box::new(stdout.lock()),
        false => Box::new(BufWriter::new(stdout.lock())),
    };
    let mut err = stderr.lock();
    let result = cli.run(&mut *out, &mut err);
    // What was written comes out before any error is reported.
    let flushed = out.flush().map_err(Error::from);
    let result = result.and(flushed);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Output { source }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(&mut err, &e);
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}

/// Prints an error in git's style: `error: ...`, the missing items, then `hint: ...`.
fn report(err: &mut dyn Write, e: &Error) {
    let _ = writeln!(err, "error: {e}");
    for line in e.details() {
        let _ = writeln!(err, "  {line}");
    }
    if let Some(hint) = e.hint() {
        let _ = write!(err, "{}", git_lead::render::text::hint_lines(&hint));
    }
}
