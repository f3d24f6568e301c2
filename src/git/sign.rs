//! Signing a commit as git would when `commit.gpgsign` is set.
//!
//! The configured program signs the commit buffer: `ssh-keygen -Y sign -n git` for
//! `gpg.format=ssh`, `gpg --status-fd=2 -bsau <key>` for `openpgp` (and `gpgsm` for `x509`).
//! A signing failure is an error: an unsigned commit is never made silently instead.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

use super::Repo;

/// The signature for `buffer`, or `None` when `commit.gpgsign` is not set.
pub fn signature(repo: &Repo, buffer: &str) -> Result<Option<String>> {
    if repo.config_bool("commit.gpgsign")? != Some(true) {
        return Ok(None);
    }
    let format = repo
        .config_string("gpg.format")?
        .unwrap_or_else(|| "openpgp".into());
    let key = repo.config_string("user.signingkey")?;
    let signature = match format.as_str() {
        "ssh" => ssh(repo, buffer, key)?,
        "openpgp" | "x509" => {
            let (program_key, default) = if format == "x509" {
                ("gpg.x509.program", "gpgsm")
            } else {
                ("gpg.program", "gpg")
            };
            let program = repo
                .config_string(program_key)?
                .unwrap_or_else(|| default.into());
            let key = match key {
                Some(k) => k,
                None => committer_ident(repo)?,
            };
            let args = ["--status-fd=2", "-bsau", key.as_str()];
            let (out, err) = run(&program, &args, buffer)?;
            if !err.contains("\n[GNUPG:] SIG_CREATED ") && !err.starts_with("[GNUPG:] SIG_CREATED ")
            {
                return Err(Error::Signing {
                    message: format!("{program} did not create a signature: {}", err.trim()),
                });
            }
            out
        }
        other => {
            return Err(Error::Signing {
                message: format!("unknown gpg.format '{other}'"),
            })
        }
    };
    Ok(Some(signature))
}

fn ssh(repo: &Repo, buffer: &str, key: Option<String>) -> Result<String> {
    let program = repo
        .config_string("gpg.ssh.program")?
        .unwrap_or_else(|| "ssh-keygen".into());
    let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
        return Err(Error::Signing {
            message: "gpg.format is ssh but user.signingkey is not set; set it to the path of \
                      your key"
                .into(),
        });
    };
    let key = key.trim();
    let literal = key
        .strip_prefix("key::")
        .or_else(|| key.starts_with("ssh-").then_some(key));
    let (out, _) = match literal {
        Some(public) => {
            // A literal public key: its private half must be in ssh-agent (`-U`).
            let file = repo
                .git_dir()
                .join(format!("lead-signing-key-{}.pub", std::process::id()));
            std::fs::write(&file, public).map_err(|e| Error::io(&file, e))?;
            let path = file.to_string_lossy().into_owned();
            let result = run(
                &program,
                &["-Y", "sign", "-n", "git", "-U", "-f", &path],
                buffer,
            );
            let _ = std::fs::remove_file(&file);
            result?
        }
        None => {
            let path = expand_home(key);
            run(&program, &["-Y", "sign", "-n", "git", "-f", &path], buffer)?
        }
    };
    if !out.contains("BEGIN SSH SIGNATURE") {
        return Err(Error::Signing {
            message: format!("{program} printed no SSH signature"),
        });
    }
    Ok(out)
}

fn committer_ident(repo: &Repo) -> Result<String> {
    let name = repo.config_string("user.name")?.unwrap_or_default();
    let email = repo.config_string("user.email")?.unwrap_or_default();
    Ok(format!("{name} <{email}>"))
}

fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

/// Runs `program args`, feeding `input`; returns stdout and stderr, or an error naming the
/// program and what it said.
fn run(program: &str, args: &[&str], input: &str) -> Result<(String, String)> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Signing {
            message: format!("cannot run {program}: {e}"),
        })?;
    // A program that fails early stops reading: what it says then is the reason, not the
    // broken pipe.
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(input.as_bytes()),
        None => Ok(()),
    };
    let output = child.wait_with_output().map_err(|e| Error::Signing {
        message: format!("{program} failed: {e}"),
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(Error::Signing {
            message: format!("{program} failed: {}", stderr.trim()),
        });
    }
    if let Err(e) = written {
        return Err(Error::Signing {
            message: format!("cannot write to {program}: {e}"),
        });
    }
    Ok((stdout, stderr))
}
