//! The fuzz targets' entry points (fuzz/fuzz_targets/*.rs include this file) and the same
//! entry points for the regression tests (tests/fuzz_regressions.rs): one function per
//! target, bytes in, a panic on any failure. A crash file replays as a plain test.
#![allow(dead_code)]

pub mod differential;
pub mod http;
pub mod parsers;
pub mod sigv4;

/// Hands out the input's bytes as small choices, then zeros once it runs dry (the same
/// idea as `arbitrary::Unstructured`, without a dependency the tests would need too).
pub struct Choices<'a> {
    data: &'a [u8],
}

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Choices { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// One of `items`.
    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[usize::from(self.byte()) % items.len()]
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + usize::from(self.byte()) % (hi - lo + 1)
    }

    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// Up to `max` bytes, as many as the next byte says.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = self.range(0, max).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}
