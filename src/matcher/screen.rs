//! The anchor search's screen on x86-64 with AVX2: Teddy's nybble screen (slim, eight buckets,
//! the first four bytes of each window), run inline in the anchor pass.
//!
//! aho-corasick's packed searcher screens the same way, but each search it is asked for starts
//! over: a call through its dispatch, checks of the span, fresh masks, the block around the
//! last match screened again. The anchor pass asks for the next window after every window found
//! (about 36,000 per 10 MB of the benchmark's JSON-heavy mix), and those restarts were about a
//! sixth of the pass. Here a search starts at any offset with no setup: each of a window's
//! first four bytes is loaded where it sits, so nothing carries over from the step before.
//! (Carrying the step before's sets over, as aho-corasick does, screened with fewer loads but
//! cost more in all: a search's first step then needs the bytes before it screened too.)
//!
//! The windows go to buckets as aho-corasick's builder puts them (longest first, a low-nybble
//! prefix's first window to bucket `7 - id % 8`), so that the search plan's bucket choices
//! (`patterns/anchor-plan.tsv`) hold for both.

use std::arch::x86_64::{
    __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
    _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_srli_epi16,
    _mm256_storeu_si256,
};

use super::anchors::is_at;

/// Bytes of a window the screen compares (the shortest window must be this long).
const MASK: usize = 4;
/// Buckets of the slim screen: one bit each in a byte.
const BUCKETS: usize = 8;
/// Bytes screened per step.
const STEP: usize = 32;

/// A screen of windows of four bytes or more, for a CPU with AVX2.
#[derive(Debug)]
pub(super) struct Screen {
    /// Per mask position: for each low nybble, the buckets holding a window whose byte there
    /// has that low nybble; the 16 entries twice, once per 128-bit lane of the shuffle.
    lo: [[u8; STEP]; MASK],
    /// The same for high nybbles.
    hi: [[u8; STEP]; MASK],
    /// Per bucket: its windows (by index), longest first.
    buckets: [Vec<(usize, Box<[u8]>)>; BUCKETS],
}

impl Screen {
    /// A screen of `windows`, or `None` when one is shorter than four bytes or this CPU lacks
    /// AVX2 (the caller then searches with aho-corasick).
    pub(super) fn new(windows: &[&[u8]]) -> Option<Screen> {
        if !std::arch::is_x86_feature_detected!("avx2")
            || windows.is_empty()
            || windows.iter().any(|w| w.len() < MASK)
        {
            return None;
        }
        let mut screen = Screen {
            lo: [[0; STEP]; MASK],
            hi: [[0; STEP]; MASK],
            buckets: Default::default(),
        };
        // aho-corasick's assignment: windows longest first (a stable sort), each low-nybble
        // prefix in one bucket, the first window of a prefix to bucket `7 - id % 8`.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(windows[i].len()));
        let mut bucket_of: Vec<([u8; MASK], usize)> = Vec::new();
        for i in order {
            let w = windows[i];
            let key: [u8; MASK] = std::array::from_fn(|k| w[k] & 15);
            let bucket = match bucket_of.iter().find(|(k, _)| *k == key) {
                Some(&(_, b)) => b,
                None => {
                    let b = BUCKETS - 1 - i % BUCKETS;
                    bucket_of.push((key, b));
                    b
                }
            };
            screen.buckets[bucket].push((i, w.into()));
            for (k, &byte) in w[..MASK].iter().enumerate() {
                for lane in [0, 16] {
                    screen.lo[k][lane + usize::from(byte & 15)] |= 1 << bucket;
                    screen.hi[k][lane + usize::from(byte >> 4)] |= 1 << bucket;
                }
            }
        }
        Some(screen)
    }

    /// The first place at or after `from` where a window starts, and the window (the longest
    /// one there).
    #[inline]
    pub(super) fn find(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        // SAFETY: a `Screen` exists only where AVX2 was detected (`Screen::new`).
        unsafe { self.find_avx2(hay, from) }
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        let mut at = from;
        // A step reads the `STEP + MASK - 1` bytes from `at`: the windows that may start at
        // `at..at + STEP`, through their fourth byte.
        while at + STEP + MASK - 1 <= hay.len() {
            // SAFETY: the bytes read, `at..at + STEP + MASK - 1`, are inside `hay` (the loop's
            // condition); AVX2 is this function's target feature.
            let found = unsafe { self.candidates(hay.as_ptr().add(at)) };
            if let Some((places, buckets)) = found {
                let mut places = places;
                while places != 0 {
                    let i = places.trailing_zeros() as usize;
                    places &= places - 1;
                    if let Some(window) = self.verify(hay, at + i, buckets[i]) {
                        return Some((at + i, window));
                    }
                }
            }
            at += STEP;
        }
        // The last places, fewer than a step: the same screen a byte at a time.
        while at + MASK <= hay.len() {
            let mut buckets = 0xff;
            for k in 0..MASK {
                let byte = usize::from(hay[at + k]);
                buckets &= self.lo[k][byte & 15] & self.hi[k][byte >> 4];
            }
            if buckets != 0 {
                if let Some(window) = self.verify(hay, at, buckets) {
                    return Some((at, window));
                }
            }
            at += 1;
        }
        None
    }

    /// The places among the `STEP` starting at `ptr` that pass the screen (a bit each) and
    /// their buckets, or `None` when none does. Each of a window's first four bytes is read
    /// where it sits (four unaligned loads), so a search needs nothing from before `ptr`.
    ///
    /// # Safety
    /// `STEP + MASK - 1` bytes from `ptr` must be readable; the CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn candidates(&self, ptr: *const u8) -> Option<(u32, [u8; STEP])> {
        let nybble = _mm256_set1_epi8(0x0f);
        let mut all = _mm256_set1_epi8(-1);
        for k in 0..MASK {
            // SAFETY: `ptr + k .. ptr + k + STEP` is inside the readable bytes (the caller's
            // promise); the tables are `STEP` bytes each; unaligned loads.
            unsafe {
                let bytes = _mm256_loadu_si256(ptr.add(k).cast::<__m256i>());
                let lo = _mm256_and_si256(bytes, nybble);
                let hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nybble);
                let lo_table = _mm256_loadu_si256(self.lo[k].as_ptr().cast::<__m256i>());
                let hi_table = _mm256_loadu_si256(self.hi[k].as_ptr().cast::<__m256i>());
                let passed = _mm256_and_si256(
                    _mm256_shuffle_epi8(lo_table, lo),
                    _mm256_shuffle_epi8(hi_table, hi),
                );
                all = _mm256_and_si256(all, passed);
            }
        }
        let empty = _mm256_cmpeq_epi8(all, _mm256_setzero_si256());
        // One bit per byte that is not zero: `movemask` gives the zero ones.
        let places = !(_mm256_movemask_epi8(empty) as u32);
        if places == 0 {
            return None;
        }
        let mut buckets = [0u8; STEP];
        // SAFETY: `buckets` is `STEP` (32) bytes; an unaligned store.
        unsafe { _mm256_storeu_si256(buckets.as_mut_ptr().cast::<__m256i>(), all) };
        Some((places, buckets))
    }

    /// The window (the longest) of these buckets that starts at `at`, if any. Windows that
    /// start alike share their first four bytes, so they share a bucket, longest first.
    #[inline]
    fn verify(&self, hay: &[u8], at: usize, buckets: u8) -> Option<usize> {
        let mut buckets = buckets;
        while buckets != 0 {
            let b = buckets.trailing_zeros() as usize;
            buckets &= buckets - 1;
            for (window, bytes) in &self.buckets[b] {
                if is_at(hay, at, bytes) {
                    return Some(*window);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Screen;

    /// Every place a window starts, by brute force, with the longest window there.
    fn truth(windows: &[&[u8]], hay: &[u8]) -> Vec<(usize, usize)> {
        (0..hay.len())
            .filter_map(|at| {
                let here = (0..windows.len()).filter(|&w| hay[at..].starts_with(windows[w]));
                here.max_by_key(|&w| (windows[w].len(), std::cmp::Reverse(w)))
                    .map(|w| (at, w))
            })
            .collect()
    }

    #[test]
    fn every_window_is_found_up_to_the_last_byte_of_any_haystack() {
        let windows: [&[u8]; 5] = [b"okta", b"idaas", b"/oauth2/", b"okta.com", b"\"requestid"];
        let Some(screen) = Screen::new(&windows) else {
            // Without AVX2 the screen is never made (the packed searcher serves).
            assert!(!std::arch::is_x86_feature_detected!("avx2"));
            return;
        };
        // Haystacks of every length around a step, windows at every offset and cut short at
        // the end, over a filler that shares their bytes' nybbles.
        let filler = b"kotaadi/2hou.mcq\"OKTA";
        let mut state = 7u64;
        for len in 0..120 {
            for _ in 0..20 {
                let mut hay = Vec::with_capacity(len);
                while hay.len() < len {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let pick = (state >> 33) as usize;
                    if pick % 4 == 0 {
                        hay.extend_from_slice(windows[pick / 4 % windows.len()]);
                    } else {
                        hay.push(filler[pick % filler.len()]);
                    }
                }
                hay.truncate(len);
                let mut found = Vec::new();
                let mut from = 0;
                while let Some((at, w)) = screen.find(&hay, from) {
                    found.push((at, w));
                    from = at + 1;
                }
                assert_eq!(
                    found,
                    truth(&windows, &hay),
                    "{:?}",
                    String::from_utf8_lossy(&hay)
                );
            }
        }
    }
}
