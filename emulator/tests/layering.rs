//! Layering: no source file may import from a layer above its own.
//!
//! The layers, bottom to top, are in [`LAYERS`]; DEVELOPERS.md ("Architecture") draws them.
//! The test reads every `emulator/src/**/*.rs` file that is not test-only, finds its
//! references to other modules of the crate (`use` trees and paths in code that start with
//! `crate::`, `super::`, `self::`, a child module's name or a module imported by `use`),
//! resolves each to the file that defines the module, and reports every reference that goes
//! up a layer, with file and line. Imports within a layer are allowed.
//!
//! [`ALLOWED`] lists the upward imports tolerated (none today). The test fails on an upward
//! import that is not listed, and on a listed one that no longer exists, so the list only
//! shrinks.
//! It also prints the import cycles between files (strongly connected components of the
//! file graph) with the imports inside each, and fails on a cycle that [`CYCLES_TOLERATED`]
//! does not allow.
//!
//! A reader of Rust, not a compiler: comments, strings and `#[cfg(test)]` items are blanked
//! out first; macros that build paths are not seen, and an inline non-test `mod` is read
//! as part of its file (there is none today).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A layer; a file may import its own layer and the ones below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// The pure ground floor: wire protocols and the policy engine; the clock.
    Pure,
    /// The world's data and pure lookups over it: who a principal is, which organization.
    State,
    /// `authz`: gathers the policy layers and asks the policy engine.
    Authz,
    /// The services' handlers.
    Services,
    /// The request pipeline.
    Pipeline,
    /// The HTTP server, the admin endpoints, the embedding API and the binary.
    Server,
}

use Layer::*;

/// File (relative to `emulator/src`) → layer; the first matching rule wins. A rule ending in
/// `/` is a folder; `*` stands for one path segment.
const LAYERS: &[(&str, Layer)] = &[
    ("protocol/", Pure),
    ("policy/", Pure),
    ("clock.rs", Pure),
    // Where a problem in a file people write is: file, line, column (on policy::json).
    ("docfile.rs", Pure),
    // ARN building and parsing for the global services: strings in, strings out.
    ("arn.rs", Pure),
    // KMS's cryptography core: key material, ciphertext blobs, import tokens; imports
    // nothing else from the crate, and KMS's state persists its types.
    ("services/kms/crypto/", Pure),
    // Includes IAM's state and the lookups authz reads (`world/iam/`: is this principal
    // real, what are its policies).
    ("world/", State),
    // One running emulator: its world behind a lock, and its clock.
    ("instance.rs", State),
    ("persist/", State),
    // The recent denials and the decision log an instance keeps.
    ("denials.rs", State),
    ("services/*/state.rs", State),
    // A state split by concern: the persisted types only (Backup: one file per feature).
    ("services/*/state/", State),
    // The organization lookups: which organization, its paths, the SCPs/RCPs by level.
    ("services/organizations/directory.rs", State),
    // What a handler knows of the request besides its input; imports only protocol and
    // world, and authz and every handler read it.
    ("request.rs", State),
    ("authz/", Authz),
    ("services/", Services),
    ("pipeline.rs", Pipeline),
    ("server.rs", Server),
    // The server's limits and the answers past them.
    ("server/", Server),
    ("admin.rs", Server),
    // The web console's embedded files, and the admin endpoints it reads.
    ("console.rs", Server),
    ("console_api.rs", Server),
    // `GET /_keyhole/decisions`, over the log `denials.rs` keeps.
    ("decisions_api.rs", Server),
    // `keyhole serve --init-dir`: runs hooks against the server once it answers.
    ("init_hooks.rs", Server),
    ("emulator.rs", Server),
    // Scenarios drive the pipeline and the admin endpoints as a client would.
    ("scenario/", Server),
    // Labs serve a scenario's world and answer through the admin endpoints.
    ("lab/", Server),
    // Who may do what on a resource: every principal of the world through authz.
    ("who_can/", Server),
    // Seed files: applied through the pipeline, so above it.
    ("seed/", Server),
    ("main.rs", Server),
    ("lib.rs", Server),
];

/// The import cycles tolerated: each folder where files may import each other in a loop,
/// and the most files such a loop may hold. None is left; a loop anywhere fails the test
/// (the report prints the imports inside it: move what both files need to a file below
/// both).
const CYCLES_TOLERATED: &[(&str, usize)] = &[];

/// The upward imports tolerated: (importing file, imported file). None is left (architecture
/// review §6 R7); never add one: move the code to the layer it belongs to instead.
const ALLOWED: &[(&str, &str)] = &[];

fn main_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Whether `rule` (see [`LAYERS`]) covers `file`.
fn rule_matches(rule: &str, file: &str) -> bool {
    let (rule, folder) = match rule.strip_suffix('/') {
        Some(r) => (r, true),
        None => (rule, false),
    };
    let rule: Vec<&str> = rule.split('/').collect();
    let file: Vec<&str> = file.split('/').collect();
    let fits = |n: usize| {
        rule.iter()
            .zip(&file[..n])
            .all(|(r, f)| *r == "*" || r == f)
    };
    if folder {
        file.len() > rule.len() && fits(rule.len())
    } else {
        file.len() == rule.len() && fits(rule.len())
    }
}

fn layer_of(file: &str) -> Option<Layer> {
    LAYERS
        .iter()
        .find(|(rule, _)| rule_matches(rule, file))
        .map(|(_, layer)| *layer)
}

/// `src` with comments and the insides of string and char literals replaced by spaces,
/// newlines kept (so byte offsets and line numbers still match the file).
fn code_only(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < b.len() && depth > 0 {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'r' | b'b' if (i == 0 || !ident(b[i - 1])) && raw_string_at(b, i).is_some() => {
                let end = raw_string_at(b, i).unwrap_or(b.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i, j + 1);
                i = j + 1;
            }
            b'\'' => {
                // A char literal, or a lifetime / label (`'a`), which has no closing quote.
                let end = if b.get(i + 1) == Some(&b'\\') {
                    b[i + 2..]
                        .iter()
                        .position(|&c| c == b'\'')
                        .map(|p| i + 3 + p)
                } else {
                    let len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + len) == Some(&b'\'')).then_some(i + 2 + len)
                };
                match end {
                    Some(end) => {
                        blank(&mut out, i, end);
                        i = end;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The end of a raw string literal (`r"…"`, `r#"…"#`, `br"…"`) starting at `i`.
fn raw_string_at(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if b[j] == b'b' {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let closing: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    let body = j + 1;
    b[body..]
        .windows(closing.len())
        .position(|w| w == closing.as_slice())
        .map(|p| body + p + closing.len())
}

/// The index just past the `}` that closes the `{` at `open`.
fn matching_brace(code: &[u8], open: usize) -> usize {
    let mut depth = 0;
    for (k, &c) in code.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// Blanks every item marked `#[cfg(test)]`: a `mod tests { … }` or `mod tests;`, a helper
/// `fn`, a `use`. Test modules are not part of the layers.
fn strip_test_items(code: &mut [u8]) {
    let text = String::from_utf8_lossy(code).into_owned();
    let mut from = 0;
    while let Some(p) = text[from..].find("#[cfg(test)]") {
        let start = from + p;
        // The item ends at the first `;` or at the brace that closes its first `{`.
        let rest = &code[start..];
        let semi = rest.iter().position(|&c| c == b';');
        let brace = rest.iter().position(|&c| c == b'{');
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => start + s + 1,
            (None, Some(b)) | (Some(_), Some(b)) => matching_brace(code, start + b),
            (Some(s), None) => start + s + 1,
            (None, None) => code.len(),
        };
        for c in &mut code[start..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = end;
    }
}

/// `name` of an out-of-line module declaration `… mod name;`.
fn mod_decl(item: &str) -> Option<String> {
    let item = item.trim_end().strip_suffix(';')?;
    let words: Vec<&str> = item.split_whitespace().collect();
    let at = words.iter().rposition(|w| *w == "mod")?;
    (at + 2 == words.len()).then(|| words[at + 1].to_owned())
}

/// One source file of the crate.
struct SourceFile {
    /// Path relative to `emulator/src`, with `/`.
    rel: String,
    /// Module path from the crate root.
    module: Vec<String>,
    /// The file with comments, literals and test items blanked.
    code: Vec<u8>,
    /// Child modules declared here (not test-only).
    children: BTreeSet<String>,
}

/// Every non-test source file reachable from `lib.rs` and `main.rs`.
fn load_crate() -> Vec<SourceFile> {
    let src = main_src();
    let mut files = Vec::new();
    let mut stack = vec![
        (src.join("lib.rs"), Vec::<String>::new()),
        (src.join("main.rs"), Vec::new()),
    ];
    while let Some((path, module)) = stack.pop() {
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut code = code_only(&text);
        strip_test_items(&mut code);
        let code_text = String::from_utf8_lossy(&code).into_owned();
        let mut children = BTreeSet::new();
        for statement in code_text.split(';') {
            let tail = statement.rsplit(['{', '}']).next().unwrap_or_default();
            if let Some(name) = mod_decl(&format!("{tail};")) {
                children.insert(name);
            }
        }
        let dir = match path.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs" | "main.rs") => path.parent().map(Path::to_path_buf),
            _ => Some(path.with_extension("")),
        }
        .unwrap_or_default();
        for child in &children {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(child).join("mod.rs");
            let file = if flat.exists() { flat } else { nested };
            let mut child_module = module.clone();
            child_module.push(child.clone());
            stack.push((file, child_module));
        }
        let rel = path
            .strip_prefix(&src)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        files.push(SourceFile {
            rel,
            module,
            code,
            children,
        });
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

/// A reference from one file to a module of the crate.
struct Reference {
    line: usize,
    /// The path as written, for the report.
    path: String,
    /// The module path it names (before finding the defining file).
    target: Vec<String>,
}

/// Tokens of blanked code: identifiers and the punctuation a path is made of.
fn tokens(code: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < code.len() && (code[i].is_ascii_alphanumeric() || code[i] == b'_') {
                i += 1;
            }
            let word = String::from_utf8_lossy(&code[start..i]).into_owned();
            out.push((start, word));
        } else if c == b':' && code.get(i + 1) == Some(&b':') {
            out.push((i, "::".to_owned()));
            i += 2;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else {
            out.push((i, (c as char).to_string()));
            i += 1;
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

/// Expands a `use` tree (tokens after `use`, before `;`) into (path, name bound, is glob).
fn use_paths(toks: &[String]) -> Vec<(Vec<String>, Option<String>, bool)> {
    fn tree(
        toks: &[String],
        i: &mut usize,
        prefix: &[String],
        out: &mut Vec<(Vec<String>, Option<String>, bool)>,
    ) {
        let mut path = prefix.to_vec();
        while *i < toks.len() {
            let t = toks[*i].as_str();
            match t {
                "::" => *i += 1,
                "{" => {
                    *i += 1;
                    while *i < toks.len() && toks[*i] != "}" {
                        tree(toks, i, &path, out);
                        if *i < toks.len() && toks[*i] == "," {
                            *i += 1;
                        }
                    }
                    *i += 1;
                    return;
                }
                "*" => {
                    *i += 1;
                    out.push((path, None, true));
                    return;
                }
                "," | "}" => break,
                "as" => {
                    *i += 1;
                    let alias = toks.get(*i).cloned();
                    *i += 1;
                    out.push((path, alias, false));
                    return;
                }
                "self" if path.len() == prefix.len() && !prefix.is_empty() => {
                    // `{self}`: the prefix module itself.
                    *i += 1;
                    let mut name = path.last().cloned();
                    if toks.get(*i).map(String::as_str) == Some("as") {
                        name = toks.get(*i + 1).cloned();
                        *i += 2;
                    }
                    out.push((path, name, false));
                    return;
                }
                _ if is_ident(t) => {
                    path.push(t.to_owned());
                    *i += 1;
                }
                _ => *i += 1,
            }
        }
        let name = path.last().cloned();
        if path.len() > prefix.len() {
            out.push((path, name, false));
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        tree(toks, &mut i, &[], &mut out);
        i += 1;
    }
    out
}

/// Resolves a written path to an absolute module path of the crate, or `None` when it
/// names something outside the crate.
fn absolute(
    file: &SourceFile,
    path: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    let mut base = file.module.clone();
    let rest = match first {
        "crate" => {
            base.clear();
            &path[1..]
        }
        // main.rs names the library by its crate name.
        "keyhole" if file.rel == "main.rs" => {
            base.clear();
            &path[1..]
        }
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            for _ in 0..ups {
                base.pop()?;
            }
            &path[ups..]
        }
        "self" => &path[1..],
        _ if file.children.contains(first) => path,
        _ => {
            let mut target = aliases.get(first)?.clone();
            target.extend(path[1..].iter().cloned());
            return Some(target);
        }
    };
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

/// Every reference from `file` to a module of the crate.
fn references(file: &SourceFile, modules: &BTreeMap<Vec<String>, String>) -> Vec<Reference> {
    let toks = tokens(&file.code);
    let newlines: Vec<usize> = (0..file.code.len())
        .filter(|&p| file.code[p] == b'\n')
        .collect();
    let line_of = |pos: usize| newlines.partition_point(|&n| n < pos) + 1;
    let mut refs = Vec::new();
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_use = vec![false; toks.len()];

    // `use` trees first: they bind the module names later paths start with.
    let mut k = 0;
    while k < toks.len() {
        let previous = k.checked_sub(1).map(|p| toks[p].1.as_str());
        if toks[k].1 == "use" && previous != Some("::") {
            let end = (k..toks.len())
                .find(|&e| toks[e].1 == ";")
                .unwrap_or(toks.len());
            let tree: Vec<String> = toks[k + 1..end].iter().map(|t| t.1.clone()).collect();
            for (path, name, glob) in use_paths(&tree) {
                let Some(target) = absolute(file, &path, &aliases) else {
                    continue;
                };
                if !glob && modules.contains_key(&target) {
                    // A module brought into scope: the paths through it are the references.
                    if let Some(name) = name {
                        aliases.insert(name, target);
                    }
                    continue;
                }
                refs.push(Reference {
                    line: line_of(toks[k].0),
                    path: path.join("::"),
                    target,
                });
            }
            in_use[k..end].iter_mut().for_each(|u| *u = true);
            k = end;
        }
        k += 1;
    }

    // Then every path in code: `a::b::c` not preceded by `::`.
    let mut k = 0;
    while k < toks.len() {
        let starts = is_ident(&toks[k].1)
            && !in_use[k]
            && toks.get(k + 1).map(|t| t.1.as_str()) == Some("::")
            && k.checked_sub(1).map(|p| toks[p].1.as_str()) != Some("::");
        if !starts {
            k += 1;
            continue;
        }
        let mut path = vec![toks[k].1.clone()];
        let mut j = k + 1;
        while j + 1 < toks.len() && toks[j].1 == "::" && is_ident(&toks[j + 1].1) {
            path.push(toks[j + 1].1.clone());
            j += 2;
        }
        if let Some(target) = absolute(file, &path, &aliases) {
            refs.push(Reference {
                line: line_of(toks[k].0),
                path: path.join("::"),
                target,
            });
        }
        k = j;
    }
    refs
}

/// The file that defines the longest module prefix of `target`.
fn defining_file<'m>(
    target: &[String],
    modules: &'m BTreeMap<Vec<String>, String>,
) -> Option<&'m String> {
    (0..=target.len())
        .rev()
        .find_map(|n| modules.get(&target[..n]))
}

/// Strongly connected components of more than one file (Tarjan), largest first.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !tarjan.index.contains_key(v.as_str()) {
            tarjan.visit(v);
        }
    }
    let mut found = tarjan.found;
    found.sort_by_key(|c| std::cmp::Reverse(c.len()));
    found
}

#[test]
fn no_import_goes_up_a_layer() {
    let files = load_crate();
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .filter(|f| f.rel != "main.rs")
        .map(|f| (f.module.clone(), f.rel.clone()))
        .collect();

    let unassigned: Vec<&str> = files
        .iter()
        .map(|f| f.rel.as_str())
        .filter(|rel| layer_of(rel).is_none())
        .collect();
    assert!(
        unassigned.is_empty(),
        "files without a layer (add them to LAYERS): {unassigned:?}"
    );

    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // (from, to) → the first import site, `line path`, for the cycle report.
    let mut first_site: BTreeMap<(String, String), String> = BTreeMap::new();
    // (from, to) → the import sites, `file:line path`.
    let mut upward: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in &files {
        let from_layer = layer_of(&file.rel).unwrap_or(Server);
        graph.entry(file.rel.clone()).or_default();
        for reference in references(file, &modules) {
            let Some(to) = defining_file(&reference.target, &modules) else {
                continue;
            };
            if *to == file.rel {
                continue;
            }
            graph
                .entry(file.rel.clone())
                .or_default()
                .insert(to.clone());
            first_site
                .entry((file.rel.clone(), to.clone()))
                .or_insert_with(|| format!("{} `{}`", reference.line, reference.path));
            let to_layer = layer_of(to).unwrap_or(Server);
            if to_layer > from_layer {
                upward
                    .entry((file.rel.clone(), to.clone()))
                    .or_default()
                    .push(format!(
                        "{}:{} `{}` ({from_layer:?} -> {to_layer:?})",
                        file.rel, reference.line, reference.path
                    ));
            }
        }
    }

    let components = cycles(&graph);
    let sites: usize = upward.values().map(Vec::len).sum();
    println!(
        "layering: {} files, {} upward imports ({} file pairs, {} allowed), {} import cycles",
        files.len(),
        sites,
        upward.len(),
        ALLOWED.len(),
        components.len()
    );
    for sites in upward.values() {
        for site in sites {
            println!("  {site}");
        }
    }
    for (n, component) in components.iter().enumerate() {
        println!(
            "cycle {} ({} files): {}",
            n + 1,
            component.len(),
            component.join(", ")
        );
        let inside: BTreeSet<&String> = component.iter().collect();
        for ((from, to), site) in &first_site {
            if inside.contains(from) && inside.contains(to) {
                println!("  {from} -> {to} ({site})");
            }
        }
    }

    let allowed: BTreeSet<(String, String)> = ALLOWED
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    let new: Vec<&String> = upward
        .iter()
        .filter(|(pair, _)| !allowed.contains(*pair))
        .flat_map(|(_, sites)| sites)
        .collect();
    let gone: Vec<&(String, String)> = allowed
        .iter()
        .filter(|pair| !upward.contains_key(*pair))
        .collect();
    let mut problems = String::new();
    for site in &new {
        problems.push_str(&format!("upward import: {site}\n"));
    }
    for component in &components {
        let tolerated = CYCLES_TOLERATED.iter().any(|(folder, most)| {
            component.len() <= *most && component.iter().all(|f| f.starts_with(folder))
        });
        if !tolerated {
            problems.push_str(&format!(
                "import cycle of {} files: {} (see the imports printed above; move the shared \
                 item to a file both import)\n",
                component.len(),
                component.join(", ")
            ));
        }
    }
    for (from, to) in &gone {
        problems.push_str(&format!(
            "ALLOWED lists {from} -> {to}, which no longer exists: delete the line\n"
        ));
    }
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn layer_rules_match_as_documented() {
    assert_eq!(layer_of("services/kms/state.rs"), Some(State));
    assert_eq!(layer_of("services/kms/keys.rs"), Some(Services));
    assert_eq!(layer_of("services/kms/crypto/mac.rs"), Some(Pure));
    assert_eq!(layer_of("services/backup/state/scans.rs"), Some(State));
    assert_eq!(layer_of("services/backup/copy/checks.rs"), Some(Services));
    assert_eq!(layer_of("protocol/sigv4/parse.rs"), Some(Pure));
    assert_eq!(layer_of("world/mod.rs"), Some(State));
    assert_eq!(layer_of("world/iam/access.rs"), Some(State));
    assert_eq!(layer_of("services/iam/roles.rs"), Some(Services));
    assert_eq!(layer_of("admin.rs"), Some(Server));
    assert_eq!(layer_of("nowhere.rs"), None);
}

#[test]
fn the_reader_sees_paths_not_text() {
    let src = "use crate::a::{b, c::{self, D}};\n// crate::x::y\nlet s = \"crate::q::r\"; let c = '\"'; fn f<'a>() {}\n#[cfg(test)]\nmod tests { use crate::z::w; }\n";
    let mut code = code_only(src);
    strip_test_items(&mut code);
    let text = String::from_utf8_lossy(&code).into_owned();
    assert!(!text.contains("crate::x"), "{text}");
    assert!(!text.contains("crate::q"), "{text}");
    assert!(!text.contains("crate::z"), "{text}");
    assert!(text.contains("fn f<'a>()"), "{text}");
    let toks: Vec<String> = tokens(&code).into_iter().map(|t| t.1).collect();
    let end = toks.iter().position(|t| t == ";").unwrap_or(toks.len());
    let paths: Vec<String> = use_paths(&toks[1..end])
        .into_iter()
        .map(|(p, name, _)| format!("{} as {}", p.join("::"), name.unwrap_or_default()))
        .collect();
    assert_eq!(
        paths,
        [
            "crate::a::b as b",
            "crate::a::c as c",
            "crate::a::c::D as D"
        ]
    );
}

#[test]
fn a_cycle_is_the_files_that_import_each_other_and_nothing_else() {
    let edge = |from: &str, to: &[&str]| {
        (
            from.to_owned(),
            to.iter().map(|t| (*t).to_owned()).collect::<BTreeSet<_>>(),
        )
    };
    let graph: BTreeMap<String, BTreeSet<String>> = [
        edge("a.rs", &["b.rs"]),
        edge("b.rs", &["a.rs", "d.rs"]),
        edge("c.rs", &["a.rs"]),
        edge("d.rs", &[]),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&graph), [["a.rs", "b.rs"]]);
}
