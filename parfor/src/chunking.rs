//! Chunk arithmetic and chunk claiming, on offsets `0..len` into the loop's range.
//!
//! Every loop works on offsets from the range's start, so an offset never exceeds `len` and
//! `start + offset` never overflows, even for ranges ending at `usize::MAX`. Every sum below is
//! of two values whose total is at most `len`, or is checked.

use std::ops::Range;
use workshare_pool::sync::{AtomicUsize, Ordering};

/// Part `part` of `0..len` split into `parts` contiguous blocks whose sizes differ by at most one
/// (the first `len % parts` blocks are one longer).
#[inline]
pub(crate) fn static_block(len: usize, parts: usize, part: usize) -> Range<usize> {
    let base = len / parts;
    let extra = len % parts;
    // part * base <= parts * base <= len, and part.min(extra) + that <= len.
    let start = part * base + part.min(extra); // mutant: boundary
    let end = start + base + usize::from(part < extra); // mutant: boundary
    start..end
}

/// The chunks `part, part + parts, part + 2 * parts, ...` of size `chunk` in `0..len`:
/// OpenMP's `schedule(static, chunk)`.
pub(crate) fn round_robin(
    len: usize,
    chunk: usize,
    parts: usize,
    part: usize,
) -> impl Iterator<Item = Range<usize>> {
    let first = part.checked_mul(chunk).filter(|&start| start < len); // mutant: boundary
    let stride = parts.checked_mul(chunk);
    std::iter::successors(first, move |&start| {
        stride
            .and_then(|stride| start.checked_add(stride))
            .filter(|&next| next < len) // mutant: boundary
    })
    .map(move |start| start..start + chunk.min(len - start)) // mutant: boundary
}

/// The size of a guided chunk when `remaining > 0` indices are left for `threads` threads:
/// half a fair share, never below `min`, never above `remaining`.
#[inline]
pub(crate) fn guided_size(remaining: usize, threads: usize, min: usize) -> usize {
    let share = remaining.div_ceil(threads.saturating_mul(2));
    share.max(min).min(remaining) // mutant: boundary
}

/// Claims the next chunk of `0..len` from `counter`, the offset of the first unclaimed index;
/// `size(remaining)` says how many of the `remaining > 0` indices to take (at least one).
///
/// A compare-and-swap instead of a `fetch_add`: the counter never moves past `len`, so it
/// cannot overflow even when `len` is close to `usize::MAX`, and a stopped loop (see
/// [`stop`]) stays stopped.
#[inline]
pub(crate) fn claim(
    counter: &AtomicUsize,
    len: usize,
    size: impl Fn(usize) -> usize,
) -> Option<Range<usize>> {
    // Relaxed: which thread owns an index is decided by the counter's modification order alone;
    // no other data is published through it (the region's fork and join order the bodies).
    let mut start = counter.load(Ordering::Relaxed);
    loop {
        // mutant: boundary
        if start >= len {
            return None;
        }
        let end = start + size(len - start).clamp(1, len - start); // mutant: boundary
        match counter.compare_exchange_weak(start, end, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(start..end),
            Err(current) => start = current,
        }
    }
}

/// Makes every later [`claim`] on `counter` return `None`: used when a body panicked.
#[inline]
pub(crate) fn stop(counter: &AtomicUsize) {
    // Relaxed: only stops the hand-out early; a claim that misses it just runs one more chunk.
    counter.store(usize::MAX, Ordering::Relaxed);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn static_blocks_cover_and_balance() {
        for len in [0, 1, 5, 7, 100, usize::MAX] {
            for parts in 1..=9 {
                let blocks: Vec<_> = (0..parts).map(|p| static_block(len, parts, p)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[parts - 1].end, len);
                for pair in blocks.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                    assert!(pair[0].len() - pair[1].len() <= 1);
                }
            }
        }
    }

    #[test]
    fn round_robin_near_max_does_not_overflow() {
        let chunks: Vec<_> = round_robin(usize::MAX, usize::MAX / 2, 3, 1).collect();
        assert_eq!(chunks, vec![usize::MAX / 2..usize::MAX - 1]);
        let last: Vec<_> = round_robin(usize::MAX, usize::MAX / 2, 3, 2).collect();
        assert_eq!(last, vec![usize::MAX - 1..usize::MAX]);
    }

    #[test]
    fn guided_sizes_shrink_but_not_below_min() {
        assert_eq!(guided_size(1000, 2, 1), 250);
        assert_eq!(guided_size(10, 2, 4), 4);
        assert_eq!(guided_size(3, 2, 4), 3);
        assert_eq!(guided_size(usize::MAX, usize::MAX, 1), 1);
    }

    #[test]
    fn round_robin_ragged_lengths() {
        let chunks = |len, chunk, parts, part| -> Vec<Range<usize>> {
            round_robin(len, chunk, parts, part).collect()
        };
        // The last chunk is shorter than the chunk size; none starts at `len`.
        assert_eq!(chunks(7, 3, 2, 0), vec![0..3, 6..7]);
        assert_eq!(chunks(7, 3, 2, 1), vec![3..6]);
        assert_eq!(chunks(6, 3, 2, 0), vec![0..3]);
        // Fewer indices than parts: the parts past the end get nothing.
        assert_eq!(chunks(6, 2, 4, 3), vec![]);
        assert_eq!(chunks(1, 4, 3, 0), vec![0..1]);
        assert_eq!(chunks(1, 4, 3, 1), vec![]);
    }

    /// Claims `0..len` in chunks of `size` by `threads` interleaved claimers; every index once.
    fn claim_interleaved(len: usize, threads: usize, size: impl Fn(usize) -> usize) {
        let counter = AtomicUsize::new(0);
        let mut runs = vec![0; len];
        let mut active = threads;
        while active > 0 {
            active = 0;
            for _ in 0..threads {
                if let Some(chunk) = claim(&counter, len, &size) {
                    assert!(!chunk.is_empty() && chunk.end <= len, "{chunk:?} of {len}");
                    chunk.for_each(|i| runs[i] += 1);
                    active += 1;
                }
            }
        }
        assert!(runs.iter().all(|&r| r == 1), "len {len}: {runs:?}");
    }

    #[test]
    fn claims_cover_ragged_lengths_once() {
        for len in [0, 1, 2, 3, 5, 7, 10, 33] {
            for threads in [1, 2, 3, 8] {
                // Chunks larger than what is left, lengths they do not divide, len < threads.
                for chunk in [1, 2, 3, 4, 16] {
                    claim_interleaved(len, threads, |_| chunk);
                }
                claim_interleaved(len, threads, |left| guided_size(left, threads, 2));
            }
        }
    }

    #[test]
    fn claims_stop_at_len_and_after_stop() {
        let counter = AtomicUsize::new(usize::MAX - 3);
        assert_eq!(
            claim(&counter, usize::MAX, |_| 2),
            Some(usize::MAX - 3..usize::MAX - 1)
        );
        assert_eq!(
            claim(&counter, usize::MAX, |_| 5),
            Some(usize::MAX - 1..usize::MAX)
        );
        assert_eq!(claim(&counter, usize::MAX, |_| 1), None);
        let counter = AtomicUsize::new(0);
        stop(&counter);
        assert_eq!(claim(&counter, 10, |_| 1), None);
    }
}
