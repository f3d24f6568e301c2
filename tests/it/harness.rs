//! A sealed environment for driving the real `git-lead` binary and the real `git`.
//!
//! Every repository lives in its own temporary folder with its own `HOME`, no system or
//! user configuration but what the test writes, fixed names, emails and dates, `TZ=UTC`,
//! `LC_ALL=C`, `COLUMNS=100` and no colour, so output and hashes are stable.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The result of one command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(self) -> String {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self.stdout
    }

    /// Asserts the exit status and returns stderr.
    #[track_caller]
    pub fn fails(self, code: i32) -> String {
        assert_eq!(
            self.code, code,
            "unexpected status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self.stderr
    }
}

/// A temporary folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("git-lead-it-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir.canonicalize().unwrap())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A sealed sandbox: a home folder and a repository (or a plain folder) beside it.
pub struct Sandbox {
    root: TempDir,
    pub home: PathBuf,
    pub dir: PathBuf,
    env: Vec<(String, String)>,
}

pub const ADA: &str = "Ada Lovelace <ada@example.com>";
pub const BO: &str = "Bo Chen <bo@example.com>";
pub const CY: &str = "Cy Dee <cy@example.com>";
pub const MALLORY: &str = "Mallory Mole <mallory@example.com>";

impl Sandbox {
    /// A fresh repository on branch `main` with Ada configured as the user.
    pub fn repo() -> Sandbox {
        let s = Sandbox::bare_home("repo");
        s.write_home_config("[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n");
        s.git(&["init", "-q", "-b", "main", "."]).ok();
        s
    }

    /// A sandbox with an empty home and an empty folder `work` (not a repository).
    pub fn bare_home(tag: &str) -> Sandbox {
        let root = TempDir::new(tag);
        let home = root.path().join("home");
        let dir = root.path().join("work");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(home.join(".gitconfig"), "").unwrap();
        Sandbox {
            root,
            home,
            dir,
            env: Vec::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn write_home_config(&self, text: &str) {
        std::fs::write(self.home.join(".gitconfig"), text).unwrap();
    }

    /// Sets an extra environment variable for every later command.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    fn command(&self, program: &str, cwd: &Path) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_git-lead"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd)
            .env_clear()
            .env("PATH", path)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_AUTHOR_DATE", "@1764576000 +0000")
            .env("GIT_COMMITTER_DATE", "@1764576000 +0000")
            .env("TZ", "UTC")
            .env("LC_ALL", "C")
            .env("COLUMNS", "100")
            .env("NO_COLOR", "1")
            .env("GIT_EDITOR", "false")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `git lead <args>` through git's own dispatch, in the repository.
    pub fn lead(&self, args: &[&str]) -> Run {
        self.lead_in(&self.dir, args)
    }

    /// Runs `git lead <args>` as another person (author and committer).
    pub fn lead_as(&self, who: &str, args: &[&str]) -> Run {
        let mut all = vec!["lead"];
        all.extend_from_slice(args);
        self.run_with(&mut self.as_person(who, self.cmd("git", &all)))
    }

    /// Runs `git <args>` as another person (author and committer).
    pub fn git_as(&self, who: &str, args: &[&str]) -> Run {
        self.run_with(&mut self.as_person(who, self.cmd("git", args)))
    }

    /// An empty commit by `who` carrying one trailer, made with plain git (a sign-off
    /// without the tool).
    pub fn trailer_commit_as(&self, who: &str, message: &str, trailer: &str) -> Run {
        self.git_as(who, &trailer_commit(message, trailer))
    }

    /// A clone of the repository beside it, `depth` commits deep; its path.
    pub fn shallow_clone(&self, depth: u32) -> PathBuf {
        let url = format!("file://{}", self.dir.display());
        let depth = depth.to_string();
        self.run_in(
            "git",
            self.root(),
            &["clone", "-q", "--depth", &depth, &url, "clone"],
        )
        .ok();
        self.root().join("clone")
    }

    /// `cmd` run as `who` (`Name <email>`), author and committer.
    pub fn as_person(&self, who: &str, mut cmd: Command) -> Command {
        let (name, email) = who.split_once(" <").unwrap();
        let email = email.trim_end_matches('>');
        for role in ["AUTHOR", "COMMITTER"] {
            cmd.env(format!("GIT_{role}_NAME"), name);
            cmd.env(format!("GIT_{role}_EMAIL"), email);
        }
        cmd
    }

    /// Runs `git lead <args>` in another folder.
    pub fn lead_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut all = vec!["lead"];
        all.extend_from_slice(args);
        self.run_in("git", cwd, &all)
    }

    /// Runs `git <args>` in the repository.
    pub fn git(&self, args: &[&str]) -> Run {
        self.run_in("git", &self.dir, args)
    }

    /// Runs any program in `cwd` with the sealed environment.
    pub fn run_in(&self, program: &str, cwd: &Path, args: &[&str]) -> Run {
        self.run_with(self.command(program, cwd).args(args))
    }

    /// Runs a prepared command (from [`Sandbox::cmd`]).
    pub fn run_with(&self, cmd: &mut Command) -> Run {
        let out = cmd.output().expect("the program starts");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A command with the sealed environment, to add stdin or more variables to.
    pub fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = self.command(program, &self.dir);
        cmd.args(args);
        cmd
    }

    /// Runs `git <args>` with `input` on stdin.
    pub fn git_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command("git", &self.dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).unwrap()
    }

    /// `git rev-parse HEAD`.
    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).ok().trim().to_string()
    }

    /// The file of proposal `id` (the only file in `proposals/` starting with its number).
    pub fn proposal_file(&self, id: u32) -> String {
        let prefix = format!("{id:04}");
        let mut names: Vec<String> = std::fs::read_dir(self.dir.join("proposals"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        names.sort();
        format!("proposals/{}", names.first().expect("a proposal file"))
    }

    /// Writes an executable shell script and returns its path.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.root().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    /// Proposes proposal 1 and takes it to `strategy` complete, ready for `socialize`.
    pub fn tour_to_strategy(&self) {
        self.lead(&[
            "propose",
            "Flaky CI costs us an hour a day",
            "--problem",
            "Jobs fail at random",
            "--affected",
            "Every team",
        ])
        .ok();
        self.lead(&["idea", "1", "Quarantine flaky tests automatically"])
            .ok();
        self.lead(&["advance", "1"]).ok();
        self.lead(&["idea", "1", "Retry failed jobs once"]).ok();
        self.lead(&["advance", "1"]).ok();
        self.lead(&["objection", "1", "Quarantine can hide real failures"])
            .ok();
        self.lead(&["advance", "1"]).ok();
        self.lead(&[
            "critique",
            "1",
            "I1",
            "--root-cause",
            "Removes the noise at its source",
        ])
        .ok();
        self.lead(&["critique", "1", "2", "--band-aid", "Hides the noise"])
            .ok();
        self.lead(&["choose", "1", "i1", "--why", "It fixes the cause"])
            .ok();
        self.lead(&["advance", "1"]).ok();
        self.lead(&[
            "stakeholder",
            "1",
            BO,
            "--role",
            "release manager",
            "--perspective",
            "Wants green builds",
            "--required",
        ])
        .ok();
        self.lead(&["advance", "1"]).ok();
        self.lead(&[
            "stakeholder",
            "1",
            BO,
            "--pain",
            "Reruns at midnight",
            "--pitch",
            "Fewer pages",
        ])
        .ok();
    }
}

impl Sandbox {
    /// Proposal 1 in `socialize` with answered feedback and two stakeholders, Bo (required)
    /// and Cy: ready for sign-offs.
    pub fn ready_for_signoffs(&self) {
        self.tour_to_strategy();
        self.lead(&[
            "stakeholder",
            "1",
            CY,
            "--perspective",
            "Owns the test farm",
            "--pain",
            "Idle machines",
            "--pitch",
            "Fewer reruns",
        ])
        .ok();
        self.lead(&["advance", "1"]).ok();
        let file = self.proposal_file(1);
        let text = self.read(&file).replace(
            "[socialize]\n",
            "[socialize]\n\n[socialize.F1]\nfrom = \"Dana Wu <dana@example.com>\"\ntext = \"Page the owner\"\nstatus = \"incorporated\"\nanswer = \"The owner is paged\"\n",
        );
        self.write(&file, &text);
        self.git(&["commit", "-qam", "Record feedback"]).ok();
    }

    /// An ed25519 key pair in the sandbox; returns the private key's path.
    pub fn keygen(&self, name: &str, email: &str) -> PathBuf {
        let key = self.root().join(name);
        self.run_in(
            "ssh-keygen",
            self.root(),
            &[
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                email,
                "-f",
                key.to_str().unwrap(),
            ],
        )
        .ok();
        key
    }

    /// The `email keytype key` line of an allowed-signers file for a key.
    pub fn signer_line(&self, email: &str, key: &Path) -> String {
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let mut words = public.split_whitespace();
        format!(
            "{email} {} {}\n",
            words.next().unwrap(),
            words.next().unwrap()
        )
    }
}

/// The eight steps, in order.
pub const STEPS: [&str; 8] = [
    "problem",
    "idea",
    "alternatives",
    "critique",
    "stakeholders",
    "strategy",
    "socialize",
    "implement",
];

/// The text of proposal `id` at `step`, whose content completes every step's gate.
pub fn proposal_text(id: u32, step: &str) -> String {
    format!(
        r#"schema = 1
id = {id}
title = "Flaky CI costs us an hour a day"
author = "Ada Lovelace <ada@example.com>"
step = "{step}"

[problem]
statement = "Jobs fail at random"
affected = "Every team"

[idea.I1]
summary = "Quarantine flaky tests automatically"

[idea.I2]
summary = "Retry failed jobs once"

[alternatives]
objections = ["Quarantine can hide real failures"]

[critique]
chosen = "I1"
why = "It fixes the cause"

[critique.I1]
verdict = "root-cause"
reason = "Removes the noise at its source"

[critique.I2]
verdict = "band-aid"
reason = "Hides the noise"

[stakeholders.bo-chen]
who = "Bo Chen <bo@example.com>"
role = "release manager"
perspective = "Wants green builds"
required = true

[stakeholders.cy-dee]
who = "Cy Dee <cy@example.com>"
perspective = "Owns the test farm"

[strategy.bo-chen]
pain = "Reruns at midnight"
pitch = "Fewer pages"

[strategy.cy-dee]
pain = "Idle machines"
pitch = "Fewer reruns"

[socialize.F1]
from = "Dana Wu <dana@example.com>"
text = "Page the owner"
status = "incorporated"
answer = "The owner is paged"

[implement]
plan = "Quarantine first, then page the owner"
"#
    )
}

/// Parses JSON output.
/// The arguments of `git commit` for an empty commit with one trailer.
pub fn trailer_commit<'a>(message: &'a str, trailer: &'a str) -> [&'a str; 7] {
    [
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
        "--trailer",
        trailer,
    ]
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{text}"))
}
