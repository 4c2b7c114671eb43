//! Pagination, shared by every service; each service keeps its own member names and its
//! error for a token it did not issue (its `paging.rs`).
//!
//! - Cursor pagination over ordered maps and indexes ([`page`], [`page_of`]): a page starts
//!   at the key its token names and reads only the entries it returns (plus the skipped ones
//!   a filter rejects, and one more to know whether there is a next page), so a page costs
//!   the page, not the collection. Tokens are opaque to clients: the URL-safe base64 of the
//!   first key of the next page ([`encode_cursor`], [`decode_cursor`]).
//! - Offset pagination over a list built whole ([`slice`]), and its tokens: a plain number,
//!   or the base64 of a tagged number ([`encode_tagged`], [`decode_tagged`]).

use std::collections::BTreeMap;
use std::ops::Bound;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// One page: the entries, in key order, and the token of the next page if there is one.
pub struct Page<'m, V> {
    pub items: Vec<&'m V>,
    pub next: Option<String>,
}

/// The first key of the page a token names; `None` for a token keyhole did not issue.
pub fn decode_cursor(token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(bytes).ok()
}

/// The token of the page that starts at `key`.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// Up to `limit` entries of `map` that `keep` accepts, from key `start` (the whole map when
/// `None`) on.
pub fn page<'m, V>(
    map: &'m BTreeMap<String, V>,
    start: Option<&str>,
    limit: usize,
    keep: impl Fn(&V) -> bool,
) -> Page<'m, V> {
    let from = match start {
        Some(key) => Bound::Included(key),
        None => Bound::Unbounded,
    };
    let entries = map.range::<str, _>((from, Bound::Unbounded));
    page_of(
        entries.map(|(key, value)| (key.as_str(), value)),
        limit,
        keep,
    )
}

/// Up to `limit` of `entries` (keyed, in list order, from the page's first on) that `keep`
/// accepts; the next page's token names the first accepted entry after them. Reads only
/// those and the ones `keep` rejects.
pub fn page_of<'m, V: 'm>(
    entries: impl Iterator<Item = (&'m str, &'m V)>,
    limit: usize,
    keep: impl Fn(&V) -> bool,
) -> Page<'m, V> {
    let mut items = Vec::new();
    let mut next = None;
    for (key, value) in entries {
        visited();
        if !keep(value) {
            continue;
        }
        if items.len() == limit {
            next = Some(encode_cursor(key));
            break;
        }
        items.push(value);
    }
    Page { items, next }
}

/// Up to `size` items from offset `start`, and the offset of the next page if items remain.
/// A `start` past the end is an empty last page.
pub fn slice<T>(items: Vec<T>, start: usize, size: usize) -> (Vec<T>, Option<usize>) {
    let total = items.len();
    let end = start.saturating_add(size).min(total);
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    (page, (end < total).then_some(end))
}

/// The opaque token of offset `offset`: the base64 of `<tag>:<offset>`.
pub fn encode_tagged(tag: &str, offset: usize) -> String {
    STANDARD.encode(format!("{tag}:{offset}"))
}

/// The offset of a token [`encode_tagged`] made with `tag`; `None` for any other text.
pub fn decode_tagged(tag: &str, token: &str) -> Option<usize> {
    let bytes = STANDARD.decode(token).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix(tag)?
        .strip_prefix(':')?
        .parse()
        .ok()
}

#[cfg(test)]
thread_local! {
    static VISITED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one entry read (in tests: the scale test checks a page reads only the page).
#[inline]
fn visited() {
    #[cfg(test)]
    VISITED.with(|v| v.set(v.get() + 1));
}

/// The entries read by [`page`] on this thread so far.
#[cfg(test)]
pub(crate) fn entries_visited() -> u64 {
    VISITED.with(|v| v.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_tokens_and_read_only_the_page() {
        let map: BTreeMap<String, u32> = (0..10).map(|i| (format!("k{i}"), i)).collect();
        let before = entries_visited();
        let first = page(&map, None, 3, |_| true);
        assert_eq!(first.items, [&0, &1, &2]);
        assert_eq!(entries_visited() - before, 4);
        let start = decode_cursor(first.next.as_deref().unwrap()).unwrap();
        let second = page(&map, Some(&start), 3, |v| v % 2 == 1);
        assert_eq!(second.items, [&3, &5, &7]);
        let start = decode_cursor(second.next.as_deref().unwrap()).unwrap();
        let last = page(&map, Some(&start), 3, |v| v % 2 == 1);
        assert_eq!(last.items, [&9]);
        assert!(last.next.is_none());
        assert_eq!(decode_cursor("not base64!"), None);
    }

    #[test]
    fn a_page_ends_where_the_next_begins() {
        assert_eq!(slice(vec![1, 2, 3], 0, 2), (vec![1, 2], Some(2)));
        assert_eq!(slice(vec![1, 2, 3], 2, 2), (vec![3], None));
        assert_eq!(slice(vec![1, 2, 3], 5, 2), (Vec::<i32>::new(), None));
    }

    #[test]
    fn tagged_tokens_round_trip_and_reject_other_tags() {
        let token = encode_tagged("keyhole", 40);
        assert_eq!(decode_tagged("keyhole", &token), Some(40));
        assert_eq!(decode_tagged("keyhole-orgs", &token), None);
        assert_eq!(decode_tagged("keyhole", "not base64!"), None);
    }
}
