//! [`SearchIndex`] on tantivy, in memory: a table of listings by slot, and a full-text
//! index of their words whose documents name their slots. Every product a query's words
//! match is found and scored on tantivy's index ([`text`]); the domain's [`results`]
//! filters, counts, sorts and pages them, as for every index. Brands and categories are
//! few, so their completions are matched here, one name at a time.

mod complete;
mod schema;
mod snapshot;
mod spelling;
mod text;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{PoisonError, RwLock};

use tantivy::directory::RamDirectory;
use tantivy::index::SegmentComponent;
use tantivy::indexer::NoMergePolicy;
use tantivy::{Directory, Index, IndexReader, IndexWriter, ReloadPolicy, Term};
use time::OffsetDateTime;

use crate::domain::catalog::{
    results, Category, Hit, IndexError, Listing, ProductPage, ProductQuery, SearchIndex,
    Suggestion, SuggestionKind,
};
use crate::domain::ids::ProductId;
use schema::{document, new_index, opened_index, words_of, Fields};
use snapshot::{IndexFile, Stored, Table};
use text::Scope;

/// Memory the writer may fill before it writes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// At most this many brands, and as many categories, among completions.
const NAMES_SUGGESTED: usize = 3;
/// Segments (one per change committed) that are merged into one once there are more.
const MOST_SMALL_SEGMENTS: usize = 8;
/// The files of a segment, whichever it has.
const SEGMENT_FILES: [SegmentComponent; 7] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::Delete,
];

fn failed(error: impl std::fmt::Display) -> IndexError {
    IndexError(error.to_string())
}

/// The index and its table, rebuilt whole or changed one product at a time.
struct State {
    index: Index,
    fields: Fields,
    writer: IndexWriter,
    reader: IndexReader,
    /// Listings by slot; a slot once emptied is never used again until a rebuild.
    slots: Vec<Option<Listing>>,
    by_id: HashMap<ProductId, usize>,
    /// Shown products per brand, by the brand's lower case: (as written, products).
    brands: BTreeMap<String, (String, usize)>,
    built_at: Option<OffsetDateTime>,
}

impl State {
    fn new() -> Result<Self, IndexError> {
        let (index, fields) = new_index();
        State::over(index, fields)
    }

    /// The state of `index`, holding nothing beside it yet. Segments are merged only
    /// when a change asks for it ([`State::merge_small`]), never in the background, so
    /// what the index's files are changes only under the state's lock.
    fn over(index: Index, fields: Fields) -> Result<Self, IndexError> {
        let writer: IndexWriter = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(failed)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(failed)?;
        Ok(State {
            index,
            fields,
            writer,
            reader,
            slots: Vec::new(),
            by_id: HashMap::new(),
            brands: BTreeMap::new(),
            built_at: None,
        })
    }

    /// The state a snapshot holds.
    fn restored(snapshot: &[u8]) -> Result<Self, IndexError> {
        let (table, files) = snapshot::read(snapshot)?;
        let directory = RamDirectory::create();
        for (name, bytes) in &files {
            directory.atomic_write(name, bytes).map_err(failed)?;
        }
        let index = Index::open(directory).map_err(failed)?;
        let fields = opened_index(&index).map_err(failed)?;
        let mut state = State::over(index, fields)?;
        state.reader.reload().map_err(failed)?;
        for (slot, stored) in table.slots.into_iter().enumerate() {
            let listing = stored.map(Stored::listing);
            if let Some(listing) = &listing {
                state.count_brand(&listing.product.brand, 1);
                state.by_id.insert(listing.product.id.clone(), slot);
            }
            state.slots.push(listing);
        }
        state.built_at = Some(table.built_at);
        Ok(state)
    }

    /// The files of the committed index: its meta file and its segments'.
    fn files(&self) -> Result<Vec<IndexFile>, IndexError> {
        let directory = self.index.directory();
        let meta = Path::new("meta.json");
        let mut files = vec![(
            meta.to_path_buf(),
            directory.atomic_read(meta).map_err(failed)?,
        )];
        for segment in self.index.load_metas().map_err(failed)?.segments {
            for component in SEGMENT_FILES {
                let path = segment.relative_path(component);
                if directory.exists(&path).map_err(failed)? {
                    let bytes = directory.atomic_read(&path).map_err(failed)?;
                    files.push((path, bytes));
                }
            }
        }
        Ok(files)
    }

    fn count_brand(&mut self, brand: &str, by: isize) {
        let entry = self
            .brands
            .entry(brand.to_lowercase())
            .or_insert_with(|| (brand.to_owned(), 0));
        entry.1 = entry.1.saturating_add_signed(by);
        if entry.1 == 0 {
            self.brands.remove(&brand.to_lowercase());
        }
    }

    /// Takes the product `id` out of the table and deletes its document (seen once
    /// committed).
    fn take_out(&mut self, id: &ProductId) {
        let Some(slot) = self.by_id.remove(id) else {
            return;
        };
        if let Some(listing) = self.slots.get_mut(slot).and_then(Option::take) {
            self.count_brand(&listing.product.brand, -1);
        }
        self.writer
            .delete_term(Term::from_field_text(self.fields.id, id.as_str()));
    }

    /// Puts `listing` in a new slot and adds its document (seen once committed).
    fn put(&mut self, listing: Listing) -> Result<(), IndexError> {
        let slot = self.slots.len();
        let document = document(self.fields, &listing, slot as u64);
        self.writer.add_document(document).map_err(failed)?;
        self.count_brand(&listing.product.brand, 1);
        self.by_id.insert(listing.product.id.clone(), slot);
        self.slots.push(Some(listing));
        Ok(())
    }

    fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit().map_err(failed)?;
        self.reader.reload().map_err(failed)
    }

    /// Merges the segments beside the largest into one once they are many: each change
    /// commits a segment of its own.
    fn merge_small(&mut self) -> Result<(), IndexError> {
        let mut segments = self.index.searchable_segment_metas().map_err(failed)?;
        if segments.len() <= MOST_SMALL_SEGMENTS {
            return Ok(());
        }
        segments.sort_by_key(|segment| std::cmp::Reverse(segment.num_docs()));
        let small: Vec<_> = segments
            .iter()
            .skip(1)
            .map(|segment| segment.id())
            .collect();
        self.writer.merge(&small).wait().map_err(failed)?;
        self.reader.reload().map_err(failed)
    }

    /// Merges every segment into one, which searches fastest.
    fn merge(&mut self) -> Result<(), IndexError> {
        let segments = self.index.searchable_segment_ids().map_err(failed)?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait().map_err(failed)?;
        }
        self.reader.reload().map_err(failed)
    }

    /// Every hit of `words` (`typed` whole may be a SKU), with its score.
    fn hits(&self, words: &[String], typed: &str) -> Result<Vec<Hit<'_>>, IndexError> {
        let searcher = self.reader.searcher();
        let mut hits = Vec::new();
        text::every_match(
            &searcher,
            self.fields,
            Scope::Everything,
            words,
            Some(typed),
            None,
            |slot, score| {
                if let Some(listing) = self.listing_in(slot) {
                    hits.push(Hit { listing, score });
                }
            },
        )
        .map_err(failed)?;
        Ok(hits)
    }

    /// The listing in `slot`, unless it was emptied.
    fn listing_in(&self, slot: u64) -> Option<&Listing> {
        self.slots.get(usize::try_from(slot).ok()?)?.as_ref()
    }

    fn every_listing(&self) -> Vec<Hit<'_>> {
        self.slots
            .iter()
            .flatten()
            .map(|listing| Hit {
                listing,
                score: 0.0,
            })
            .collect()
    }

    /// What to search for instead of `words`, if a close spelling finds something.
    fn did_you_mean(&self, words: &[String]) -> Result<Option<String>, IndexError> {
        let searcher = self.reader.searcher();
        let Some(corrected) =
            spelling::corrected(&searcher, self.fields.text, words).map_err(failed)?
        else {
            return Ok(None);
        };
        let text = corrected.join(" ");
        Ok((!self.hits(&corrected, &text)?.is_empty()).then_some(text))
    }

    /// Up to `limit` products whose names complete `words`, best first.
    fn products_completing(
        &self,
        words: &[String],
        limit: usize,
    ) -> Result<Vec<Suggestion>, IndexError> {
        let searcher = self.reader.searcher();
        let mut found = Vec::new();
        text::every_match(
            &searcher,
            self.fields,
            Scope::Names,
            words,
            None,
            Some(limit),
            |slot, score| found.push((slot, score)),
        )
        .map_err(failed)?;
        // Best first; a stable sort keeps the index's order among equals.
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.truncate(limit);
        let suggestions = found
            .into_iter()
            .filter_map(|(slot, _)| self.listing_in(slot))
            .map(|listing| Suggestion {
                text: listing.product.name.clone(),
                kind: SuggestionKind::Product,
                id: Some(listing.product.id.to_string()),
            })
            .collect();
        Ok(suggestions)
    }
}

/// [`SearchIndex`] on tantivy, in this process's memory. Made empty and cheap: nothing
/// is allocated before the first rebuild or change.
pub struct TantivyIndex {
    state: RwLock<Option<State>>,
}

impl Default for TantivyIndex {
    fn default() -> Self {
        TantivyIndex::new()
    }
}

impl TantivyIndex {
    /// An empty index, never built.
    pub fn new() -> Self {
        TantivyIndex {
            state: RwLock::new(None),
        }
    }

    /// How many products it holds and the bytes their index takes (the table of
    /// listings beside it not counted); `None` before it holds anything.
    pub fn footprint(&self) -> Result<Option<(usize, u64)>, IndexError> {
        self.read(
            || None,
            |state| {
                let usage = state.reader.searcher().space_usage().map_err(failed)?;
                Ok(Some((state.by_id.len(), usage.total().get_bytes())))
            },
        )
    }

    /// Reads the state, or answers `empty` while there is none.
    fn read<T>(
        &self,
        empty: impl FnOnce() -> T,
        work: impl FnOnce(&State) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let guard = self.state.read().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(state) => work(state),
            None => Ok(empty()),
        }
    }

    /// Changes the state, made first if there is none.
    fn change<T>(
        &self,
        work: impl FnOnce(&mut State) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let mut guard = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(State::new()?);
        }
        match guard.as_mut() {
            Some(state) => work(state),
            None => Err(IndexError("the index could not be made".to_owned())),
        }
    }
}

impl SearchIndex for TantivyIndex {
    fn rebuild(&self, listings: Vec<Listing>, now: OffsetDateTime) -> Result<(), IndexError> {
        let mut fresh = State::new()?;
        for listing in listings.into_iter().filter(Listing::is_shown) {
            fresh.put(listing)?;
        }
        fresh.commit()?;
        fresh.merge()?;
        fresh.built_at = Some(now);
        *self.state.write().unwrap_or_else(PoisonError::into_inner) = Some(fresh);
        Ok(())
    }

    fn upsert(&self, listing: Listing) -> Result<(), IndexError> {
        self.change(|state| {
            state.take_out(&listing.product.id);
            if listing.is_shown() {
                state.put(listing)?;
            }
            state.commit()?;
            state.merge_small()
        })
    }

    fn remove(&self, id: &ProductId) -> Result<(), IndexError> {
        self.change(|state| {
            state.take_out(id);
            state.commit()?;
            state.merge_small()
        })
    }

    fn listing(&self, id: &ProductId) -> Result<Option<Listing>, IndexError> {
        self.read(
            || None,
            |state| {
                Ok(state
                    .by_id
                    .get(id)
                    .and_then(|slot| state.slots.get(*slot)?.clone()))
            },
        )
    }

    fn snapshot(&self) -> Result<Vec<u8>, IndexError> {
        let never = || IndexError("an index never built has no snapshot".to_owned());
        self.read(
            || Err(never()),
            |state| {
                let built_at = state.built_at.ok_or_else(never)?;
                let slots = state
                    .slots
                    .iter()
                    .map(|listing| listing.as_ref().map(Stored::of))
                    .collect();
                Ok(snapshot::write(
                    &Table::new(built_at, slots),
                    &state.files()?,
                ))
            },
        )?
    }

    fn restore(&self, snapshot: &[u8]) -> Result<(), IndexError> {
        let restored = State::restored(snapshot)?;
        *self.state.write().unwrap_or_else(PoisonError::into_inner) = Some(restored);
        Ok(())
    }

    fn search(
        &self,
        query: &ProductQuery,
        categories: &[Category],
        now: OffsetDateTime,
    ) -> Result<ProductPage, IndexError> {
        let nothing = || results(&[], categories, query, now);
        self.read(nothing, |state| {
            let Some(typed) = query.text.as_deref() else {
                return Ok(results(&state.every_listing(), categories, query, now));
            };
            let mut words = words_of(typed);
            words.truncate(text::MOST_WORDS);
            let hits = state.hits(&words, typed)?;
            let mut page = results(&hits, categories, query, now);
            if hits.is_empty() {
                page.did_you_mean = state.did_you_mean(&words)?;
            }
            Ok(page)
        })
    }

    fn suggest(
        &self,
        prefix: &str,
        categories: &[Category],
        limit: usize,
    ) -> Result<Vec<Suggestion>, IndexError> {
        let mut words = words_of(prefix);
        words.truncate(text::MOST_WORDS);
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        self.read(Vec::new, |state| {
            let mut brands: Vec<&(String, usize)> = state
                .brands
                .values()
                .filter(|(brand, _)| complete::completes(brand, &words))
                .collect();
            brands.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut suggestions: Vec<Suggestion> = brands
                .into_iter()
                .take(NAMES_SUGGESTED)
                .map(|(brand, _)| Suggestion {
                    text: brand.clone(),
                    kind: SuggestionKind::Brand,
                    id: None,
                })
                .collect();
            let mut named: Vec<&Category> = categories
                .iter()
                .filter(|category| complete::completes(&category.name, &words))
                .collect();
            named.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
            suggestions.extend(named.into_iter().take(NAMES_SUGGESTED).map(|category| {
                Suggestion {
                    text: category.name.clone(),
                    kind: SuggestionKind::Category,
                    id: Some(category.id.to_string()),
                }
            }));
            suggestions.truncate(limit);
            let room = limit - suggestions.len();
            suggestions.extend(
                state
                    .products_completing(&words, room)?
                    .into_iter()
                    .take(room),
            );
            Ok(suggestions)
        })
    }

    fn built_at(&self) -> Option<OffsetDateTime> {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|state| state.built_at)
    }
}
