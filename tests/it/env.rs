//! Conventions of a git subcommand: dispatch from subfolders, -C, GIT_DIR/GIT_WORK_TREE,
//! git -c, .lead.toml, completions and man pages.

use crate::harness::{json, Sandbox};

#[test]
fn works_from_a_subfolder_and_with_dash_c() {
    let s = Sandbox::repo();
    std::fs::create_dir_all(s.dir.join("deep/er")).unwrap();
    let out = s
        .lead_in(&s.dir.join("deep/er"), &["propose", "From below"])
        .ok();
    assert_eq!(out.trim(), "proposals/0001-from-below.toml");
    assert!(s.dir.join("proposals/0001-from-below.toml").exists());
    // git's -C and our own -C.
    let elsewhere = s.root().to_path_buf();
    let listed = s
        .run_in("git", &elsewhere, &["-C", "work", "lead", "list", "--json"])
        .ok();
    assert_eq!(json(&listed)["proposals"][0]["id"], 1);
    let listed = s
        .run_in("git-lead", &elsewhere, &["-C", "work", "list", "--json"])
        .ok();
    assert_eq!(json(&listed)["proposals"][0]["id"], 1);
}

#[test]
fn honours_git_dir_and_git_work_tree() {
    let mut s = Sandbox::repo();
    let git_dir = s.root().join("separate.git");
    std::fs::rename(s.dir.join(".git"), &git_dir).unwrap();
    s.set_env("GIT_DIR", git_dir.to_str().unwrap());
    s.set_env(
        "GIT_WORK_TREE",
        s.dir.to_str().unwrap().to_string().as_str(),
    );
    let elsewhere = s.root().to_path_buf();
    s.lead_in(
        &elsewhere,
        &["propose", "Separate", "--problem", "p", "--affected", "a"],
    )
    .ok();
    assert!(s.dir.join("proposals/0001-separate.toml").exists());
    s.lead_in(&elsewhere, &["advance", "1"]).ok();
    let steps = s
        .git(&[
            "log",
            "--format=%(trailers:key=Lead-Step,valueonly,separator=)",
        ])
        .ok();
    assert_eq!(
        steps.split_whitespace().collect::<Vec<_>>(),
        ["idea", "problem"]
    );
}

#[test]
fn honours_git_dash_c_and_lead_toml() {
    let s = Sandbox::repo();
    let out = s
        .run_in(
            "git",
            &s.dir,
            &[
                "-c",
                "lead.folder=rfcs",
                "-c",
                "lead.id-width=3",
                "lead",
                "propose",
                "Configured",
            ],
        )
        .ok();
    assert_eq!(out.trim(), "rfcs/001-configured.toml");
    s.write(".lead.toml", "folder = \"rfcs\"\n[gates]\nmin-ideas = 3\n");
    let listed = json(&s.lead(&["list", "--json"]).ok());
    assert_eq!(listed["proposals"][0]["file"], "rfcs/001-configured.toml");
    // The gate rule's number comes from .lead.toml...
    s.write(
        "rfcs/001-configured.toml",
        &s.read("rfcs/001-configured.toml")
            .replace("statement = \"\"", "statement = \"s\"")
            .replace("affected = \"\"", "affected = \"a\""),
    );
    s.lead(&["idea", "1", "one"]).ok();
    s.lead(&["idea", "1", "two"]).ok();
    s.lead(&["objection", "1", "no"]).ok();
    s.lead(&["advance", "1"]).ok();
    s.lead(&["advance", "1"]).ok();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(err.contains("at least 3 ideas (there are 2)"), "{err}");
    // ...and git -c overrides it for one run.
    let dry = s
        .run_in(
            "git",
            &s.dir,
            &[
                "-c",
                "lead.gates.min-ideas=2",
                "lead",
                "advance",
                "1",
                "--dry-run",
            ],
        )
        .ok();
    assert!(
        dry.contains("can move from alternatives to critique"),
        "{dry}"
    );
    // And `git -c user.name` is the identity git would use.
    s.run_in(
        "git",
        &s.dir,
        &[
            "-c",
            "user.name=Dee Dash",
            "-c",
            "user.email=dee@example.com",
            "lead",
            "propose",
            "By Dee",
        ],
    )
    .ok();
    assert_eq!(
        s.git(&["log", "-1", "--format=%an <%ae>"]).ok().trim(),
        "Dee Dash <dee@example.com>"
    );
}

#[test]
fn init_writes_the_defaults_and_a_malformed_config_is_located() {
    let s = Sandbox::repo();
    let out = s.lead(&["init"]).ok();
    assert_eq!(out.trim(), ".lead.toml");
    let text = s.read(".lead.toml");
    assert!(text.contains("folder = \"proposals\"") && text.contains("min-ideas = 2"));
    assert!(s.lead(&["init"]).fails(2).contains("already exists"));
    s.write(
        ".lead.toml",
        "folder = \"rfcs\"\n[gates]\nmin-ideas = \"many\"\n",
    );
    let err = s.lead(&["list"]).fails(1);
    assert!(
        err.contains("error: .lead.toml:3:13: `gates.min-ideas`: expected a whole number"),
        "{err}"
    );
    s.write(".lead.toml", "folder = [\n");
    let err = s.lead(&["list"]).fails(1);
    assert!(err.contains("error: .lead.toml:1:"), "{err}");
    s.lead(&["init", "--force"]).ok();
    let err = s
        .run_in("git", &s.dir, &["-c", "lead.id-width=zero", "lead", "list"])
        .fails(1);
    assert!(
        err.contains("error: invalid value for lead.id-width: expected a whole number"),
        "{err}"
    );
}

#[test]
fn completions_and_man_pages() {
    let s = Sandbox::repo();
    let bash = s.lead(&["completions", "bash"]).ok();
    assert!(bash.contains("propose") && bash.contains("advance"));
    // `git lead adv<TAB>` through git's own completion, which calls _git_lead.
    let script = s.root().join("completion.bash");
    std::fs::write(&script, &bash).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(git lead adv); COMP_CWORD=2; _git_lead; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let completed = s.run_in("bash", &s.dir, &["-c", &probe]).ok();
    assert_eq!(completed.trim(), "advance", "{completed}");
    let dir = s.root().join("man");
    let out = s.lead(&["manpages", dir.to_str().unwrap()]).ok();
    assert!(out.lines().count() >= 15, "{out}");
    let page = std::fs::read_to_string(dir.join("git-lead.1")).unwrap();
    assert!(
        page.contains(".TH git-lead"),
        "{}",
        &page[..200.min(page.len())]
    );
    let advance = std::fs::read_to_string(dir.join("git-lead-advance.1")).unwrap();
    assert!(advance.contains("dry\\-run"));
}

#[test]
fn git_help_finds_the_man_page() {
    if std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no man program on this machine");
        return;
    }
    let mut s = Sandbox::repo();
    let man1 = s.home.join("man/man1");
    s.lead(&["manpages", man1.to_str().unwrap()]).ok();
    s.set_env("MANPATH", s.home.join("man").to_str().unwrap());
    s.set_env("MANPAGER", "cat");
    s.set_env("MAN_KEEP_FORMATTING", "0");
    let page = s.lead(&["--help"]).ok();
    assert!(
        page.contains("git-lead") && page.contains("propose"),
        "{page}"
    );
}

#[test]
fn prompts_list_the_starter_questions() {
    let s = Sandbox::repo();
    let out = s.lead(&["prompts"]).ok();
    assert!(out.contains("communication") && out.contains("code-quality"));
    let out = s.lead(&["propose", "Talk", "--area", "communication"]).ok();
    let text = s.read(out.trim());
    assert!(
        text.contains("area = \"communication\"")
            && text.contains("# Questions to start from (communication):")
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let s = Sandbox::repo();
    s.lead(&["propose", "Colourful"]).ok();
    let plain = s.lead(&["show", "1"]).ok();
    assert!(!plain.contains('\u{1b}'), "piped output has no colour");
    let forced = s.lead(&["--color", "always", "show", "1"]).ok();
    assert!(forced.contains("\u{1b}[1m"), "{forced}");
    let table = s.lead(&["list", "--color", "always"]).ok();
    assert!(table.contains('\u{1b}'), "{table}");
    let never = s.lead(&["--color", "never", "list"]).ok();
    assert!(!never.contains('\u{1b}'));
}
