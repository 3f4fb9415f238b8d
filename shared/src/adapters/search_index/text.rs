//! What a shopper typed, matched and scored: every word must match, exactly (ranked by
//! BM25, higher in the name) or within a typo (one edit from 4 letters, two from 8,
//! ranked below any exact match); the last word may also be the start of a longer one;
//! the whole text typed may be a SKU.
//!
//! Search needs every product the words match, not the best few: the domain filters,
//! counts and sorts them all. tantivy's queries find the best few a document at a time,
//! and a word's exact, typo and prefix alternatives as queries of their own are each an
//! automaton built, a dictionary walked and a scorer merged with the others, which cost
//! more than the rest of a search together. So a word is matched here a term at a time,
//! on tantivy's dictionaries, postings, field norms and BM25 weights: one automaton per
//! word walks the dictionaries, each term it finds is classed by its edit distance, and
//! its postings add to a score per document.

use std::cell::Cell;

use strsim::osa_distance;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{BlockSegmentPostings, TermInfo};
use tantivy::query::{Bm25Weight, DfaWrapper, FuzzyTermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::termdict::TermDictionary;
use tantivy::{DocId, Score, Searcher, SegmentReader, Term};

use super::schema::{Fields, SLOT};

/// The most words of a query searched for; the rest are ignored.
pub(super) const MOST_WORDS: usize = 12;
/// How much an exact word in the name counts over one elsewhere.
const NAME_BOOST: Score = 2.0;
/// The score a word within a typo of any word of the text adds: below any exact match's.
const TYPO_SCORE: Score = 0.2;
/// The score a word within a typo of a word of the name adds, for each typo distance it
/// is within: one typo away ranks above two.
const NAME_TYPO_SCORE: Score = 0.2;
/// The score the last word as a prefix adds.
const PREFIX_SCORE: Score = 0.3;
/// How much a SKU typed whole counts.
const SKU_BOOST: Score = 10.0;

/// How many edits a word of `letters` characters may be away from what it finds.
pub(super) fn typo_distance(letters: usize) -> u8 {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Where a query looks for its words.
#[derive(Clone, Copy)]
pub(super) enum Scope {
    /// Every word of a product, those of its name ranked higher.
    Everything,
    /// The words of its name only: what completions look for.
    Names,
}

/// What a document matched of one word, beside the exact word's BM25 score: one bit per
/// alternative, each counted once however many of its terms the document holds.
mod matched {
    pub const TYPO: u8 = 1;
    pub const PREFIX: u8 = 1 << 1;
    pub const NAME_ONE_TYPO: u8 = 1 << 2;
    pub const NAME_TWO_TYPOS: u8 = 1 << 3;
    /// Some alternative matched.
    pub const ANY: u8 = 1 << 7;
}

fn alternatives_score(bits: u8) -> Score {
    let mut score = 0.0;
    for (bit, adds) in [
        (matched::TYPO, TYPO_SCORE),
        (matched::PREFIX, PREFIX_SCORE),
        (matched::NAME_ONE_TYPO, NAME_TYPO_SCORE),
        (matched::NAME_TWO_TYPOS, NAME_TYPO_SCORE),
    ] {
        if bits & bit != 0 {
            score += adds;
        }
    }
    score
}

/// One field a word is looked for in, with the weight of the word found exactly there.
struct Searched {
    field: Field,
    exact: Bm25Weight,
    /// Whether it is the name beside the text: typos there add per distance, prefixes
    /// nothing.
    name: bool,
}

/// One word of a query, ready for every segment.
struct Word {
    text: String,
    distance: u8,
    last: bool,
    /// What finds its terms, when more than the word itself may match.
    automaton: Option<DfaWrapper>,
    fields: Vec<Searched>,
}

impl Word {
    fn new(
        searcher: &Searcher,
        text: &str,
        last: bool,
        fields: &[(Field, Score, bool)],
    ) -> tantivy::Result<Word> {
        let distance = typo_distance(text.chars().count());
        let primary = Term::from_field_text(fields[0].0, text);
        let automaton = if last {
            Some(FuzzyTermQuery::new_prefix(primary, distance, true).automaton()?)
        } else if distance > 0 {
            Some(FuzzyTermQuery::new(primary, distance, true).automaton()?)
        } else {
            None
        };
        let fields = fields
            .iter()
            .map(|&(field, boost, name)| {
                let term = Term::from_field_text(field, text);
                Ok(Searched {
                    field,
                    exact: Bm25Weight::for_terms(searcher, &[term])?.boost_by(boost),
                    name,
                })
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Word {
            text: text.to_owned(),
            distance,
            last,
            automaton,
            fields,
        })
    }

    /// What a document holding `term` in the text (or in the name) matches of this
    /// word, and whether its BM25 score counts; `None` when nothing.
    fn classify(&self, term: &[u8], name: bool) -> Option<(bool, u8)> {
        let exact = term == self.text.as_bytes();
        let edits = if exact {
            0
        } else {
            osa_distance(&self.text, std::str::from_utf8(term).ok()?)
        };
        let within = edits <= usize::from(self.distance);
        let mut bits = 0;
        if name {
            if edits <= 1 && self.distance >= 1 {
                bits |= matched::NAME_ONE_TYPO;
            }
            if within && self.distance >= 2 {
                bits |= matched::NAME_TWO_TYPOS;
            }
        } else {
            if within && self.distance > 0 {
                bits |= matched::TYPO;
            }
            if self.last {
                bits |= matched::PREFIX;
            }
        }
        (exact || bits != 0).then_some((exact, bits | matched::ANY))
    }
}

/// What one document matched so far: how many words, and of the word being read which
/// alternatives. Two bytes, so that the check every posting makes stays in cache.
#[derive(Clone, Copy, Default)]
struct Counted {
    words_matched: u8,
    word_bits: u8,
}

/// A thread's tally space, kept between searches: a search clears what it counted rather
/// than allocating and zeroing one entry per document again.
#[derive(Default)]
struct Space {
    docs: Vec<Counted>,
    scores: Vec<Score>,
}

thread_local! {
    static KEPT: Cell<Space> = Cell::new(Space::default());
}

/// A segment's running scores, one entry per document. A document the word being read
/// touches matches that word, so its scores add to its total at once.
struct Tally {
    docs: Vec<Counted>,
    scores: Vec<Score>,
    /// The documents the word being read matched so far.
    touched: Vec<DocId>,
    /// Every document counted: what is cleared at the end.
    counted: Vec<DocId>,
    /// The documents every word matched, once the last is read.
    matching: Vec<DocId>,
}

impl Tally {
    /// A clean tally for `max_doc` documents, the thread's kept one if there is one.
    fn new(max_doc: usize) -> Tally {
        let Space {
            mut docs,
            mut scores,
        } = KEPT.take();
        docs.resize(max_doc, Counted::default());
        scores.resize(max_doc, 0.0);
        Tally {
            docs,
            scores,
            touched: Vec::new(),
            counted: Vec::new(),
            matching: Vec::new(),
        }
    }

    /// Marks `doc` as matching `bits` of word `at`, unless it missed an earlier word;
    /// whether it did.
    fn mark(&mut self, at: u8, doc: DocId, bits: u8) -> bool {
        let Some(counted) = self.docs.get_mut(doc as usize) else {
            return false;
        };
        if counted.words_matched != at {
            return false;
        }
        if counted.word_bits == 0 {
            self.touched.push(doc);
        }
        counted.word_bits |= bits;
        true
    }

    /// Adds the postings of one term of word `at`: those of documents that missed an
    /// earlier word are skipped.
    fn add(&mut self, at: usize, postings: &mut BlockSegmentPostings, bits: u8) {
        let at = at as u8;
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                return;
            }
            for &doc in docs {
                self.mark(at, doc, bits);
            }
            postings.advance();
        }
    }

    /// As [`Tally::add`], for the word itself: each posting also adds its BM25 score.
    fn add_scored(
        &mut self,
        at: usize,
        postings: &mut BlockSegmentPostings,
        bits: u8,
        weight: &Bm25Weight,
        norms: &FieldNormReader,
    ) {
        let at = at as u8;
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                return;
            }
            for (&doc, &frequency) in docs.iter().zip(postings.freqs()) {
                if !self.mark(at, doc, bits) {
                    continue;
                }
                if let Some(score) = self.scores.get_mut(doc as usize) {
                    *score += weight.score(norms.fieldnorm_id(doc), frequency);
                }
            }
            postings.advance();
        }
    }

    /// Ends word `at`: the documents it matched count it, and match the query when it is
    /// the `last`.
    fn end_word(&mut self, at: usize, last: bool) {
        if at == 0 {
            self.counted.extend_from_slice(&self.touched);
        }
        if last {
            self.matching.extend_from_slice(&self.touched);
        }
        for doc in self.touched.drain(..) {
            let slot = doc as usize;
            if let (Some(counted), Some(score)) =
                (self.docs.get_mut(slot), self.scores.get_mut(slot))
            {
                *score += alternatives_score(counted.word_bits);
                counted.words_matched = at as u8 + 1;
                counted.word_bits = 0;
            }
        }
    }

    /// Adds `score` to `doc`, a match of the query already or, when there are no words,
    /// made one.
    fn add_to_match(&mut self, doc: DocId, every_word: u8, score: Score) {
        let slot = doc as usize;
        let (Some(counted), Some(total)) = (self.docs.get(slot), self.scores.get_mut(slot)) else {
            return;
        };
        if every_word == 0 {
            self.counted.push(doc);
            self.matching.push(doc);
        } else if counted.words_matched != every_word {
            return;
        }
        *total += score;
    }

    fn total(&self, doc: DocId) -> Score {
        self.scores.get(doc as usize).copied().unwrap_or(0.0)
    }
}

impl Drop for Tally {
    /// Clears what was counted and gives the tally space back to the thread.
    fn drop(&mut self) {
        for &doc in self.counted.iter().chain(&self.touched) {
            let slot = doc as usize;
            if let (Some(counted), Some(score)) =
                (self.docs.get_mut(slot), self.scores.get_mut(slot))
            {
                *counted = Counted::default();
                *score = 0.0;
            }
        }
        KEPT.set(Space {
            docs: std::mem::take(&mut self.docs),
            scores: std::mem::take(&mut self.scores),
        });
    }
}

/// Every document of `searcher` that `words` match in `scope` (or, with no words, whose
/// SKU is `sku`), given to `found` as the slot of its listing and its score, segment by
/// segment in the index's order; only the `best` of each segment when a number is given
/// (best score first, the earlier indexed first among equals).
pub(super) fn every_match(
    searcher: &Searcher,
    fields: Fields,
    scope: Scope,
    words: &[String],
    sku: Option<&str>,
    best: Option<usize>,
    mut found: impl FnMut(u64, Score),
) -> tantivy::Result<()> {
    // The text first: its dictionary holds every word of the name too.
    let looked_in: &[(Field, Score, bool)] = match scope {
        Scope::Everything => &[(fields.text, 1.0, false), (fields.name, NAME_BOOST, true)],
        Scope::Names => &[(fields.name, 1.0, false)],
    };
    let words = words
        .iter()
        .enumerate()
        .map(|(at, word)| Word::new(searcher, word, at + 1 == words.len(), looked_in))
        .collect::<tantivy::Result<Vec<_>>>()?;
    let sku = match sku.map(|typed| typed.trim().to_lowercase()) {
        Some(typed) if !typed.is_empty() => {
            let term = Term::from_field_text(fields.sku, &typed);
            let weight =
                Bm25Weight::for_terms(searcher, std::slice::from_ref(&term))?.boost_by(SKU_BOOST);
            Some((term, weight))
        }
        _ => None,
    };
    for segment in searcher.segment_readers() {
        segment_matches(segment, &words, sku.as_ref(), best, &mut found)?;
    }
    Ok(())
}

/// The terms of `dictionary` that `word` may match, with where their postings are.
fn terms_of(dictionary: &TermDictionary, word: &Word) -> tantivy::Result<Vec<(Vec<u8>, TermInfo)>> {
    let mut terms = Vec::new();
    match &word.automaton {
        Some(automaton) => {
            let mut stream = dictionary.search(automaton).into_stream()?;
            while stream.advance() {
                terms.push((stream.key().to_vec(), stream.value().clone()));
            }
        }
        None => {
            if let Some(info) = dictionary.get(word.text.as_bytes())? {
                terms.push((word.text.as_bytes().to_vec(), info));
            }
        }
    }
    Ok(terms)
}

fn segment_matches(
    segment: &SegmentReader,
    words: &[Word],
    sku: Option<&(Term, Bm25Weight)>,
    best: Option<usize>,
    found: &mut impl FnMut(u64, Score),
) -> tantivy::Result<()> {
    let mut tally = Tally::new(segment.max_doc() as usize);
    for (at, word) in words.iter().enumerate() {
        let Some(first) = word.fields.first() else {
            continue;
        };
        let candidates = terms_of(segment.inverted_index(first.field)?.terms(), word)?;
        for searched in &word.fields {
            let index = segment.inverted_index(searched.field)?;
            let norms = segment.get_fieldnorms_reader(searched.field)?;
            for (term, first_info) in &candidates {
                let Some((exact, bits)) = word.classify(term, searched.name) else {
                    continue;
                };
                // The name's words are among the text's: the text's dictionary was
                // walked, and the name's is only looked up.
                let info = if searched.field == first.field {
                    first_info.clone()
                } else {
                    match index.terms().get(term)? {
                        Some(info) => info,
                        None => continue,
                    }
                };
                if exact {
                    let option = IndexRecordOption::WithFreqs;
                    let mut postings = index.read_block_postings_from_terminfo(&info, option)?;
                    tally.add_scored(at, &mut postings, bits, &searched.exact, &norms);
                } else {
                    let option = IndexRecordOption::Basic;
                    let mut postings = index.read_block_postings_from_terminfo(&info, option)?;
                    tally.add(at, &mut postings, bits);
                }
            }
        }
        tally.end_word(at, at + 1 == words.len());
    }
    let every_word = words.len() as u8;
    if let Some((term, weight)) = sku {
        let index = segment.inverted_index(term.field())?;
        let norms = segment.get_fieldnorms_reader(term.field())?;
        if let Some(info) = index.terms().get(term.serialized_value_bytes())? {
            let mut postings =
                index.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
            loop {
                let docs = postings.docs();
                if docs.is_empty() {
                    break;
                }
                for &doc in docs {
                    tally.add_to_match(doc, every_word, weight.score(norms.fieldnorm_id(doc), 1));
                }
                postings.advance();
            }
        }
    }
    if let Some(alive) = segment.alive_bitset() {
        tally.matching.retain(|doc| alive.is_alive(*doc));
    }
    if let Some(best) = best {
        let totals = &tally.scores;
        let total = |doc: &DocId| totals.get(*doc as usize).copied().unwrap_or(0.0);
        let order = |a: &DocId, b: &DocId| total(b).total_cmp(&total(a)).then(a.cmp(b));
        if tally.matching.len() > best {
            tally.matching.select_nth_unstable_by(best, order);
            tally.matching.truncate(best);
        }
        tally.matching.sort_unstable_by(order);
    }
    let mut slots = vec![None; tally.matching.len()];
    segment
        .fast_fields()
        .u64(SLOT)?
        .first_vals(&tally.matching, &mut slots);
    for (&doc, slot) in tally.matching.iter().zip(slots) {
        if let Some(slot) = slot {
            found(slot, tally.total(doc));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
    use tantivy::IndexWriter;
    use time::OffsetDateTime;

    use super::*;
    use crate::adapters::search_index::schema::{document, new_index, words_of};
    use crate::domain::catalog::{Listing, Product, ProductDraft};
    use crate::domain::ids::ProductId;
    use crate::domain::reviews::Rating;

    #[test]
    fn longer_words_tolerate_more_typos() {
        let distances: Vec<u8> = [1, 3, 4, 7, 8, 20].into_iter().map(typo_distance).collect();
        assert_eq!(distances, [0, 0, 1, 1, 2, 2]);
    }

    fn boosted(query: impl Query, boost: Score) -> Box<dyn Query> {
        Box::new(BoostQuery::new(Box::new(query), boost))
    }

    /// The word's alternatives as tantivy's own queries: the meaning `every_match`
    /// evaluates term at a time.
    fn word_query(word: &str, text: Field, name: Option<Field>, last: bool) -> Box<dyn Query> {
        let term = Term::from_field_text(text, word);
        let distance = typo_distance(word.chars().count());
        let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, Box::new(exact))];
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

    fn query(fields: Fields, scope: Scope, words: &[String], sku: Option<&str>) -> BooleanQuery {
        let (text, name) = match scope {
            Scope::Everything => (fields.text, Some(fields.name)),
            Scope::Names => (fields.name, None),
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .enumerate()
            .map(|(at, word)| {
                (
                    Occur::Must,
                    word_query(word, text, name, at + 1 == words.len()),
                )
            })
            .collect();
        if let Some(sku) = sku {
            let term = Term::from_field_text(fields.sku, &sku.trim().to_lowercase());
            let lookup = TermQuery::new(term, IndexRecordOption::Basic);
            clauses.push((Occur::Should, boosted(lookup, SKU_BOOST)));
        }
        BooleanQuery::new(clauses)
    }

    /// (name, brand, description, SKU)
    const CATALOG: [(&str, &str, &str, &str); 8] = [
        (
            "Sonora Studio Headphones",
            "Sonora",
            "Closed back headphones for the studio",
            "HP-1",
        ),
        (
            "Sonora Wireless Earbuds",
            "Sonora",
            "Headphone sound in a pocket",
            "EB-2",
        ),
        (
            "Headphone Stand",
            "Apex",
            "Holds two pairs of headphones",
            "ST-3",
        ),
        (
            "Field Recorder",
            "Tascam",
            "Records the field in stereo",
            "FR-4",
        ),
        (
            "Wireless Keyboard",
            "Keyco",
            "A quiet keyboard for the desk",
            "KB-5",
        ),
        (
            "Keyboard Cover",
            "Keyco",
            "Keeps crumbs out of keyboards",
            "KC-6",
        ),
        (
            "Studio Monitor Speakers",
            "Apex",
            "Speakers for the studio desk",
            "SP-7",
        ),
        (
            "Headphones Headphones",
            "Echo",
            "Headphones twice over",
            "HP-8",
        ),
    ];

    #[test]
    fn every_match_finds_and_scores_as_tantivys_own_queries_do() {
        let (index, fields) = new_index();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (slot, (name, brand, description, sku)) in CATALOG.iter().enumerate() {
            let draft: ProductDraft = serde_json::from_value(serde_json::json!({
                "name": name, "brand": brand, "categoryId": "audio", "description": description,
                "variants": [{"sku": sku, "name": "One", "price": {"amount": 1000, "currency": "USD"}}]
            }))
            .unwrap();
            let id = ProductId::parse(&format!("p{slot}")).unwrap();
            let product = Product::create(id, draft, OffsetDateTime::UNIX_EPOCH);
            let listing = Listing::of(Arc::new(product), true, Rating::default(), vec![]);
            writer
                .add_document(document(fields, &listing, slot as u64))
                .unwrap();
            if slot == 3 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(
            searcher.segment_readers().len(),
            2,
            "matches across segments"
        );
        let typed = [
            "headphones",
            "hedphones",
            "headphone",
            "head",
            "hea",
            "sonora studio",
            "sonra stu",
            "wireles keybaord",
            "keyboard cover",
            "field recordr",
            "studio desk",
            "hp-1",
            "kc-6",
            "kyeb",
            "x",
            "headphones nothing",
        ];
        for scope in [Scope::Everything, Scope::Names] {
            for text in typed {
                let words = words_of(text);
                let sku = matches!(scope, Scope::Everything).then_some(text);
                let mut ours = BTreeMap::new();
                every_match(
                    &searcher,
                    fields,
                    scope,
                    &words,
                    sku,
                    None,
                    |slot, score| {
                        ours.insert(slot, score);
                    },
                )
                .unwrap();
                let top = TopDocs::with_limit(100).order_by_score();
                let theirs = searcher
                    .search(&query(fields, scope, &words, sku), &top)
                    .unwrap();
                let theirs: BTreeMap<u64, Score> = theirs
                    .into_iter()
                    .map(|(score, address)| {
                        let slots = searcher
                            .segment_reader(address.segment_ord)
                            .fast_fields()
                            .u64(SLOT)
                            .unwrap();
                        (slots.first(address.doc_id).unwrap(), score)
                    })
                    .collect();
                assert_eq!(
                    ours.keys().collect::<Vec<_>>(),
                    theirs.keys().collect::<Vec<_>>(),
                    "what {text:?} finds"
                );
                for (slot, score) in &ours {
                    let expected = theirs[slot];
                    assert!(
                        (score - expected).abs() <= 1e-4 * expected.abs().max(1.0),
                        "{text:?} scores slot {slot} {score}, tantivy {expected}"
                    );
                }
            }
        }
    }
}
