//! The module graph of a crate, read from its source with `syn`: which module uses which,
//! so tests can hold the architecture to its rules — sibling modules never use each other
//! in a cycle, and the layers of `shared` point only down.
//!
//! Written here rather than taken from `cargo-modules`: that tool builds rust-analyzer
//! (minutes on two cores) and checks only for cycles, while these tests also check the
//! direction of the layers and which crates a layer may name.
//!
//! How a use is counted: every path in a `use` tree or in code that starts at `crate`,
//! `super` or `self` (and, in a `use` tree, at a child module) is resolved to the deepest
//! module it names; a name the module re-exports with `pub use` is followed to the module
//! it comes from. A use by module `a::x::…` of module `a::y::…` is an edge `x → y` among
//! the children of `a`. Code under `#[cfg(test)]` is left out: tests may reach across.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module's path from the crate root: `["domain", "orders"]`; empty for the root.
pub type ModulePath = Vec<String>;

/// What one module declares and uses.
#[derive(Clone, Debug, Default)]
struct Module {
    /// Child modules declared with `mod`.
    children: BTreeSet<String>,
    /// `pub use` re-exports: the name as exported → the absolute path it names.
    reexports: BTreeMap<String, ModulePath>,
    /// Paths used, already absolute (from the crate root).
    uses: Vec<ModulePath>,
    /// First segments of paths that name other crates (`serde`, `aws_sdk_dynamodb`, …).
    crates: BTreeSet<String>,
}

/// Names a module binds with `use`, so that a path starting at one is not taken for a
/// crate's.
type Bound = BTreeSet<String>;

/// Why a source tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("cannot read {0}")]
    Read(PathBuf),
    #[error("cannot parse {path}: {error}")]
    Parse { path: PathBuf, error: String },
    #[error("module {module} is declared in {parent} but has no file")]
    MissingFile { parent: PathBuf, module: String },
}

/// Every module of a crate and what it uses.
#[derive(Clone, Debug)]
pub struct ModuleGraph {
    modules: BTreeMap<ModulePath, Module>,
}

/// One use of a module by a sibling, named by both modules' full paths.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SiblingUse {
    /// The modules' common parent.
    pub parent: ModulePath,
    /// The child of `parent` that uses …
    pub from: String,
    /// … this other child.
    pub to: String,
}

const KEYWORDS: [&str; 4] = ["crate", "super", "self", "Self"];

impl ModuleGraph {
    /// Reads the crate whose root file is `root` (`src/lib.rs` or `src/main.rs`) from disk.
    pub fn read(root: &Path) -> Result<Self, GraphError> {
        Self::read_with(root, |path| std::fs::read_to_string(path).ok())
    }

    /// Reads the crate whose root file is `root`, getting each file's text from `source`.
    pub fn read_with(
        root: &Path,
        source: impl Fn(&Path) -> Option<String>,
    ) -> Result<Self, GraphError> {
        let mut graph = ModuleGraph {
            modules: BTreeMap::new(),
        };
        let directory = root.parent().unwrap_or(Path::new("")).to_path_buf();
        graph.read_file(&source, root, &directory, Vec::new())?;
        graph.resolve_relative_uses();
        Ok(graph)
    }

    fn read_file(
        &mut self,
        source: &impl Fn(&Path) -> Option<String>,
        file: &Path,
        child_directory: &Path,
        path: ModulePath,
    ) -> Result<(), GraphError> {
        let text = source(file).ok_or_else(|| GraphError::Read(file.to_path_buf()))?;
        let parsed = syn::parse_file(&text).map_err(|error| GraphError::Parse {
            path: file.to_path_buf(),
            error: error.to_string(),
        })?;
        self.read_items(source, file, child_directory, path, &parsed.items)
    }

    fn read_items(
        &mut self,
        source: &impl Fn(&Path) -> Option<String>,
        file: &Path,
        child_directory: &Path,
        path: ModulePath,
        items: &[syn::Item],
    ) -> Result<(), GraphError> {
        let mut module = Module::default();
        let mut bound = Bound::new();
        let mut code_paths = Vec::new();
        let mut children = Vec::new();
        for item in items {
            if is_test_only(item) {
                continue;
            }
            match item {
                syn::Item::Mod(declared) => {
                    let name = declared.ident.to_string();
                    module.children.insert(name.clone());
                    children.push(declared);
                }
                syn::Item::Use(used) => {
                    let public = matches!(used.vis, syn::Visibility::Public(_));
                    for (segments, exported_as) in use_paths(&used.tree) {
                        bound.extend(exported_as.clone());
                        if public {
                            if let Some(name) = exported_as {
                                module.reexports.insert(name, segments.clone());
                            }
                        }
                        module.uses.push(segments);
                    }
                }
                other => {
                    let mut paths = PathCollector::default();
                    paths.visit_item(other);
                    code_paths.extend(paths.paths);
                }
            }
        }
        for used in code_paths {
            match used.first() {
                Some(first) if KEYWORDS.contains(&first.as_str()) => module.uses.push(used),
                Some(first)
                    if !bound.contains(first)
                        && !module.children.contains(first)
                        && first.chars().next().is_some_and(char::is_lowercase) =>
                {
                    module.crates.insert(first.clone());
                }
                _ => {}
            }
        }
        for used in &mut module.uses {
            if let Some(first) = used.first() {
                if !KEYWORDS.contains(&first.as_str())
                    && !module.children.contains(first)
                    && first.chars().next().is_some_and(char::is_lowercase)
                {
                    module.crates.insert(first.clone());
                }
            }
            *used = absolute(&path, used);
        }
        module.reexports = module
            .reexports
            .into_iter()
            .map(|(name, target)| (name, absolute(&path, &target)))
            .collect();
        self.modules.insert(path.clone(), module);
        for declared in children {
            let name = declared.ident.to_string();
            let mut child_path = path.clone();
            child_path.push(name.clone());
            match &declared.content {
                Some((_, items)) => {
                    let directory = child_directory.join(&name);
                    self.read_items(source, file, &directory, child_path, items)?;
                }
                None => {
                    let flat = child_directory.join(format!("{name}.rs"));
                    let nested = child_directory.join(&name).join("mod.rs");
                    let child_file = if source(&flat).is_some() {
                        flat
                    } else if source(&nested).is_some() {
                        nested
                    } else {
                        return Err(GraphError::MissingFile {
                            parent: file.to_path_buf(),
                            module: name,
                        });
                    };
                    let directory = child_directory.join(&name);
                    self.read_file(source, &child_file, &directory, child_path)?;
                }
            }
        }
        Ok(())
    }

    /// Paths that began at a child module (`use stock::StockLine`) were made absolute
    /// as if they began at the crate root; put them under the module that wrote them.
    fn resolve_relative_uses(&mut self) {
        let known: BTreeSet<ModulePath> = self.modules.keys().cloned().collect();
        for (path, module) in &mut self.modules {
            for used in module.uses.iter_mut().chain(module.reexports.values_mut()) {
                // A path that starts at a top-level module is absolute already.
                if used.is_empty() || known.contains(&used[..1]) {
                    continue;
                }
                let mut under = path.clone();
                under.extend(used.iter().cloned());
                if known.contains(&under[..path.len() + 1]) {
                    *used = under;
                }
            }
        }
    }

    /// Every module of the crate.
    pub fn modules(&self) -> impl Iterator<Item = &ModulePath> {
        self.modules.keys()
    }

    /// The crates `module` and the modules below it name.
    pub fn crates_named_below(&self, module: &[String]) -> BTreeSet<String> {
        self.modules
            .iter()
            .filter(|(path, _)| path.starts_with(module))
            .flat_map(|(_, found)| found.crates.iter().cloned())
            .collect()
    }

    /// The module an absolute path ends in, following re-exports to where a name is
    /// defined; `None` for a path outside the crate's modules.
    fn target(&self, used: &[String]) -> Option<ModulePath> {
        let mut path = used.to_vec();
        for _ in 0..16 {
            let depth = (0..=path.len())
                .rev()
                .find(|depth| self.modules.contains_key(&path[..*depth]))?;
            let module = path[..depth].to_vec();
            let Some(name) = path.get(depth) else {
                return Some(module);
            };
            match self.modules[&module].reexports.get(name) {
                Some(source) if source != &path[..depth + 1] => {
                    let mut followed = source.clone();
                    followed.extend(path[depth + 1..].iter().cloned());
                    path = followed;
                }
                _ => return Some(module),
            }
        }
        None
    }

    /// Every use of a module by one of its siblings.
    pub fn sibling_uses(&self) -> BTreeSet<SiblingUse> {
        let mut found = BTreeSet::new();
        for (from, module) in &self.modules {
            for used in &module.uses {
                let Some(to) = self.target(used) else {
                    continue;
                };
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                if common == from.len() || common == to.len() {
                    continue;
                }
                found.insert(SiblingUse {
                    parent: from[..common].to_vec(),
                    from: from[common].clone(),
                    to: to[common].clone(),
                });
            }
        }
        found
    }

    /// The cycles among siblings: for each, the modules around it, under their parent.
    pub fn cycles(&self) -> Vec<(ModulePath, Vec<String>)> {
        let mut by_parent: BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> =
            BTreeMap::new();
        for edge in self.sibling_uses() {
            by_parent
                .entry(edge.parent)
                .or_default()
                .entry(edge.from)
                .or_default()
                .insert(edge.to);
        }
        let mut cycles = Vec::new();
        for (parent, edges) in by_parent {
            if let Some(cycle) = find_cycle(&edges) {
                cycles.push((parent, cycle));
            }
        }
        cycles
    }
}

/// One cycle in `edges`, as the modules along it with the first repeated at the end.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = stack.iter().position(|on_stack| on_stack == node) {
            let mut cycle = stack[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut done, &mut Vec::new()))
}

/// `#[cfg(test)]` items.
fn is_test_only(item: &syn::Item) -> bool {
    match item {
        syn::Item::Mod(item) => test_only(&item.attrs),
        syn::Item::Fn(item) => test_only(&item.attrs),
        syn::Item::Use(item) => test_only(&item.attrs),
        syn::Item::Impl(item) => test_only(&item.attrs),
        _ => false,
    }
}

/// Whether `attributes` hold `#[cfg(test)]`.
fn test_only(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("cfg")
            && attribute
                .parse_args::<syn::Path>()
                .is_ok_and(|path| path.is_ident("test"))
    })
}

/// The paths of a use tree, each with the name it is bound to (`None` for globs and
/// `self`-less groups).
fn use_paths(tree: &syn::UseTree) -> Vec<(ModulePath, Option<String>)> {
    fn walk(
        tree: &syn::UseTree,
        prefix: &mut ModulePath,
        out: &mut Vec<(ModulePath, Option<String>)>,
    ) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                walk(&path.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let ident = name.ident.to_string();
                if ident == "self" {
                    out.push((prefix.clone(), prefix.last().cloned()));
                } else {
                    let mut path = prefix.clone();
                    path.push(ident.clone());
                    out.push((path, Some(ident)));
                }
            }
            syn::UseTree::Rename(rename) => {
                let mut path = prefix.clone();
                path.push(rename.ident.to_string());
                out.push((path, Some(rename.rename.to_string())));
            }
            syn::UseTree::Glob(_) => out.push((prefix.clone(), None)),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    walk(tree, prefix, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

/// `used`, written in module `at`, from the crate root. Paths starting at a name other
/// than `crate`, `super` or `self` are returned as they are.
fn absolute(at: &[String], used: &[String]) -> ModulePath {
    let mut resolved: ModulePath = at.to_vec();
    let mut rest = used;
    match used.first().map(String::as_str) {
        Some("crate") => {
            resolved.clear();
            rest = &used[1..];
        }
        Some("self") => rest = &used[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                resolved.pop();
                rest = &rest[1..];
            }
        }
        _ => return used.to_vec(),
    }
    resolved.extend(rest.iter().cloned());
    resolved
}

/// Every path of two or more segments written in code (not in `use` items).
#[derive(Default)]
struct PathCollector {
    paths: Vec<ModulePath>,
}

impl<'ast> Visit<'ast> for PathCollector {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: ModulePath = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        if segments.len() > 1 {
            self.paths.push(segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !test_only(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn graph(files: &[(&str, &str)]) -> ModuleGraph {
        let files: HashMap<PathBuf, String> = files
            .iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
            .collect();
        ModuleGraph::read_with(Path::new("src/lib.rs"), |path| files.get(path).cloned())
            .expect("the test crate reads")
    }

    #[test]
    fn a_cycle_among_siblings_is_found() {
        let crate_with_cycle = graph(&[
            ("src/lib.rs", "pub mod a; pub mod b; pub mod c;"),
            ("src/a.rs", "use crate::b::B; pub struct A;"),
            ("src/b.rs", "pub struct B(crate::c::C);"),
            ("src/c/mod.rs", "mod deep; pub use deep::C;"),
            ("src/c/deep.rs", "use crate::a::A; pub struct C;"),
        ]);
        assert_eq!(
            crate_with_cycle.cycles(),
            vec![(
                Vec::new(),
                vec!["a".into(), "b".into(), "c".into(), "a".into()]
            )]
        );
    }

    #[test]
    fn uses_that_point_one_way_make_no_cycle() {
        let layered = graph(&[
            ("src/lib.rs", "pub mod a; pub mod b;"),
            ("src/a.rs", "pub struct A;"),
            (
                "src/b/mod.rs",
                "mod x; mod y; pub use x::X; use super::a::A; #[cfg(test)] mod tests { use crate::b::y::Y; }",
            ),
            ("src/b/x.rs", "use super::y::Y; pub struct X(Y, crate::a::A);"),
            ("src/b/y.rs", "pub struct Y; #[cfg(test)] fn t() { let _ = crate::b::x::X; }"),
        ]);
        assert_eq!(layered.cycles(), Vec::new());
        let uses: Vec<_> = layered.sibling_uses().into_iter().collect();
        assert_eq!(
            uses,
            vec![
                SiblingUse {
                    parent: Vec::new(),
                    from: "b".into(),
                    to: "a".into()
                },
                SiblingUse {
                    parent: vec!["b".into()],
                    from: "x".into(),
                    to: "y".into()
                },
            ]
        );
    }

    #[test]
    fn crates_named_are_listed_per_module() {
        let crate_ = graph(&[
            ("src/lib.rs", "pub mod a; use serde::Serialize;"),
            (
                "src/a.rs",
                "use http::StatusCode; use std::fmt; use crate::b; fn f() { b::g(); reqwest::get(); }",
            ),
        ]);
        let below_a = crate_.crates_named_below(&["a".to_owned()]);
        assert_eq!(
            below_a,
            BTreeSet::from(["http".to_owned(), "reqwest".to_owned(), "std".to_owned()])
        );
    }
}
