//! Running the user's editor on a file, as git does.

use std::path::Path;
use std::process::Command;

use crate::error::{Error, Result};
use crate::git::Repo;

/// The editor git would use: `GIT_EDITOR`, `core.editor`, `VISUAL`, `EDITOR`, then `vi`.
pub fn editor(repo: &Repo) -> Result<String> {
    if let Some(e) = env_nonempty("GIT_EDITOR") {
        return Ok(e);
    }
    if let Some(e) = repo
        .config_string("core.editor")?
        .filter(|e| !e.trim().is_empty())
    {
        return Ok(e);
    }
    Ok(env_nonempty("VISUAL")
        .or_else(|| env_nonempty("EDITOR"))
        .unwrap_or_else(|| "vi".to_string()))
}

/// Opens `file` in the editor and waits for it to close. The editor string is run by the
/// shell, so it may carry arguments (`code --wait`); `:` does nothing, as in git.
pub fn edit(repo: &Repo, file: &Path) -> Result<()> {
    let editor = editor(repo)?;
    if editor.trim() == ":" {
        return Ok(());
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(file)
        .status()
        .map_err(|e| Error::Editor {
            editor: editor.clone(),
            message: e.to_string(),
        })?;
    if !status.success() {
        return Err(Error::Editor {
            editor,
            message: format!("it exited with {status}"),
        });
    }
    Ok(())
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
