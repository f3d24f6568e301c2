//! `git lead board`: the site written from a seeded repository, parsed with a strict HTML5
//! parser, its links crawled, hostile text tried, and the folder rules of its output.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use html5ever::tendril::TendrilSink;
use html5ever::{parse_document, ParseOpts};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

use crate::harness::{Run, Sandbox, BO, CY};

const HOSTILE: &str = "<script>alert(1)</script>";

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(top: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(top, &path, out);
            } else {
                let rel = path
                    .strip_prefix(top)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The page parsed with every parse error reported: a valid HTML5 document has none.
fn parse(name: &str, html: &[u8]) -> RcDom {
    let opts = ParseOpts {
        tokenizer: html5ever::tokenizer::TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let dom = parse_document(RcDom::default(), opts).from_utf8().one(html);
    let errors: Vec<String> = dom.errors.iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    dom
}

/// An element: its name, its attributes, and the node.
type Element = (String, Vec<(String, String)>, Handle);

/// Every element below `node`.
fn elements(node: &Handle, out: &mut Vec<Element>) {
    if let NodeData::Element { name, attrs, .. } = &node.data {
        let attrs = attrs
            .borrow()
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        out.push((name.local.to_string(), attrs, node.clone()));
    }
    for child in node.children.borrow().iter() {
        elements(child, out);
    }
}

fn text(node: &Handle) -> String {
    let mut out = String::new();
    if let NodeData::Text { contents } = &node.data {
        out.push_str(&contents.borrow());
    }
    for child in node.children.borrow().iter() {
        out.push_str(&text(child));
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A seeded repository: proposal 1 in socialize with a sign-off, a concern, and feedback
/// answered in a later commit; proposal 2 with a hostile title and feedback text.
fn seeded() -> Sandbox {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.lead_as(BO, &["signoff", "1"]).ok();
    s.lead_as(
        CY,
        &["concern", "1", "cost", "Who pays for <b>the</b> farm?"],
    )
    .ok();
    s.lead(&["feedback", "1", "Page the owner at once", "--from", CY])
        .ok();
    s.git(&["commit", "-qam", "Feedback from Cy"]).ok();
    s.lead(&[
        "respond",
        "1",
        "F2",
        "--incorporated",
        "The owner is paged at once",
    ])
    .ok();
    s.git(&["commit", "-qam", "Answer F2"]).ok();
    s.lead(&["propose", HOSTILE]).ok();
    s.lead(&[
        "feedback",
        "2",
        "</blockquote><img src=x onerror=alert(2)>",
        "--from",
        BO,
    ])
    .ok();
    s.git(&["commit", "-qam", "Feedback on 2"]).ok();
    s
}

/// `git lead board` into `dir`, with commit links to a made-up forge.
fn board_to(s: &Sandbox, dir: &str) -> Run {
    s.lead(&[
        "board",
        "-o",
        dir,
        "--base-url",
        "https://forge.example/o/r",
    ])
}

#[test]
fn the_site_is_valid_linked_escaped_and_deterministic() {
    let s = seeded();
    let out = board_to(&s, "site").ok();
    assert!(out.is_empty(), "{out}");
    let site = s.dir.join("site");
    let all = files(&site);
    for name in [
        "index.html",
        "people/index.html",
        "assets/style.css",
        "assets/board.js",
        ".lead-board",
    ] {
        assert!(all.contains_key(name), "{name} missing: {:?}", all.keys());
    }
    let mut ids: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let mut doms = BTreeMap::new();
    for (name, bytes) in all.iter().filter(|(n, _)| n.ends_with(".html")) {
        let dom = parse(name, bytes);
        let mut els = Vec::new();
        elements(&dom.document, &mut els);
        let mut here = HashSet::new();
        for (tag, attrs, _) in &els {
            if let Some(id) = attr(attrs, "id") {
                assert!(here.insert(id.to_string()), "{name}: id {id} twice");
            }
            for key in ["href", "src"] {
                if let Some(url) = attr(attrs, key) {
                    links.push((name.clone(), url.to_string()));
                }
            }
            // Only the board's own script runs.
            if tag == "script" {
                assert!(
                    attr(attrs, "src").is_some_and(|s| s.ends_with("assets/board.js")),
                    "{name}"
                );
            }
            assert!(
                tag != "img",
                "{name}: markup from a feedback text became an element"
            );
        }
        ids.insert(name.clone(), here);
        doms.insert(name.clone(), (dom, els));
    }
    // Crawl: every internal link leads to a file of the site, and to an id on it.
    let mut external = 0;
    for (from, url) in &links {
        if url.starts_with("https://") {
            assert!(
                url.starts_with("https://forge.example/o/r/commit/"),
                "{from}: {url}"
            );
            external += 1;
            continue;
        }
        let (path, fragment) = url.split_once('#').unwrap_or((url, ""));
        let target = match path {
            "" => from.clone(),
            p => {
                let base = PathBuf::from(from);
                let joined = base.parent().unwrap().join(p);
                let mut parts: Vec<String> = Vec::new();
                for c in joined.components() {
                    match c.as_os_str().to_str().unwrap() {
                        ".." => {
                            parts.pop();
                        }
                        part => parts.push(part.to_string()),
                    }
                }
                parts.join("/")
            }
        };
        assert!(all.contains_key(&target), "{from}: broken link {url}");
        if !fragment.is_empty() {
            assert!(
                ids[&target].contains(fragment),
                "{from}: no #{fragment} in {target}"
            );
        }
    }
    assert!(external > 5, "commit ids link to the forge");
    // The hostile title is text, on the board and on its page.
    let (_, els) = &doms["index.html"];
    let card = els
        .iter()
        .find(|(tag, attrs, node)| {
            tag == "a"
                && attr(attrs, "href") == Some("p/0002-script-alert-1-script.html")
                && text(node).contains("alert")
        })
        .expect("a card for proposal 2");
    assert_eq!(text(&card.2), format!("2 {HOSTILE}"));
    let page = String::from_utf8(all["p/0002-script-alert-1-script.html"].clone()).unwrap();
    assert!(page.contains("&lt;/blockquote&gt;&lt;img src=x onerror=alert(2)&gt;"));
    // The board: a column per step and ending, with counts.
    let columns: Vec<(String, String)> = els
        .iter()
        .filter(|(tag, attrs, _)| tag == "section" && attr(attrs, "class") == Some("column"))
        .map(|(_, attrs, node)| {
            let count = text(node);
            (attr(attrs, "data-step").unwrap().to_string(), count)
        })
        .collect();
    assert_eq!(columns.len(), 11);
    assert!(columns[0].1.starts_with("1. Problem 1"), "{columns:?}");
    assert!(columns[6].1.starts_with("7. Socialize 1"), "{columns:?}");
    // Proposal 1: Bo's sign-off current, Cy's concern open, F2's answer diffed by word.
    let (_, els) = &doms["p/0001-flaky-ci-costs-us-an-hour-a-day.html"];
    let row = |who: &str| {
        els.iter()
            .filter(|(tag, _, _)| tag == "tr")
            .map(|(_, _, n)| text(n))
            .find(|t| t.starts_with(who))
            .unwrap_or_else(|| panic!("no row for {who}"))
    };
    // Bo signed before Cy's feedback changed the proposal: stale, and why.
    let bo = row("Bo Chen");
    assert!(
        bo.contains("stale") && bo.contains("is stale: changed in commit"),
        "{bo}"
    );
    assert!(row("Cy Dee").contains("not signed"), "{}", row("Cy Dee"));
    // Every row agrees with `signoffs --json`, which reads the approved versions one by
    // one where the board reads them ahead: the commit that made a sign-off stale, too.
    let m = crate::harness::json(&s.lead(&["signoffs", "1", "--json"]).ok());
    for r in m["stakeholders"].as_array().unwrap() {
        let board_row = row(r["who"]["name"].as_str().unwrap());
        match (&r["current"], r["changed_by"].as_str()) {
            (serde_json::Value::Bool(false), Some(by)) => {
                assert!(board_row.contains("stale"), "{board_row} vs {r}");
                assert!(
                    board_row.contains(by.get(..7).unwrap_or(by)),
                    "{board_row} vs {r}"
                );
            }
            (serde_json::Value::Bool(true), _) => {
                assert!(board_row.contains("current"), "{board_row} vs {r}");
            }
            _ => assert!(board_row.contains("not signed"), "{board_row} vs {r}"),
        }
    }
    let p1 = String::from_utf8(all["p/0001-flaky-ci-costs-us-an-hour-a-day.html"].clone()).unwrap();
    assert!(
        p1.contains("<strong>cost</strong>, raised by"),
        "the concern is listed"
    );
    assert!(p1.contains("Who pays for &lt;b&gt;the&lt;/b&gt; farm?"));
    assert!(p1.contains("<h3>F2 "), "F2's feedback diff");
    assert!(
        p1.contains("<ins>incorporated</ins>"),
        "the word diff marks the status"
    );
    assert!(p1.contains("entered socialize"), "the timeline");
    // Cy's page: the concern raised, the sign-off owed.
    let cy = String::from_utf8(all["people/cy-example-com.html"].clone()).unwrap();
    assert!(cy.contains("cost <span class=\"wait\">open</span>"), "{cy}");

    // The same HEAD gives the same bytes, into another folder too; a second run writes
    // nothing.
    board_to(&s, "again").ok();
    assert_eq!(all, files(&s.dir.join("again")));
    let err = board_to(&s, "site").fails(0);
    assert!(err.contains("up to date"), "{err}");
    assert_eq!(all, files(&site));
    // The board's folders are not swept into anything: the tool never commits them.
    let status = s.git(&["status", "--porcelain"]).ok();
    assert_eq!(status, "?? again/\n?? site/\n");
}

#[test]
fn a_folder_with_other_files_is_refused_and_they_are_never_removed() {
    let s = seeded();
    s.write("out/notes.txt", "mine");
    let err = s.lead(&["board", "-o", "out"]).fails(1);
    assert!(
        err.contains("out holds files the board did not write (notes.txt)"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(!s.dir.join("out/index.html").exists(), "nothing written");
    s.lead(&["board", "-o", "out", "--force"]).ok();
    assert_eq!(s.read("out/notes.txt"), "mine");
    assert!(s.dir.join("out/index.html").exists());
    // A page the board no longer writes goes; a file it wrote and someone changed stays.
    s.lead(&["propose", "Third"]).ok();
    s.lead(&["board", "-o", "out", "--force"]).ok();
    assert!(s.dir.join("out/p/0003-third.html").exists());
    s.git(&["rm", "-q", &s.proposal_file(2), &s.proposal_file(3)])
        .ok();
    s.git(&["commit", "-qm", "Drop 2 and 3"]).ok();
    s.write("out/p/0002-script-alert-1-script.html", "edited by hand");
    let err = s.lead(&["board", "-o", "out", "--force"]).fails(0);
    assert!(err.contains("changed since; it is left in place"), "{err}");
    assert!(err.contains(", 1 removed)"), "{err}");
    assert!(!s.dir.join("out/p/0003-third.html").exists());
    assert_eq!(
        s.read("out/p/0002-script-alert-1-script.html"),
        "edited by hand"
    );
    assert_eq!(s.read("out/notes.txt"), "mine");
    // A file in the way of the folder.
    s.write("file", "x");
    let err = s.lead(&["board", "-o", "file"]).fails(1);
    assert!(err.contains("file is a file, not a folder"), "{err}");
    let err = s
        .lead(&["board", "--base-url", "javascript:alert(1)"])
        .fails(2);
    assert!(err.contains("--base-url takes a web address"), "{err}");
}

#[test]
fn an_empty_repository_gets_a_board_that_says_how_to_start() {
    let s = Sandbox::repo();
    s.lead(&["board"]).ok();
    let index = s.read("site/index.html");
    parse("index.html", index.as_bytes());
    assert!(index.contains("No proposals yet"), "{index}");
    assert!(index.contains("git lead propose"), "{index}");
}

#[test]
fn a_file_that_does_not_parse_gets_a_page_that_says_where() {
    let s = seeded();
    s.write(
        "proposals/0009-broken.toml",
        "schema = 1\nid = 9\ntitle = \n",
    );
    s.git(&["add", "proposals/0009-broken.toml"]).ok();
    s.git(&["commit", "-qm", "A broken proposal"]).ok();
    let err = s.lead(&["board"]).fails(0);
    assert!(err.contains("proposals/0009-broken.toml:3:"), "{err}");
    let page = s.read("site/p/0009-broken.html");
    parse("broken", page.as_bytes());
    assert!(
        page.contains("<code>proposals/0009-broken.toml:3:"),
        "{page}"
    );
    assert!(s
        .read("site/index.html")
        .contains("Files that do not parse"));
    assert!(s
        .dir
        .join("site/p/0001-flaky-ci-costs-us-an-hour-a-day.html")
        .exists());
}
