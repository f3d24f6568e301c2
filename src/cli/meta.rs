//! `git lead completions` and `git lead manpages`.

use std::path::PathBuf;

use clap::CommandFactory;

use crate::error::{Error, Result};

use super::{Cli, Ctx};

/// Print a shell completion script
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

pub fn completions(ctx: &mut Ctx, a: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    // clap_complete panics on a write error; render to memory, then write.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "git-lead", &mut script);
    ctx.out.write_all(&script)?;
    if a.shell == clap_complete::Shell::Bash {
        ctx.out.write_all(BASH_GIT_LEAD.as_bytes())?;
    }
    Ok(())
}

/// For `git lead <TAB>`: git's own bash completion calls `_git_lead` with the words of the
/// `git` command line; hand them to the generated function as if `git-lead` were typed.
const BASH_GIT_LEAD: &str = r#"
_git_lead() {
    local COMP_WORDS=("git-lead" "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    _git__lead git-lead "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// Write the man pages (git-lead.1 and one per command) into a folder
///
/// Write them into a man1 folder whose parent is on MANPATH (for example
/// ~/.local/share/man/man1); then 'git lead --help' and 'git help lead' open the page.
#[derive(Debug, clap::Args)]
pub struct ManpagesArgs {
    /// Where to write them
    #[arg(value_name = "dir")]
    pub out_dir: PathBuf,
}

pub fn manpages(ctx: &mut Ctx, a: ManpagesArgs) -> Result<()> {
    std::fs::create_dir_all(&a.out_dir).map_err(|e| Error::io(&a.out_dir, e))?;
    let cmd = Cli::command().name("git-lead");
    let mut written = vec![write_page(&a.out_dir, "git-lead", cmd.clone())?];
    for sub in cmd.get_subcommands() {
        let name = format!("git-lead-{}", sub.get_name());
        written.push(write_page(
            &a.out_dir,
            &name,
            sub.clone().name(name.clone()),
        )?);
    }
    for path in &written {
        writeln!(ctx.out, "{}", path.display())?;
    }
    Ok(())
}

fn write_page(dir: &std::path::Path, name: &str, cmd: clap::Command) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .map_err(|e| Error::io(&path, e))?;
    std::fs::write(&path, page).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
