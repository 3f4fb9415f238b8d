//! The limits the shop holds every request's head to, before any route sees it.

/// The longest request target (path and query) the shop reads.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;
/// The most header fields a request may carry.
pub const MAX_HEADER_FIELDS: usize = 100;
/// The most bytes of header fields (names and values) a request may carry.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
