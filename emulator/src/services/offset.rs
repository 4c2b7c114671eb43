//! Offset pagination over a list already built, shared by every service (next to
//! [`crate::services::cursor`], which pages ordered maps without building them): the page
//! from an offset, and the offset tokens the services issue (a plain number, or the base64
//! of a tagged number). Each service keeps its own member names and its error for a token
//! it did not issue.

use base64::Engine as _;

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
    base64::engine::general_purpose::STANDARD.encode(format!("{tag}:{offset}"))
}

/// The offset of a token [`encode_tagged`] made with `tag`; `None` for any other text.
pub fn decode_tagged(tag: &str, token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix(tag)?
        .strip_prefix(':')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
