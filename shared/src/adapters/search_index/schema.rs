//! What the index stores of a listing: the words a shopper may search it by, and the
//! slot of its listing in the index's table, read back for every hit.

use std::cell::RefCell;

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};

use crate::domain::catalog::Listing;

/// Words: split on anything not a letter or digit, lower case, accents folded, so that
/// query syntax characters (`"`, `:`, `(`, `*`) are only separators.
pub(super) const WORDS: &str = "shop_words";
/// A SKU whole, in lower case.
const WHOLE: &str = "shop_whole";
/// The longest word indexed or searched for, in bytes.
const LONGEST_WORD: usize = 40;
/// The name of the fast field holding the slot.
pub(super) const SLOT: &str = "slot";
const ID: &str = "id";
const NAME: &str = "name";
const TEXT: &str = "text";
const SKU: &str = "sku";

/// The index's fields.
#[derive(Clone, Copy)]
pub(super) struct Fields {
    /// The product id, whole: what an update or removal deletes by.
    pub id: Field,
    /// Where its listing is in the index's table.
    pub slot: Field,
    /// The name's words, ranked above the other text's.
    pub name: Field,
    /// Every word it may be found by: name, brand, description, categories, attributes,
    /// variant names and SKUs.
    pub text: Field,
    /// Its SKUs whole, for a lookup by SKU.
    pub sku: Field,
}

fn words_field(analyzer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

/// A new in-memory index with its analyzers, and its fields.
pub(super) fn new_index() -> (Index, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field(ID, STRING),
        slot: builder.add_u64_field(SLOT, FAST),
        name: builder.add_text_field(NAME, words_field(WORDS)),
        text: builder.add_text_field(TEXT, words_field(WORDS)),
        sku: builder.add_text_field(SKU, words_field(WHOLE)),
    };
    let index = Index::create_in_ram(builder.build());
    register_analyzers(&index);
    (index, fields)
}

/// Gives an index opened from files (a snapshot's) its analyzers, and reads its fields.
pub(super) fn opened_index(index: &Index) -> tantivy::Result<Fields> {
    register_analyzers(index);
    let schema = index.schema();
    Ok(Fields {
        id: schema.get_field(ID)?,
        slot: schema.get_field(SLOT)?,
        name: schema.get_field(NAME)?,
        text: schema.get_field(TEXT)?,
        sku: schema.get_field(SKU)?,
    })
}

fn register_analyzers(index: &Index) {
    index.tokenizers().register(WORDS, words_analyzer());
    index.tokenizers().register(
        WHOLE,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// The analyzer of [`WORDS`], for indexing and for reading what a shopper typed.
pub(super) fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The words of `text` as the index holds them.
pub(super) fn words_of(text: &str) -> Vec<String> {
    thread_local! {
        // Made once per thread: completions read every brand's and category's words on
        // each request.
        static ANALYZER: RefCell<TextAnalyzer> = RefCell::new(words_analyzer());
    }
    ANALYZER.with_borrow_mut(|analyzer| {
        let mut stream = analyzer.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() {
            words.push(stream.token().text.clone());
        }
        words
    })
}

/// The document of `listing`, whose listing is at `slot`.
pub(super) fn document(fields: Fields, listing: &Listing, slot: u64) -> TantivyDocument {
    let product = &listing.product;
    let mut document = TantivyDocument::default();
    document.add_text(fields.id, product.id.as_str());
    document.add_u64(fields.slot, slot);
    document.add_text(fields.name, &product.name);
    let mut texts: Vec<&str> = vec![&product.name, &product.brand, &product.description];
    texts.extend(listing.category_path.iter().map(String::as_str));
    texts.extend(product.attributes.values().map(String::as_str));
    for variant in &product.variants {
        texts.push(&variant.name);
        texts.push(variant.sku.as_str());
        texts.extend(variant.attributes.values().map(String::as_str));
        document.add_text(fields.sku, variant.sku.as_str());
    }
    for text in texts {
        document.add_text(fields.text, text);
    }
    document
}
