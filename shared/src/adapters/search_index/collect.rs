//! Collecting every hit of a query with its score, as the slot of its listing: the
//! domain's search filters, counts and sorts them all, so none may be left out.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::SLOT;

/// Every hit: (slot, score).
pub(super) struct EveryHit;

/// [`EveryHit`] within one segment.
pub(super) struct SegmentHits {
    slots: Column<u64>,
    hits: Vec<(u64, Score)>,
}

impl Collector for EveryHit {
    type Fruit = Vec<(u64, Score)>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            slots: reader.fast_fields().u64(SLOT)?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Vec<(u64, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(segments.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<(u64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(slot) = self.slots.first(doc) {
            self.hits.push((slot, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}
