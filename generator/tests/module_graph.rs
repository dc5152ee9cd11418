//! No two modules of the generator or of the runtime import each other, directly or in a circle
//! (issue 11).
//!
//! The graph is read from the sources: a module is a file of `src/` (`lower/mod.rs` is `lower`,
//! `lower/schema.rs` is `lower::schema`; `lib.rs`, the crate root, is left out), and module `a`
//! uses module `b` when a file of `a` names a path into `b`: `crate::b::…`, `super::…` and
//! `self::…` resolved from where they are written, or `b::…` after `a` declared `mod b;`. A path
//! belongs to the longest module it starts with (`crate::emit::docs::code` is `emit::docs`);
//! paths into no module (the root's re-exports, `crate::runtime` in emitted code) are not edges.
//!
//! The files are tokenized with `proc-macro2`, so comments, doc comments and string literals
//! name nothing; neither do the bodies of `quote!`-style macros (code the generator emits, not
//! code it runs) nor visibilities such as `pub(in crate::emit)`. A re-export is not followed:
//! naming `crate::emit::HEADER` is a use of `emit` even when `emit` re-exports it from a leaf,
//! and a use through the crate root (`crate::Error`) is no edge at all.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Macros whose bodies are code to emit, not code of the crate.
const QUOTING_MACROS: &[&str] = &[
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
];

/// A module path, e.g. `["emit", "operations"]`; the crate root is empty.
type ModPath = Vec<String>;

/// Who uses whom, with the first path seen for each edge (`file: path`) as the evidence.
#[derive(Debug, Default)]
struct Graph {
    modules: BTreeSet<String>,
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

impl Graph {
    fn add_edge(&mut self, from: &str, to: &str, evidence: String) {
        if from != to {
            self.edges
                .entry(from.to_owned())
                .or_default()
                .entry(to.to_owned())
                .or_insert(evidence);
        }
    }

    fn successors(&self, module: &str) -> impl Iterator<Item = &str> {
        self.edges
            .get(module)
            .into_iter()
            .flat_map(|to| to.keys().map(String::as_str))
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The module a file of `src` is, or `None` for the crate root.
fn module_of(src: &Path, file: &Path) -> Option<ModPath> {
    let relative = file.strip_prefix(src).expect("file under src");
    let mut parts: ModPath = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    match last.as_str() {
        "lib.rs" | "main.rs" if parts.is_empty() => return None,
        "mod.rs" => {}
        _ => parts.push(last.trim_end_matches(".rs").to_owned()),
    }
    (!parts.is_empty()).then_some(parts)
}

/// Builds the import graph of the crate whose sources are in `src`.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let files: Vec<(ModPath, PathBuf)> = files
        .into_iter()
        .filter_map(|file| Some((module_of(src, &file)?, file)))
        .collect();
    let mut graph = Graph {
        modules: files.iter().map(|(module, _)| module.join("::")).collect(),
        ..Graph::default()
    };
    for (module, file) in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let tokens = TokenStream::from_str(&text)
            .unwrap_or_else(|e| panic!("tokenizing {}: {e:?}", file.display()));
        let shown = file.strip_prefix(src).unwrap_or(file).display().to_string();
        let mut paths = Vec::new();
        scan(&tokens.into_iter().collect::<Vec<_>>(), module, &mut paths);
        let from = module.join("::");
        for path in paths {
            if let Some(to) = owning_module(&graph.modules, &path) {
                let evidence = format!("{shown}: crate::{}", path.join("::"));
                graph.add_edge(&from, &to, evidence);
            }
        }
    }
    graph
}

/// The longest module `path` starts with, if any.
fn owning_module(modules: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|len| path[..len].join("::"))
        .find(|candidate| modules.contains(candidate))
}

fn is_ident(token: Option<&TokenTree>, name: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(ident)) if ident == name)
}

fn is_punct(token: Option<&TokenTree>, ch: char) -> bool {
    matches!(token, Some(TokenTree::Punct(punct)) if punct.as_char() == ch)
}

/// Whether `tokens[i..]` starts with `::`.
fn is_path_sep(tokens: &[TokenTree], i: usize) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && is_punct(tokens.get(i + 1), ':')
}

/// The modules declared in this scope (`mod name;` or `mod name { … }`).
fn declared_modules(tokens: &[TokenTree]) -> BTreeSet<String> {
    tokens
        .windows(2)
        .filter(|pair| is_ident(Some(&pair[0]), "mod"))
        .filter_map(|pair| match &pair[1] {
            TokenTree::Ident(name) => Some(name.to_string()),
            _ => None,
        })
        .collect()
}

/// Collects the absolute paths named in `tokens`, the items of a module whose logical path is
/// `scope` (a file's module, plus the inline modules it is nested in).
fn scan(tokens: &[TokenTree], scope: &[String], out: &mut Vec<ModPath>) {
    scan_block(tokens, scope, &declared_modules(tokens), out);
}

/// [`scan`] of a block of a module (its items, or a group inside them) that sees the child
/// modules `children`.
fn scan_block(
    tokens: &[TokenTree],
    scope: &[String],
    children: &BTreeSet<String>,
    out: &mut Vec<ModPath>,
) {
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match token {
            // `quote! { … }`: emitted code.
            TokenTree::Ident(ident)
                if QUOTING_MACROS.contains(&ident.to_string().as_str())
                    && is_punct(tokens.get(i + 1), '!')
                    && matches!(tokens.get(i + 2), Some(TokenTree::Group(_))) =>
            {
                i += 3;
            }
            // `pub(in crate::emit)`: a visibility, not a use.
            TokenTree::Ident(ident)
                if ident == "pub"
                    && matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis) =>
            {
                i += 2;
            }
            // `mod name { … }`: an inline module, its own scope.
            TokenTree::Ident(ident) if ident == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    if body.delimiter() == Delimiter::Brace {
                        let mut inner = scope.to_vec();
                        inner.push(name.to_string());
                        let body: Vec<_> = body.stream().into_iter().collect();
                        scan(&body, &inner, out);
                        i += 3;
                        continue;
                    }
                }
                i += 1;
            }
            TokenTree::Ident(ident)
                if is_path_sep(tokens, i + 1) && !(i >= 1 && is_punct(tokens.get(i - 1), ':')) =>
            {
                let first = ident.to_string();
                let base: Option<ModPath> = match first.as_str() {
                    "crate" => Some(Vec::new()),
                    "self" => Some(scope.to_vec()),
                    "super" => scope.split_last().map(|(_, parent)| parent.to_vec()),
                    name if children.contains(name) => {
                        let mut base = scope.to_vec();
                        base.push(name.to_owned());
                        Some(base)
                    }
                    _ => None,
                };
                i += 3;
                let end = path_tail(tokens, i);
                if let Some(base) = base {
                    let mut paths = Vec::new();
                    expand(tokens, i, end, Vec::new(), &mut paths);
                    for tail in paths {
                        out.extend(resolve(&base, &tail));
                    }
                }
                // Inside the path's groups (`use a::{b, c}`) nothing else starts.
                i = end;
            }
            TokenTree::Group(group) => {
                let inner: Vec<_> = group.stream().into_iter().collect();
                scan_block(&inner, scope, children, out);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// The index just past the path whose tail starts at `tokens[i]` (after its first `::`).
fn path_tail(tokens: &[TokenTree], mut i: usize) -> usize {
    loop {
        match tokens.get(i) {
            Some(TokenTree::Ident(_)) if is_path_sep(tokens, i + 1) => i += 3,
            Some(TokenTree::Ident(_)) => return i + 1,
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => return i + 1,
            Some(TokenTree::Punct(p)) if p.as_char() == '*' => return i + 1,
            _ => return i,
        }
    }
}

/// The tails of the paths in `tokens[i..end]`: `a::b`, `a::{b, c::d}`, `a::*`, …, each after
/// `prefix`. `super` and `self` segments stay in for [`resolve`].
fn expand(
    tokens: &[TokenTree],
    mut i: usize,
    end: usize,
    mut prefix: ModPath,
    out: &mut Vec<ModPath>,
) {
    while i < end {
        match &tokens[i] {
            TokenTree::Ident(ident) => {
                prefix.push(ident.to_string());
                if is_path_sep(tokens, i + 1) {
                    i += 3;
                } else {
                    break;
                }
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                let inner: Vec<_> = group.stream().into_iter().collect();
                for branch in inner.split(|t| is_punct(Some(t), ',')) {
                    if branch.is_empty() {
                        continue;
                    }
                    // `self` in a group names the prefix itself.
                    if is_ident(branch.first(), "self") {
                        out.push(prefix.clone());
                        continue;
                    }
                    let branch_end = path_tail(branch, 0);
                    expand(branch, 0, branch_end, prefix.clone(), out);
                }
                return;
            }
            _ => break,
        }
    }
    out.push(prefix);
}

/// `base` joined with `tail`, with the `super`/`self` segments of `tail` applied.
fn resolve(base: &[String], tail: &[String]) -> Option<ModPath> {
    let mut path = base.to_vec();
    for segment in tail {
        match segment.as_str() {
            "super" => {
                path.pop()?;
            }
            "self" => {}
            _ => path.push(segment.clone()),
        }
    }
    Some(path)
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn tangles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        components: Vec<Vec<String>>,
    }
    fn visit<'g>(state: &mut State<'g>, v: &'g str) {
        let n = state.index.len();
        state.index.insert(v, n);
        state.low.insert(v, n);
        state.stack.push(v);
        state.on_stack.insert(v);
        for w in state.graph.successors(v) {
            if !state.index.contains_key(w) {
                visit(state, w);
                let low = state.low[v].min(state.low[w]);
                state.low.insert(v, low);
            } else if state.on_stack.contains(w) {
                let low = state.low[v].min(state.index[w]);
                state.low.insert(v, low);
            }
        }
        if state.low[v] == state.index[v] {
            let mut component = Vec::new();
            loop {
                let w = state.stack.pop().expect("on the stack");
                state.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.components.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for module in &graph.modules {
        if !state.index.contains_key(module.as_str()) {
            visit(&mut state, module);
        }
    }
    state.components.sort();
    state.components
}

/// At most this many cycles are spelled out per tangle; past it the tangle is only named.
const CYCLES_SHOWN: usize = 100;

/// Every elementary cycle, each starting at its smallest module: `[a, b]` is `a → b → a`.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn walk(
        graph: &Graph,
        members: &BTreeSet<&str>,
        start: &str,
        path: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
        budget: &mut usize,
    ) {
        let last = path.last().expect("a start").clone();
        for next in graph.successors(&last) {
            if *budget == 0 {
                return;
            }
            if next == start {
                out.push(path.clone());
                *budget -= 1;
            } else if members.contains(next) && next > start && !path.iter().any(|m| m == next) {
                path.push(next.to_owned());
                walk(graph, members, start, path, out, budget);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    for tangle in tangles(graph) {
        let members: BTreeSet<&str> = tangle.iter().map(String::as_str).collect();
        let mut budget = CYCLES_SHOWN;
        for start in &tangle {
            walk(
                graph,
                &members,
                start,
                &mut vec![start.clone()],
                &mut out,
                &mut budget,
            );
        }
    }
    out
}

/// The report of every cycle of the graph, with the path that makes each edge; empty without.
fn cycle_report(graph: &Graph) -> String {
    let mut report = String::new();
    for tangle in tangles(graph) {
        writeln!(report, "modules in a circle: {}", tangle.join(", ")).unwrap();
    }
    for cycle in cycles(graph) {
        let mut ring = cycle.clone();
        ring.push(cycle[0].clone());
        writeln!(report, "cycle: {}", ring.join(" -> ")).unwrap();
        for pair in ring.windows(2) {
            let evidence = &graph.edges[&pair[0]][&pair[1]];
            writeln!(report, "    {} -> {}  ({evidence})", pair[0], pair[1]).unwrap();
        }
    }
    report
}

fn assert_acyclic(crate_dir: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate_dir);
    let graph = module_graph(&src);
    assert!(
        graph.modules.len() > 1,
        "no modules found under {}",
        src.display()
    );
    let report = cycle_report(&graph);
    assert!(
        report.is_empty(),
        "modules of {} import each other:\n{report}",
        src.display()
    );
}

#[test]
fn generator_modules_do_not_import_each_other() {
    assert_acyclic("src");
}

#[test]
fn runtime_modules_do_not_import_each_other() {
    assert_acyclic("../runtime/src");
}

/// A crate in a temporary folder, from `(path under src, contents)`.
fn crate_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Graph) {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let graph = module_graph(dir.path());
    (dir, graph)
}

fn edges(graph: &Graph) -> Vec<String> {
    graph
        .edges
        .iter()
        .flat_map(|(from, to)| to.keys().map(move |to| format!("{from} -> {to}")))
        .collect()
}

#[test]
fn detector_finds_two_modules_importing_each_other() {
    let (_dir, graph) = crate_with(&[
        ("lib.rs", "pub mod a; pub mod b; pub use a::A;"),
        ("a.rs", "use crate::b::B; pub struct A(B);"),
        (
            "b.rs",
            "pub struct B; pub fn f() -> crate::a::A { todo!() }",
        ),
    ]);
    assert_eq!(edges(&graph), ["a -> b", "b -> a"]);
    let report = cycle_report(&graph);
    assert!(report.contains("cycle: a -> b -> a"), "{report}");
    assert!(report.contains("a -> b  (a.rs: crate::b::B)"), "{report}");
}

#[test]
fn detector_finds_a_longer_circle_and_parent_child_use() {
    let (_dir, graph) = crate_with(&[
        ("lib.rs", "mod a; mod b; mod c; mod p;"),
        ("a.rs", "use crate::b::{self, x::Y};"),
        ("b.rs", "fn f() { crate::c::g(); }"),
        ("c.rs", "use super::a::*;"),
        // A parent using its child, the child its parent's items: a circle too.
        ("p/mod.rs", "mod child;\npub fn h() { child::k() }"),
        ("p/child.rs", "use super::h;\npub fn k() {}"),
    ]);
    assert_eq!(
        edges(&graph),
        [
            "a -> b",
            "b -> c",
            "c -> a",
            "p -> p::child",
            "p::child -> p"
        ]
    );
    assert_eq!(cycles(&graph), [vec!["a", "b", "c"], vec!["p", "p::child"]]);
}

#[test]
fn detector_ignores_emitted_code_comments_strings_and_missing_modules() {
    let (_dir, graph) = crate_with(&[
        ("lib.rs", "mod a; mod b; mod emit;"),
        (
            "a.rs",
            r#"
            //! Unlike [`crate::b::B`], ...
            use crate::b::B;
            /// See `crate::emit::x`.
            fn f() -> String {
                let _ = quote! { use crate::a::Thing; crate::emit::go() };
                format!("crate::emit::{}", crate::runtime::X)
            }
            "#,
        ),
        // An inline test module's `super` is the file's own module.
        (
            "b.rs",
            "pub struct B;\n#[cfg(test)] mod tests { use super::B; }",
        ),
        ("emit/mod.rs", "pub(in crate::emit) mod inner;"),
        ("emit/inner.rs", "pub(in crate::emit) fn go() {}"),
    ]);
    assert_eq!(edges(&graph), ["a -> b"]);
    assert_eq!(cycle_report(&graph), "");
}
