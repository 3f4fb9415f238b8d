//! What a shopper typed, as a query: every word must match, exactly (ranked by BM25,
//! higher in the name) or within a typo (one edit from 4 letters, two from 8, ranked
//! below any exact match); the last word may also be the start of a longer one; the whole
//! text typed may be a SKU.

use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::schema::Fields;

/// The most words of a query searched for; the rest are ignored.
pub(super) const MOST_WORDS: usize = 12;
/// How much an exact word in the name counts over one elsewhere.
const NAME_BOOST: f32 = 2.0;
/// The score a word within a typo of any word of the text adds: below any exact match's.
const TYPO_SCORE: f32 = 0.2;
/// The score a word within a typo of a word of the name adds, for each typo distance it
/// is within: one typo away ranks above two.
const NAME_TYPO_SCORE: f32 = 0.2;
/// The score the last word as a prefix adds.
const PREFIX_SCORE: f32 = 0.3;
/// How much a SKU typed whole counts.
const SKU_BOOST: f32 = 10.0;

/// How many edits a word of `letters` characters may be away from what it finds.
pub(super) fn typo_distance(letters: usize) -> u8 {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// The clause one word adds to a query over `text` (and `name`, ranked higher when
/// `name` is given); `last` lets it match as a prefix too.
fn word_clause(word: &str, text: Field, name: Option<Field>, last: bool) -> Box<dyn Query> {
    let term = Term::from_field_text(text, word);
    let distance = typo_distance(word.chars().count());
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Should,
        Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
    )];
    if let Some(name) = name {
        let in_name = Term::from_field_text(name, word);
        let exact = TermQuery::new(in_name.clone(), IndexRecordOption::WithFreqs);
        alternatives.push((Occur::Should, boosted(exact, NAME_BOOST)));
        for within in 1..=distance {
            let typo = FuzzyTermQuery::new(in_name.clone(), within, true);
            alternatives.push((Occur::Should, boosted(typo, NAME_TYPO_SCORE)));
        }
    }
    if distance > 0 {
        let typo = FuzzyTermQuery::new(term.clone(), distance, true);
        alternatives.push((Occur::Should, boosted(typo, TYPO_SCORE)));
    }
    if last {
        let prefix = FuzzyTermQuery::new_prefix(term, distance, true);
        alternatives.push((Occur::Should, boosted(prefix, PREFIX_SCORE)));
    }
    Box::new(BooleanQuery::new(alternatives))
}

/// The query for `words` (as [`super::schema::words_of`] read them) over every text,
/// with `typed` (the text as typed) also looked up as a SKU.
pub(super) fn product_query(fields: Fields, words: &[String], typed: &str) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .enumerate()
        .map(|(at, word)| {
            let last = at + 1 == words.len();
            (
                Occur::Must,
                word_clause(word, fields.text, Some(fields.name), last),
            )
        })
        .collect();
    let sku = Term::from_field_text(fields.sku, &typed.trim().to_lowercase());
    clauses.push((
        Occur::Should,
        boosted(TermQuery::new(sku, IndexRecordOption::Basic), SKU_BOOST),
    ));
    Box::new(BooleanQuery::new(clauses))
}

/// The query for `words` over product names only, the last as a prefix: what
/// completions of products look for.
pub(super) fn name_query(fields: Fields, words: &[String]) -> Box<dyn Query> {
    let clauses = words
        .iter()
        .enumerate()
        .map(|(at, word)| {
            let last = at + 1 == words.len();
            (Occur::Must, word_clause(word, fields.name, None, last))
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_words_tolerate_more_typos() {
        let distances: Vec<u8> = [1, 3, 4, 7, 8, 20].into_iter().map(typo_distance).collect();
        assert_eq!(distances, [0, 0, 1, 1, 2, 2]);
    }
}
