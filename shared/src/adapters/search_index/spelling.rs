//! "Did you mean": when nothing matches, each word the index does not hold is replaced
//! by the closest one it does (fewest edits, then the most documents), one edit further
//! than search forgives.

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// How far a correction may be from a word of `letters` characters; none below 3.
fn correction_distance(letters: usize) -> u8 {
    match letters {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    }
}

/// How many documents of `searcher` hold `word` in `field`.
fn documents_with(searcher: &Searcher, field: Field, word: &str) -> tantivy::Result<u32> {
    let mut count = 0;
    for segment in searcher.segment_readers() {
        if let Some(info) = segment.inverted_index(field)?.terms().get(word)? {
            count += info.doc_freq;
        }
    }
    Ok(count)
}

/// The closest word to `word` the index holds in `field`, if any is near enough.
fn closest(searcher: &Searcher, field: Field, word: &str) -> tantivy::Result<Option<String>> {
    let distance = correction_distance(word.chars().count());
    if distance == 0 {
        return Ok(None);
    }
    let automaton =
        FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true).automaton()?;
    let mut best: Option<(usize, std::cmp::Reverse<u32>, String)> = None;
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index.terms().search(&automaton).into_stream()?;
        while stream.advance() {
            let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let rank = (
                strsim::damerau_levenshtein(word, candidate),
                std::cmp::Reverse(stream.value().doc_freq),
                candidate.to_owned(),
            );
            if best.as_ref().is_none_or(|known| rank < *known) {
                best = Some(rank);
            }
        }
    }
    Ok(best.map(|(_, _, candidate)| candidate))
}

/// `words` with each one `field` does not hold replaced by its closest; `None` when
/// nothing was replaced, or a word has no close spelling.
pub(super) fn corrected(
    searcher: &Searcher,
    field: Field,
    words: &[String],
) -> tantivy::Result<Option<Vec<String>>> {
    let mut changed = false;
    let mut corrected = Vec::with_capacity(words.len());
    for word in words {
        if documents_with(searcher, field, word)? > 0 {
            corrected.push(word.clone());
            continue;
        }
        let Some(replacement) = closest(searcher, field, word)? else {
            return Ok(None);
        };
        changed = true;
        corrected.push(replacement);
    }
    Ok(changed.then_some(corrected))
}
