//! No circles between the crate's modules: nothing imports a module that imports it back.
//!
//! The test reads every `.rs` file under `src/` (recursively) as plain text, maps each file to its
//! module (`src/a.rs` → `a`, `src/web/app.rs` → `web::app`, `src/charts/mod.rs` → `charts`; the
//! crate roots `src/lib.rs`, `src/main.rs` and `src/bin/*` are neither sources nor targets), and
//! builds the graph of which module uses which.
//!
//! **What an edge is.** Module `a` has an edge to module `b` when a path written in `a`'s file
//! starts with `crate::`, `super::` or `self::` and, resolved to an absolute path from the crate
//! root, its longest prefix that names a module file is `b` (and `b` is not `a`). So
//! `crate::format::significant(x)` is an edge to `format`; `use super::dom::escape` in
//! `web::app` is an edge to `web::dom`; `use super::sig` in `charts::ridgeline` is an edge to
//! `charts`, because `sig` is an item of `charts`' own file, not a child module. A path may be
//! a `use` (grouped and nested as deep as written: `use crate::{a::X, b::{Y, Z}}`, over several
//! lines, with `self` and `as` inside the braces) or inline in code. A parent declaring its
//! children (`mod app;`) is containment, not an edge; relative paths (`app::start()` in
//! `web/mod.rs`) are not read: every use of another module in this crate is written from
//! `crate::` or `super::`. A path to an item of the crate root (`crate::Foo`) has no module and
//! is no edge.
//!
//! **What is skipped.** Comments (`//`, `///`, `//!`, `/* */`), and the insides of string and
//! character literals (the exporters write Python and Rust source into strings).
//!
//! **Tests count.** `#[cfg(test)] mod tests { … }` blocks are read like the rest of their file
//! (`super::` inside them resolves from the inline module, so `use super::*` is the file's own
//! module and no edge): a unit test of `init` that needs `config` still means `init` cannot be
//! built, read or tested without the layer above it, which is what the rule is for.
//!
//! On a circle the test fails naming it, for example `circle: config → budget → config`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// Edges known to close a circle, tolerated until they are broken: removed from the graph before
/// looking for circles, so any other circle fails. An edge listed here that no longer exists
/// fails too, so the list only ever shrinks. Empty: no circle at all.
const ALLOWED_BACK_EDGES: &[(&str, &str)] = &[];

type Graph = BTreeMap<String, BTreeSet<String>>;

// ---------------------------------------------------------------- reading the source

/// The source with comments removed and the insides of string and char literals blanked, so
/// that only code remains. Line structure is kept (newlines survive) to keep it debuggable.
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if (ch == 'r' || ch == 'b') && (i == 0 || !ident(c[i - 1])) && raw_string_start(&c, i).is_some() {
            let (hashes, body) = raw_string_start(&c, i).unwrap();
            i = body;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if ch == '\'' {
            // A char literal ('a', '\n', '\u{1F600}', '\'') or a lifetime ('a, 'static).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(ch);
                i += 1;
            }
        } else {
            out.push(ch);
            i += 1;
        }
    }
    out
}

/// At `c[i]` = `r` or `b`: if a raw string (`r"`, `r#"`, `br"`, …) starts here, the number of
/// `#` and the index just past its opening quote.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if c[j] == 'b' {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((hashes, j + 1))
}

/// Identifiers, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(c[start..i].iter().collect());
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push("::".to_string());
            i += 2;
        } else {
            out.push(ch.to_string());
            i += 1;
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars().next().is_some_and(|ch| ch.is_alphabetic() || ch == '_')
}

/// Every path in the use-tree or inline path starting at `toks[i]`, each as its segments (so
/// `crate::{a::X, b::{Y, Z}}` gives `crate a X`, `crate b Y`, `crate b Z`), and the index just
/// past it.
fn path_tree(toks: &[String], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut segs: Vec<String> = Vec::new();
    loop {
        match toks.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                let mut all = Vec::new();
                while i < toks.len() && toks[i] != "}" {
                    let (items, j) = path_tree(toks, i);
                    i = j;
                    for item in items {
                        let mut p = segs.clone();
                        p.extend(item);
                        all.push(p);
                    }
                    if toks.get(i).map(String::as_str) == Some("as") {
                        i += 2;
                    }
                    if toks.get(i).map(String::as_str) == Some(",") {
                        i += 1;
                    } else if toks.get(i).map(String::as_str) != Some("}") {
                        // Not a use-tree after all (say `crate::x::f {`): stop here.
                        break;
                    }
                }
                return (all, i + 1);
            }
            Some("*") => return (vec![segs], i + 1),
            Some(t) if is_ident(t) => {
                segs.push(t.to_string());
                i += 1;
                if toks.get(i).map(String::as_str) == Some("::") {
                    i += 1;
                } else {
                    return (vec![segs], i);
                }
            }
            // `::<` (a turbofish) or the end: the path is what was read.
            _ => return (vec![segs], i),
        }
    }
}

/// The modules that the code of module `module` (its file's text in `src`) depends on, among
/// `modules` (every module of the crate, as `a::b` strings). See the crate doc for the rules.
fn deps(module: &str, src: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let file: Vec<String> = module.split("::").map(str::to_string).collect();
    let toks = tokens(&strip(src));
    // Inline modules (`mod tests { … }`), for `super::` inside them: (name, brace depth inside).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].as_str();
        match t {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                while inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            "mod" if toks.get(i + 2).map(String::as_str) == Some("{") => {
                inline.push((toks[i + 1].clone(), depth + 1));
            }
            "crate" | "super" | "self" if toks.get(i + 1).map(String::as_str) == Some("::") && (i == 0 || toks[i - 1] != "::") => {
                let here: Vec<String> = file.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect();
                let (paths, _) = path_tree(&toks, i);
                for p in paths {
                    if let Some(target) = resolve(&here, &p, modules) {
                        if target != module {
                            out.insert(target);
                        }
                    }
                }
                // Carry on token by token: the braces of a use-tree balance, so depth is kept.
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The module a path names: the longest prefix of its absolute form that is a module file.
fn resolve(here: &[String], path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let mut abs: Vec<String> = Vec::new();
    for (k, seg) in path.iter().enumerate() {
        match (k, seg.as_str()) {
            (0, "crate") => {}
            (0, "self") => abs = here.to_vec(),
            (0, "super") => {
                abs = here.to_vec();
                abs.pop();
            }
            (_, "super") => {
                abs.pop();
            }
            (_, "self") => {}
            _ => abs.push(seg.clone()),
        }
    }
    (1..=abs.len()).rev().map(|n| abs[..n].join("::")).find(|m| modules.contains(m))
}

/// `src/web/app.rs` → `web::app`, `src/charts/mod.rs` → `charts`; `None` for the crate roots.
fn module_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    match parts.as_slice() {
        [root] if root == "lib" || root == "main" => None,
        [first, ..] if first == "bin" => None,
        [dirs @ .., last] if last == "mod" => Some(dirs.join("::")),
        all => Some(all.join("::")),
    }
}

fn rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The crate's module graph, read from `src/`.
fn crate_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let sources: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| {
            let m = module_of(f.strip_prefix(&src).unwrap())?;
            Some((m, std::fs::read_to_string(f).unwrap()))
        })
        .collect();
    let modules: BTreeSet<String> = sources.iter().map(|(m, _)| m.clone()).collect();
    sources.iter().map(|(m, text)| (m.clone(), deps(m, text, &modules))).collect()
}

// ---------------------------------------------------------------- finding circles

/// Strongly connected components with more than one module (Tarjan).
fn circles_sccs(g: &Graph) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), out: Vec::new() };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out.sort();
    t.out
}

/// Every circle by the edge that closes it: for each edge `u → v` inside a component, the
/// shortest way from `v` back to `u`, rotated to start at its smallest module and deduplicated:
/// `["budget → config → budget", …]`.
fn circles(g: &Graph) -> Vec<String> {
    let mut found = BTreeSet::new();
    for comp in circles_sccs(g) {
        let inside: BTreeSet<&str> = comp.iter().map(String::as_str).collect();
        for u in &comp {
            for v in g[u].iter().filter(|v| inside.contains(v.as_str())) {
                let mut cycle = vec![u.as_str()];
                cycle.extend(shortest_path(g, &inside, v, u));
                cycle.pop();
                let k = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap();
                cycle.rotate_left(k);
                cycle.push(cycle[0]);
                found.insert(cycle.join(" → "));
            }
        }
    }
    found.into_iter().collect()
}

/// The shortest path `from` ⇝ `to` inside `inside` (both ends included; they are strongly
/// connected, so one exists).
fn shortest_path<'a>(g: &'a Graph, inside: &BTreeSet<&str>, from: &'a str, to: &'a str) -> Vec<&'a str> {
    let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(x) = queue.pop_front() {
        if x == to {
            break;
        }
        for y in &g[x] {
            if inside.contains(y.as_str()) && seen.insert(y.as_str()) {
                prev.insert(y, x);
                queue.push_back(y);
            }
        }
    }
    let mut path = vec![to];
    while *path.last().unwrap() != from {
        path.push(prev[path.last().unwrap()]);
    }
    path.reverse();
    path
}

fn edges_text(g: &Graph) -> String {
    g.iter().map(|(m, ds)| format!("  {m} → {}", ds.iter().cloned().collect::<Vec<_>>().join(", "))).collect::<Vec<_>>().join("\n")
}

// ---------------------------------------------------------------- the test

#[test]
fn no_module_imports_one_that_imports_it() {
    let mut g = crate_graph();
    assert!(g.len() > 20, "the graph should hold every module of src/: {g:?}");
    let mut stale = Vec::new();
    for (from, to) in ALLOWED_BACK_EDGES {
        let removed = g.get_mut(*from).is_some_and(|ds| ds.remove(*to));
        if !removed {
            stale.push(format!("{from} → {to}"));
        }
    }
    assert!(stale.is_empty(), "allowed back-edges that no longer exist (remove them from ALLOWED_BACK_EDGES): {stale:?}");
    let found = circles(&g);
    assert!(
        found.is_empty(),
        "modules import each other in circles:\n{}\n\nthe module graph:\n{}",
        found.iter().map(|c| format!("circle: {c}")).collect::<Vec<_>>().join("\n"),
        edges_text(&g)
    );
}

// ---------------------------------------------------------------- the parser's own tests

/// The graph between the crate's top folders: each module counts as its first path segment
/// (`nn::block` is `nn`; a top-level file such as `format` is its own), and an edge between two
/// modules of the same folder is no edge. Inside `web` (the top, which nothing imports) the
/// folders are its own children (`web::app`, `web::ui`, …), so they are held to the rule too.
fn folder_graph(g: &Graph) -> Graph {
    let folder = |m: &str| {
        let mut parts = m.split("::");
        let first = parts.next().unwrap_or(m);
        match (first, parts.next()) {
            ("web", Some(second)) => format!("web::{second}"),
            _ => first.to_string(),
        }
    };
    let mut out = Graph::new();
    for (from, tos) in g {
        let f = folder(from);
        let entry = out.entry(f.clone()).or_default();
        for to in tos {
            let t = folder(to);
            if t != f {
                entry.insert(t);
            }
        }
    }
    out
}

/// Folders by concept, one way: no folder of `src/` imports a folder that imports it back (so a
/// newcomer can read them bottom to top, as `src/lib.rs` lists them).
#[test]
fn no_folder_imports_one_that_imports_it() {
    let g = folder_graph(&crate_graph());
    for folder in ["math", "nn", "analysis", "spec", "compute", "export", "course", "charts"] {
        assert!(g.contains_key(folder), "no folder {folder} in src/: {g:?}");
    }
    let found = circles(&g);
    assert!(
        found.is_empty(),
        "folders import each other in circles:\n{}\n\nthe folder graph:\n{}",
        found.iter().map(|c| format!("circle: {c}")).collect::<Vec<_>>().join("\n"),
        edges_text(&g)
    );
}

#[test]
fn folders_group_modules_and_drop_inner_edges() {
    let g =
        graph(&[("nn::block", "nn::network"), ("nn::network", "math::rng"), ("analysis::theory", "nn::init"), ("web::app::x", "web::ui")]);
    let f = folder_graph(&g);
    assert_eq!(f["nn"], ["math".to_string()].into_iter().collect());
    assert_eq!(f["analysis"], ["nn".to_string()].into_iter().collect());
    assert_eq!(f["web::app"], ["web::ui".to_string()].into_iter().collect());
    let back = graph(&[("nn::block", "analysis::report"), ("analysis::theory", "nn::init")]);
    assert_eq!(circles(&folder_graph(&back)).len(), 1);
}

fn mods(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn deps_of(module: &str, src: &str) -> Vec<String> {
    let all = mods(&["a", "b", "c", "d", "web", "web::app", "web::dom", "charts", "config"]);
    deps(module, src, &all).into_iter().collect()
}

#[test]
fn reads_a_plain_use() {
    assert_eq!(deps_of("a", "use crate::b::Thing;\nfn f() {}"), ["b"]);
}

#[test]
fn reads_grouped_and_nested_uses_over_lines() {
    let src = "use crate::{\n    b::X,\n    c::{Y, Z as W},\n    d::{self, e::{F}},\n};\n";
    assert_eq!(deps_of("a", src), ["b", "c", "d"]);
}

#[test]
fn super_resolves_from_the_files_module() {
    // web::app: `super::dom` is the sibling web::dom; `super::Item` is web's own item.
    assert_eq!(deps_of("web::app", "use super::dom::escape;"), ["web::dom"]);
    assert_eq!(deps_of("web::app", "use super::{dom, Shared};"), ["web", "web::dom"]);
    // A grandparent through super::super, and self:: to a child.
    assert_eq!(deps_of("web::app", "use super::super::config::Config;"), ["config"]);
    assert_eq!(deps_of("web", "use self::dom::escape;"), ["web::dom"]);
}

#[test]
fn super_in_a_test_module_is_the_file_itself() {
    let src = "fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::b::X;\n}\n\
               fn g() { super::c::h(); }";
    // `super::*` in `a::tests` is `a` (no edge); after the block, `super::c` from `a` is `c`.
    assert_eq!(deps_of("a", src), ["b", "c"]);
}

#[test]
fn reads_inline_paths_in_code() {
    let src = "fn f(x: f64) -> String { crate::c::significant(x) + &crate::d::Q::<f32>::new() }";
    assert_eq!(deps_of("a", src), ["c", "d"]);
    // The longest prefix that is a module: web::dom, not web.
    assert_eq!(deps_of("a", "fn f() { crate::web::dom::window(); }"), ["web::dom"]);
}

#[test]
fn ignores_comments_strings_and_root_items() {
    let src = "// use crate::b::X;\n/// see crate::c::Y\n//! crate::d\n/* crate::b /* nested crate::c */ */\n\
               fn f() -> &'static str { let _c = '\"'; \"use crate::b::X;\" }\n\
               const R: &str = r#\"crate::c::Y \"quoted\" \"#;\nuse crate::Root;\npub(crate) fn g() {}";
    assert_eq!(deps_of("a", src), Vec::<String>::new());
}

#[test]
fn ignores_the_modules_own_paths() {
    assert_eq!(deps_of("a", "use crate::a::X; use crate::b::Y;"), ["b"]);
}

#[test]
fn maps_files_to_modules() {
    assert_eq!(module_of(Path::new("a.rs")).as_deref(), Some("a"));
    assert_eq!(module_of(Path::new("web/app.rs")).as_deref(), Some("web::app"));
    assert_eq!(module_of(Path::new("charts/mod.rs")).as_deref(), Some("charts"));
    assert_eq!(module_of(Path::new("lib.rs")), None);
    assert_eq!(module_of(Path::new("main.rs")), None);
    assert_eq!(module_of(Path::new("bin/worker.rs")), None);
}

fn graph(edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new();
    for (a, b) in edges {
        g.entry(a.to_string()).or_default().insert(b.to_string());
        g.entry(b.to_string()).or_default();
    }
    g
}

#[test]
fn reports_a_synthetic_circle_by_name() {
    let g = graph(&[("config", "budget"), ("budget", "config"), ("budget", "rng"), ("web", "config")]);
    assert_eq!(circles(&g), ["budget → config → budget"]);
    let g = graph(&[("shard", "verdict"), ("verdict", "config"), ("config", "shard"), ("a", "b")]);
    assert_eq!(circles(&g), ["config → shard → verdict → config"]);
}

#[test]
fn no_circle_in_a_layered_graph() {
    let g = graph(&[("web", "config"), ("web", "rng"), ("config", "rng"), ("budget", "config")]);
    assert!(circles(&g).is_empty());
}
