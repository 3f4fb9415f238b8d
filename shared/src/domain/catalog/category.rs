//! Categories form a tree through their parent ids.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::domain::ids::CategoryId;
use crate::domain::validation::FieldError;

/// A category as stored: a name and, unless it is a root, its parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<CategoryId>,
}

/// A category with its children, as `GET /categories` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryNode {
    pub id: CategoryId,
    pub name: String,
    pub children: Vec<CategoryNode>,
}

/// The most levels the category tree may have: a root is level 1.
pub const MAX_CATEGORY_DEPTH: usize = 16;

/// Checks that `category` may sit below `parent` among `categories`: the parent exists,
/// is not the category itself or one of its descendants, and the category with
/// everything below it still fits within [`MAX_CATEGORY_DEPTH`] levels there. Walking
/// up from the parent is bounded, so stored data with a cycle cannot loop forever.
pub fn check_parent(
    categories: &[Category],
    category: &CategoryId,
    parent: &CategoryId,
) -> Result<(), FieldError> {
    let mut ancestor = Some(parent.clone());
    let mut parent_level = 0;
    for _ in 0..=categories.len() {
        let Some(current) = ancestor else { break };
        if &current == category {
            return Err(FieldError::new(
                "parentId",
                "a category cannot sit below itself",
            ));
        }
        let found = categories
            .iter()
            .find(|known| known.id == current)
            .ok_or_else(|| FieldError::new("parentId", format!("no category {current}")))?;
        parent_level += 1;
        ancestor = found.parent_id.clone();
    }
    if parent_level + levels_from(category, categories) > MAX_CATEGORY_DEPTH {
        return Err(FieldError::new(
            "parentId",
            format!("the category tree may have at most {MAX_CATEGORY_DEPTH} levels"),
        ));
    }
    Ok(())
}

/// How many levels `root` and the categories below it span: 1 for a leaf (or a
/// category not yet stored). Stops counting past [`MAX_CATEGORY_DEPTH`].
fn levels_from(root: &CategoryId, categories: &[Category]) -> usize {
    let mut level: HashSet<&CategoryId> = HashSet::from([root]);
    let mut levels = 1;
    while levels <= MAX_CATEGORY_DEPTH {
        let below: HashSet<&CategoryId> = categories
            .iter()
            .filter(|c| c.parent_id.as_ref().is_some_and(|p| level.contains(p)))
            .map(|c| &c.id)
            .collect();
        if below.is_empty() {
            break;
        }
        level = below;
        levels += 1;
    }
    levels
}

/// Builds the forest of categories, children sorted by name. A category whose parent is
/// missing is shown as a root rather than hidden.
pub fn category_tree(categories: &[Category]) -> Vec<CategoryNode> {
    let known: HashSet<&CategoryId> = categories.iter().map(|c| &c.id).collect();
    let mut children: BTreeMap<Option<&CategoryId>, Vec<&Category>> = BTreeMap::new();
    for category in categories {
        let parent = category.parent_id.as_ref().filter(|p| known.contains(p));
        children.entry(parent).or_default().push(category);
    }
    fn build(
        parent: Option<&CategoryId>,
        children: &BTreeMap<Option<&CategoryId>, Vec<&Category>>,
        depth: usize,
    ) -> Vec<CategoryNode> {
        // No tree is deeper (check_parent refuses it); a cycle in stored data must not
        // recurse forever.
        if depth >= MAX_CATEGORY_DEPTH {
            return Vec::new();
        }
        let mut nodes: Vec<CategoryNode> = children
            .get(&parent)
            .into_iter()
            .flatten()
            .map(|category| CategoryNode {
                id: category.id.clone(),
                name: category.name.clone(),
                children: build(Some(&category.id), children, depth + 1),
            })
            .collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        nodes
    }
    build(None, &children, 0)
}

/// `root` and every category below it.
pub fn descendants_of(root: &CategoryId, categories: &[Category]) -> HashSet<CategoryId> {
    let mut found: HashSet<CategoryId> = HashSet::from([root.clone()]);
    loop {
        let before = found.len();
        for category in categories {
            if let Some(parent) = &category.parent_id {
                if found.contains(parent) {
                    found.insert(category.id.clone());
                }
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: &str, parent: Option<&str>) -> Category {
        Category {
            id: CategoryId::parse(id).unwrap(),
            name: id.to_owned(),
            parent_id: parent.map(|p| CategoryId::parse(p).unwrap()),
        }
    }

    #[test]
    fn children_hang_under_their_parents() {
        let tree = category_tree(&[
            category("audio", None),
            category("headphones", Some("audio")),
            category("speakers", Some("audio")),
            category("kitchen", None),
        ]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].id.as_str(), "audio");
        let names: Vec<_> = tree[0].children.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(names, ["headphones", "speakers"]);
    }

    #[test]
    fn descendants_include_grandchildren_and_tolerate_cycles() {
        let categories = [
            category("a", None),
            category("b", Some("a")),
            category("c", Some("b")),
            category("x", Some("y")),
            category("y", Some("x")),
        ];
        let below_a = descendants_of(&CategoryId::parse("a").unwrap(), &categories);
        assert_eq!(below_a.len(), 3);
        assert!(category_tree(&categories)
            .iter()
            .all(|n| n.id.as_str() == "a"));
    }

    #[test]
    fn the_tree_stops_at_its_depth_and_every_level_is_shown() {
        let mut categories = vec![category("c1", None)];
        for level in 2..=MAX_CATEGORY_DEPTH {
            let parent = format!("c{}", level - 1);
            categories.push(category(&format!("c{level}"), Some(&parent)));
            check_parent(
                &categories[..level - 1],
                &categories[level - 1].id,
                categories[level - 1].parent_id.as_ref().unwrap(),
            )
            .unwrap();
        }
        let mut node = &category_tree(&categories)[0];
        for _ in 1..MAX_CATEGORY_DEPTH {
            node = &node.children[0];
        }
        assert_eq!(node.id.as_str(), format!("c{MAX_CATEGORY_DEPTH}"));

        let deepest = CategoryId::parse(&format!("c{MAX_CATEGORY_DEPTH}")).unwrap();
        let one_too_deep = CategoryId::parse("below").unwrap();
        let refused = check_parent(&categories, &one_too_deep, &deepest).unwrap_err();
        assert_eq!(refused.field, "parentId");

        // Moving a root with two levels below the deepest but one refuses the move too.
        let mut with_subtree = categories.clone();
        with_subtree.push(category("branch", None));
        with_subtree.push(category("twig", Some("branch")));
        let second_deepest = CategoryId::parse(&format!("c{}", MAX_CATEGORY_DEPTH - 1)).unwrap();
        let branch = CategoryId::parse("branch").unwrap();
        assert!(check_parent(&with_subtree, &branch, &second_deepest).is_err());
        let third_deepest = CategoryId::parse(&format!("c{}", MAX_CATEGORY_DEPTH - 2)).unwrap();
        check_parent(&with_subtree, &branch, &third_deepest).unwrap();
    }
}
