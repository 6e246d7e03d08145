//! The shared crates stay provider-neutral: no registered connector's id and none of its API
//! domains appear in `crates/{core,server,sandbox,testkit}/src` outside comments (doc comments
//! and their examples may name a provider). The ids and domains come from the registry, so a new
//! connector is covered by being registered.
//!
//! A word is matched case-insensitively on a boundary: an id (`zoho`) not inside a longer
//! identifier (`close_date` is not `close`), a domain (`hubapi.com`) not inside a longer label
//! (`salesforce.com` is not `force.com`).

use std::path::{Path, PathBuf};

/// The trees that must not name a provider.
const TREES: &[&str] = &[
    "crates/core/src",
    "crates/server/src",
    "crates/sandbox/src",
    "crates/testkit/src",
];

/// Known occurrences, each with its reason. Every entry must still match (a stale one fails the
/// test), so the list only shrinks.
const ALLOWED: &[(&str, &str, &str)] = &[(
    "crates/server/src/listen.rs",
    "close",
    "the HTTP `Connection: close` header, not the provider",
)];

/// What a word is: a connector id or an API domain (they differ in what a boundary is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Id,
    Domain,
}

/// `source` with every comment blanked out (line, block, nested block, doc), keeping line
/// breaks, string and char literals (a `//` in `"https://…"` is not a comment).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0usize;
                loop {
                    match (chars.get(i).copied(), chars.get(i + 1).copied()) {
                        (Some('/'), Some('*')) => {
                            depth += 1;
                            out.push_str("  ");
                            i += 2;
                        }
                        (Some('*'), Some('/')) => {
                            depth -= 1;
                            out.push_str("  ");
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(x), _) => {
                            out.push(blank(x));
                            i += 1;
                        }
                        (None, _) => break,
                    }
                }
            }
            // Raw strings: r"…", r#"…"#, br#"…"# (the `r` not the end of an identifier).
            'r' if (i == 0
                || !ident(chars[i - 1])
                || (chars[i - 1] == 'b' && (i < 2 || !ident(chars[i - 2]))))
                && matches!(next, Some('"') | Some('#')) =>
            {
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    out.push(c);
                    i += 1;
                    continue;
                }
                let hashes = j - i - 1;
                let end: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = chars[j + 1..].iter().collect();
                let len = rest.find(&end).map_or(rest.len(), |e| e + end.len());
                let take = j + 1 - i + rest[..len].chars().count();
                out.extend(&chars[i..i + take]);
                i += take;
            }
            '"' => {
                out.push(c);
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    match chars[i] {
                        '\\' => {
                            if let Some(&e) = chars.get(i + 1) {
                                out.push(e);
                            }
                            i += 2;
                        }
                        '"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            // A char literal ('"', '\'', '\u{..}') — not a lifetime ('a) — kept whole.
            '\'' => {
                let lit = if next == Some('\\') {
                    chars[i + 2..]
                        .iter()
                        .position(|&x| x == '\'')
                        .map(|p| i + 2 + p + 1)
                } else if chars.get(i + 2) == Some(&'\'') {
                    Some(i + 3)
                } else {
                    None
                };
                match lit {
                    Some(end) => {
                        out.extend(&chars[i..end]);
                        i = end;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Whether `word` (lowercase) occurs in `line` on a boundary of its kind.
fn mentions(line: &str, word: &str, kind: Kind) -> bool {
    let lower = line.to_ascii_lowercase();
    let inside = |c: char| match kind {
        Kind::Id => c.is_ascii_alphanumeric() || c == '_',
        Kind::Domain => c.is_ascii_alphanumeric() || c == '-',
    };
    lower.match_indices(word).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + word.len()..].chars().next();
        !before.is_some_and(inside) && !after.is_some_and(inside)
    })
}

/// Every `(line number, word)` of `source` naming one of `words` outside comments.
fn findings<'w>(source: &str, words: &'w [(String, Kind)]) -> Vec<(usize, &'w str)> {
    let mut out = Vec::new();
    for (n, line) in code_only(source).lines().enumerate() {
        for (word, kind) in words {
            if mentions(line, word, *kind) {
                out.push((n + 1, word.as_str()));
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The registered connectors' ids and API domains (declared, else the default base URL's host).
fn provider_words() -> Vec<(String, Kind)> {
    unicrm_registry::check().expect("valid registry");
    let mut words = Vec::new();
    for connector in unicrm_registry::all() {
        let info = connector.info();
        words.push((info.id.to_ascii_lowercase(), Kind::Id));
        for domain in unicrm_core::raw::hosts::domains(info) {
            words.push((domain.to_ascii_lowercase(), Kind::Domain));
        }
    }
    words.sort();
    words.dedup();
    words
}

#[test]
fn shared_crates_name_no_provider() {
    let words = provider_words();
    assert!(
        words.iter().any(|(_, k)| *k == Kind::Domain),
        "the registry gave no connector: {words:?}"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let mut files = Vec::new();
    for tree in TREES {
        rust_files(&root.join(tree), &mut files);
    }
    files.sort();
    let mut problems = Vec::new();
    let mut used = vec![false; ALLOWED.len()];
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(file).expect("readable source");
        let lines: Vec<&str> = source.lines().collect();
        for (n, word) in findings(&source, &words) {
            match ALLOWED
                .iter()
                .position(|(path, w, _)| *path == rel && *w == word)
            {
                Some(a) => used[a] = true,
                None => problems.push(format!(
                    "{rel}:{n}: `{word}`: {}",
                    lines.get(n - 1).map_or("", |l| l.trim())
                )),
            }
        }
    }
    for (a, (path, word, why)) in ALLOWED.iter().enumerate() {
        if !used[a] {
            problems.push(format!(
                "{path}: allowed `{word}` ({why}) no longer occurs: remove it from ALLOWED"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "provider ids or API domains in the shared crates (move the code into the provider's \
         folder, or use a made-up provider such as `example-crm.com` in tests):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_scanner_sees_code_and_skips_comments() {
    let words = vec![
        ("acme".to_owned(), Kind::Id),
        ("acmecrm.io".to_owned(), Kind::Domain),
    ];
    let source = r##"
//! Talks to acme (a doc comment may name it).
/// See https://acmecrm.io/docs.
fn f() {
    let a = "acme"; // named in code
    let b = "https://eu.acmecrm.io/v2"; // a `//` inside a string is no comment
    /* acme in a block /* nested acme */ still a comment */
    let c = '"'; let d = "acme_user acmes acmecrm.io.evil";
    let e = r#"raw "quoted" acme"#;
    let f = "acmecrm.ios acmecrmio notacmecrm.io";
    let g: &'static str = "x"; // acme after a lifetime
    let h = '\''; let i = "after an escaped quote: acme";
}
"##;
    let got = findings(source, &words);
    assert_eq!(
        got,
        vec![
            (5, "acme"),
            (6, "acmecrm.io"),
            (8, "acmecrm.io"),
            (9, "acme"),
            (12, "acme"),
        ],
        "{}",
        code_only(source)
    );
    // `acme_user` is an identifier of its own; `acmes` is another word.
    assert!(!mentions("let acme_user = 1;", "acme", Kind::Id));
    assert!(mentions("connector-acme", "acme", Kind::Id));
    assert!(mentions("info(\"ACME\")", "acme", Kind::Id));
    assert!(mentions("/acme/crm", "acme", Kind::Id));
    assert!(!mentions("www.notacmecrm.io", "acmecrm.io", Kind::Domain));
    assert!(mentions("api.acmecrm.io:443", "acmecrm.io", Kind::Domain));
}
