//! The shape of the core, checked: the top-level modules of `leadbook-core` form no import
//! cycle, every table is written by the one module that owns it, and the states of the
//! outbox, of leads and of listings are bound from their enums — never spelled as SQL
//! literals — outside that owner.
//!
//! It reads the sources as text: `crate::<module>` paths (also `crate::{a, b}`) for the
//! graph, `INSERT INTO`/`UPDATE`/`DELETE FROM`/`REPLACE INTO` for writes, `'word'` for state
//! literals compared with a `status` column. Test modules (from the first `#[cfg(test)]` of a file on) and comments are not
//! read; `store/mod.rs` holds the schema and its migrations and may write every table there.
//! Run with `--nocapture` to see the module graph.

use leadbook_core::model::{MessageStatus, PropertyStatus, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Who owns each table: the only top-level module whose code may write it.
const OWNERS: &[(&str, &str)] = &[
    ("app_settings", "store"),
    ("workspaces", "workspace"),
    ("leads", "leads"),
    ("lead_keys", "leads"),
    ("lead_match", "leads"),
    ("timeline", "leads"),
    ("properties", "listings"),
    ("outbox", "outbox"),
    ("tasks", "tasks"),
    ("calls", "tasks"),
    ("viewings", "tasks"),
    ("deals", "tasks"),
    ("smart_lists", "leads"),
    ("duplicate_dismissals", "leads"),
    ("campaigns", "followups"),
    ("campaign_steps", "followups"),
    ("step_variants", "followups"),
    ("enrolments", "followups"),
    ("enrolment_steps", "followups"),
    ("channels", "messaging"),
    ("inbound_seen", "messaging"),
    ("telegram_links", "messaging"),
    ("mail_seen", "messaging"),
    ("portal_leads", "enquiries"),
    ("lead_enquiries", "enquiries"),
    ("email_senders", "enquiries"),
    ("unparsed_mail", "enquiries"),
    ("portals", "messaging"),
    ("contact_log", "compliance"),
    ("dncr_numbers", "compliance"),
    ("consents", "compliance"),
    ("lead_tallies", "leads"),
    ("lead_hours", "leads"),
];

/// Where the schema lives: its migrations write whatever they must.
const SCHEMA: &str = "store/mod.rs";

struct Source {
    /// Path below `src/`, with `/`.
    rel: String,
    /// The top-level module the file belongs to.
    module: String,
    /// The file without its test module and comments.
    code: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read src").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file as the checks read it: up to its test module (the first `#[cfg(test)]`
/// followed by a `mod`), without comments. A single item marked `#[cfg(test)]` above that is
/// read like the rest: it is no reason to stop reading the file.
fn code_of(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim() == "#[cfg(test)]"
                && lines[i + 1..].iter().map(|l| l.trim()).find(|l| !l.is_empty()).is_some_and(|l| l.starts_with("mod ") || l.starts_with("pub mod "))
        })
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| match l.find(" // ") {
            Some(i) => &l[..i],
            None => *l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sources() -> Vec<Source> {
    let root = src_dir();
    let mut files = vec![];
    rust_files(&root, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&root).expect("below src").to_string_lossy().replace('\\', "/");
            // The crate root declares the modules; binaries use the crate from outside.
            if rel == "lib.rs" || rel.starts_with("bin/") {
                return None;
            }
            let module = rel.split('/').next().expect("a first part").trim_end_matches(".rs").to_string();
            let code = code_of(&std::fs::read_to_string(&p).expect("read source"));
            Some(Source { rel, module, code })
        })
        .collect()
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules a piece of code names through `crate::`.
fn modules_used(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first name of each item at the top level.
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        used.insert(ident_at(&group[j..]).to_string());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                used.insert(name.to_string());
            }
        }
    }
    used
}

/// Which top-level module uses which, and through which files.
fn module_graph(sources: &[Source]) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let modules: BTreeSet<&str> = sources.iter().map(|s| s.module.as_str()).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for s in sources {
        let node = graph.entry(s.module.clone()).or_default();
        for m in modules_used(&s.code) {
            // Re-exports at the crate root (`crate::Error`, `crate::Book`) are the modules they
            // come from; anything else that is not a module is not an edge.
            let m = match m.as_str() {
                "Error" | "Result" => "error".to_string(),
                "Book" => "book".to_string(),
                "Clock" | "FixedClock" | "SystemClock" => "clock".to_string(),
                _ => m,
            };
            if m != s.module && modules.contains(m.as_str()) {
                node.entry(m).or_default().insert(s.rel.clone());
            }
        }
    }
    graph
}

/// The strongly connected groups of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>) -> Vec<Vec<String>> {
    struct T<'a> {
        graph: &'a BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on_stack.insert(v);
        if let Some(edges) = t.graph.get(v) {
            for w in edges.keys() {
                let w = w.as_str();
                if !t.index.contains_key(w) {
                    visit(t, w);
                    let lw = t.low[w];
                    let lv = t.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if t.on_stack.contains(w) {
                    let iw = t.index[w];
                    let lv = t.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
        }
        if t.low[v] == t.index[v] {
            let mut group = vec![];
            while let Some(w) = t.stack.pop() {
                t.on_stack.remove(w);
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                t.found.push(group);
            }
        }
    }
    let mut t = T { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], on_stack: BTreeSet::new(), next: 0, found: vec![] };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.found
}

/// Every table a piece of code writes, with the statement's first words.
fn tables_written(code: &str) -> Vec<(String, String)> {
    const WRITES: &[&str] =
        &["INSERT INTO ", "INSERT OR IGNORE INTO ", "INSERT OR REPLACE INTO ", "REPLACE INTO ", "UPDATE ", "UPDATE OR IGNORE ", "DELETE FROM "];
    let mut out = vec![];
    for w in WRITES {
        for (i, _) in code.match_indices(w) {
            // `INSERT OR IGNORE INTO` also contains `... INTO `; `UPDATE OR IGNORE` contains `UPDATE `.
            let before = &code[..i];
            if before.ends_with("INSERT OR IGNORE ") || before.ends_with("INSERT OR REPLACE ") || before.ends_with("INSERT ") {
                continue;
            }
            let table = ident_at(&code[i + w.len()..]);
            // `ON CONFLICT … DO UPDATE SET` writes the table of its INSERT, counted there.
            if table.is_empty() || table == "SET" || table == "OR" {
                continue;
            }
            out.push((table.to_string(), format!("{}{table}", w)));
        }
    }
    out
}

/// The state vocabularies and the module that owns each (and so may spell its values in SQL).
fn vocabularies() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    vec![
        ("outbox status", "outbox", MessageStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("lead status", "leads", Status::ALL.iter().map(|s| s.as_str()).collect()),
        ("listing status", "listings", PropertyStatus::ALL.iter().map(|s| s.as_str()).collect()),
    ]
}

/// The `'word'` literals a piece of code compares a `status` column with (`status = 'sent'`,
/// `o.status IN ('queued', 'deferred')`, `status <> 'failed'`). Rust char literals are one
/// character and never match.
fn status_literals(code: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = code;
    let mut offset = 0;
    while let Some(i) = rest.find('\'') {
        let after = &rest[i + 1..];
        let word = ident_at(after);
        if word.len() > 1 && after[word.len()..].starts_with('\'') {
            let at = offset + i;
            if compares_status(&code[..at]) {
                out.push(word.to_string());
            }
            rest = &after[word.len() + 1..];
            offset = at + word.len() + 2;
        } else {
            rest = after;
            offset += i + 1;
        }
    }
    out
}

/// Whether the code just before a literal is `status` and a comparison (`=`, `<>`, `!=`,
/// `IN (`, `NOT IN (`, and earlier literals of the same list).
fn compares_status(before: &str) -> bool {
    let Some(j) = before.rfind("status") else { return false };
    let gap = &before[j + "status".len()..];
    // What may stand between the column and its literal, once the list's earlier literals are gone.
    let mut bare = String::new();
    let mut quoted = false;
    for c in gap.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted {
            bare.push(c);
        }
    }
    let words: Vec<&str> = bare.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).collect();
    gap.len() < 80
        && words.iter().all(|w| *w == "IN" || *w == "NOT")
        && bare.chars().all(|c| c.is_whitespace() || "=<>!(,".contains(c) || c.is_ascii_alphabetic())
        && bare.chars().any(|c| "=<>(".contains(c))
}

#[test]
fn the_top_level_modules_of_the_core_form_no_import_cycle() {
    let graph = module_graph(&sources());
    println!("The module graph of leadbook-core (module → the modules it uses):");
    for (m, uses) in &graph {
        println!("  {m} → {}", uses.keys().cloned().collect::<Vec<_>>().join(", "));
    }
    let found = cycles(&graph);
    let mut report = String::new();
    for group in &found {
        report.push_str(&format!("cycle among {}:\n", group.join(", ")));
        for a in group {
            for (b, files) in &graph[a] {
                if group.contains(b) {
                    report.push_str(&format!("  {a} uses {b} in {}\n", files.iter().cloned().collect::<Vec<_>>().join(", ")));
                }
            }
        }
    }
    assert!(found.is_empty(), "the core's modules must form no cycle:\n{report}");
}

#[test]
fn every_table_is_written_by_its_one_owner() {
    let owners: BTreeMap<&str, &str> = OWNERS.iter().copied().collect();
    let mut violations = vec![];
    for s in sources().iter().filter(|s| s.rel != SCHEMA) {
        for (table, statement) in tables_written(&s.code) {
            match owners.get(table.as_str()) {
                Some(owner) if *owner == s.module => {}
                Some(owner) => violations.push(format!("{}: `{statement}` — `{table}` belongs to `{owner}`", s.rel)),
                None => violations.push(format!("{}: `{statement}` — `{table}` has no owner in OWNERS", s.rel)),
            }
        }
    }
    assert!(violations.is_empty(), "writes outside a table's owner:\n{}", violations.join("\n"));
}

#[test]
fn states_are_bound_from_their_enums_outside_their_owner() {
    let mut violations = vec![];
    for s in sources().iter().filter(|s| s.rel != SCHEMA) {
        let words = status_literals(&s.code);
        for (what, owner, values) in vocabularies() {
            if s.module == owner {
                continue;
            }
            for w in words.iter().filter(|w| values.contains(&w.as_str())) {
                violations.push(format!("{}: '{w}' is a {what}: bind it from its enum or ask `{owner}`", s.rel));
            }
        }
    }
    assert!(violations.is_empty(), "state literals outside their owner:\n{}", violations.join("\n"));
}

#[test]
fn the_checks_see_what_they_check() {
    // A check that cannot fail is a defect: the readers find what they are meant to.
    assert_eq!(modules_used("use crate::leads::Lead; crate::{outbox, model::Status}"), ["leads", "model", "outbox"].map(String::from).into());
    assert_eq!(
        tables_written("\"INSERT OR IGNORE INTO outbox (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2\"; \"UPDATE leads SET x\""),
        vec![("outbox".to_string(), "INSERT OR IGNORE INTO outbox".to_string()), ("leads".to_string(), "UPDATE leads".to_string())]
    );
    assert_eq!(status_literals("\"WHERE status = 'queued' AND c = 'x' AND kind = 'replied'\" let c = 'y';"), vec!["queued".to_string()]);
    assert_eq!(status_literals("\"o.status NOT IN ('sent', 'delivered') OR status <> 'won'\""), ["sent", "delivered", "won"].map(String::from));
    let mut g: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into(), BTreeSet::new());
    g.entry("b".into()).or_default().insert("a".into(), BTreeSet::new());
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".to_string()]]);
    assert!(code_of("x\n#[cfg(test)]\nmod tests { crate::book }").find("book").is_none());
    // A test-only item in the middle of a file does not hide what comes after it.
    let code = code_of("#[cfg(test)]\nfn helper() {}\nfn real() { crate::outbox::x() }\n#[cfg(test)]\n\nmod tests { crate::book }");
    assert!(code.contains("crate::outbox") && !code.contains("crate::book"), "{code}");
}
