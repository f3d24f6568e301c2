//! `$EDITOR` flows: propose without a title, and edit.

use crate::harness::Sandbox;

#[test]
fn propose_without_a_title_opens_the_editor() {
    let mut s = Sandbox::repo();
    let editor = s.script(
        "fill.sh",
        "sed -i 's/^title = \"\"/title = \"Written in the editor\"/' \"$1\"",
    );
    s.set_env("GIT_EDITOR", editor.to_str().unwrap());
    let out = s.lead(&["propose"]).ok();
    assert_eq!(out.trim(), "proposals/0001-written-in-the-editor.toml");
    assert!(s
        .git(&["log", "-1", "--format=%s"])
        .ok()
        .contains("Written in the editor"));
}

#[test]
fn an_empty_title_aborts_and_creates_nothing() {
    let mut s = Sandbox::repo();
    s.set_env("GIT_EDITOR", ":");
    let err = s.lead(&["propose"]).fails(1);
    assert!(
        err.contains("aborting") && err.contains("title is empty"),
        "{err}"
    );
    assert!(!s.dir.join("proposals").exists());
    assert_eq!(s.git(&["rev-list", "--all"]).ok(), "");
}

#[test]
fn an_editor_that_fails_aborts() {
    let s = Sandbox::repo();
    let err = s.lead(&["propose"]).fails(1);
    assert!(err.contains("the editor 'false' failed"), "{err}");
    assert!(!s.dir.join("proposals").exists());
}

#[test]
fn edit_validates_and_keeps_a_broken_edit() {
    let mut s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let file = s.proposal_file(1);
    let before = s.read(&file);
    let breaker = s.script("break.sh", "echo 'statement = [' >> \"$1\"");
    s.set_env("GIT_EDITOR", breaker.to_str().unwrap());
    let err = s.lead(&["edit", "1"]).fails(1);
    assert_eq!(s.read(&file), before, "the proposal is untouched");
    let kept = s
        .dir
        .join(".git/lead")
        .join(format!("EDIT-{}", file.trim_start_matches("proposals/")));
    assert!(err.contains(&kept.display().to_string()), "{err}");
    assert!(
        std::fs::read_to_string(&kept)
            .unwrap()
            .ends_with("statement = [\n"),
        "the edit is kept"
    );
    assert!(err.contains("hint: your edit is kept"), "{err}");

    let stepper = s.script(
        "step.sh",
        "sed -i 's/^step = \"problem\"/step = \"idea\"/' \"$1\"",
    );
    s.set_env("GIT_EDITOR", stepper.to_str().unwrap());
    let err = s.lead(&["edit", "1"]).fails(1);
    assert!(
        err.contains("steps change only with 'git lead advance 1'"),
        "{err}"
    );

    let good = s.script(
        "good.sh",
        "sed -i 's/^statement = \"\"/statement = \"edited\"/' \"$1\"",
    );
    s.set_env("GIT_EDITOR", good.to_str().unwrap());
    s.lead(&["edit", "1"]).ok();
    assert!(s.read(&file).contains("statement = \"edited\""));
    assert_eq!(
        s.git(&["rev-list", "--count", "HEAD"]).ok().trim(),
        "1",
        "edit commits nothing"
    );
}
