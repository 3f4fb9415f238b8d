//! A snapshot's bytes: an lz4 frame around a tar archive of `listings.json` (the
//! format, when the index was built, and its table of listings by slot) and the files
//! of tantivy's index under `index/`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::failed;
use crate::domain::catalog::{IndexError, Listing, Product};
use crate::domain::reviews::Rating;

/// The layout this build writes and reads; a snapshot of another is refused.
const FORMAT: u32 = 1;
const LISTINGS: &str = "listings.json";
const FILES: &str = "index";

/// What the index holds beside tantivy's files.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Table {
    format: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub built_at: OffsetDateTime,
    /// Listings by slot; `None` for a slot emptied since the last rebuild.
    pub slots: Vec<Option<Stored>>,
}

impl Table {
    /// The table of an index built at `built_at`.
    pub fn new(built_at: OffsetDateTime, slots: Vec<Option<Stored>>) -> Self {
        Table {
            format: FORMAT,
            built_at,
            slots,
        }
    }
}

/// A listing as a snapshot holds it: what it was made of.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Stored {
    product: Arc<Product>,
    in_stock: bool,
    reviews: u64,
    stars: u64,
    category_path: Vec<String>,
}

impl Stored {
    pub fn of(listing: &Listing) -> Self {
        Stored {
            product: Arc::clone(&listing.product),
            in_stock: listing.in_stock(),
            reviews: listing.rating().count,
            stars: listing.rating().stars,
            category_path: listing.category_path.clone(),
        }
    }

    pub fn listing(self) -> Listing {
        let rating = Rating {
            count: self.reviews,
            stars: self.stars,
        };
        Listing::of(self.product, self.in_stock, rating, self.category_path)
    }
}

/// One of tantivy's files: its name and its bytes.
pub(super) type IndexFile = (PathBuf, Vec<u8>);

fn append(
    archive: &mut tar::Builder<impl Write>,
    path: &Path,
    bytes: &[u8],
) -> Result<(), IndexError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    archive
        .append_data(&mut header, path, bytes)
        .map_err(failed)
}

/// The snapshot of `table` and tantivy's `files`.
pub(super) fn write(table: &Table, files: &[IndexFile]) -> Result<Vec<u8>, IndexError> {
    let listings = serde_json::to_vec(table).map_err(failed)?;
    let mut archive = tar::Builder::new(lz4_flex::frame::FrameEncoder::new(Vec::new()));
    append(&mut archive, Path::new(LISTINGS), &listings)?;
    for (name, bytes) in files {
        append(&mut archive, &Path::new(FILES).join(name), bytes)?;
    }
    archive
        .into_inner()
        .map_err(failed)?
        .finish()
        .map_err(failed)
}

/// The table and files of `snapshot`; refused unless it is whole and of this format.
pub(super) fn read(snapshot: &[u8]) -> Result<(Table, Vec<IndexFile>), IndexError> {
    let mut archive = tar::Archive::new(lz4_flex::frame::FrameDecoder::new(snapshot));
    let mut table = None;
    let mut files = Vec::new();
    for entry in archive.entries().map_err(failed)? {
        let mut entry = entry.map_err(failed)?;
        let path = entry.path().map_err(failed)?.into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(failed)?;
        if path == Path::new(LISTINGS) {
            table = Some(serde_json::from_slice::<Table>(&bytes).map_err(failed)?);
            continue;
        }
        let name = path
            .strip_prefix(FILES)
            .ok()
            .filter(|name| name.components().count() == 1)
            .ok_or_else(|| IndexError(format!("a snapshot holds no {}", path.display())))?;
        files.push((name.to_path_buf(), bytes));
    }
    let table = table.ok_or_else(|| IndexError(format!("the snapshot has no {LISTINGS}")))?;
    if table.format != FORMAT {
        return Err(IndexError(format!(
            "the snapshot is of format {}; this build reads {FORMAT}",
            table.format
        )));
    }
    Ok((table, files))
}
