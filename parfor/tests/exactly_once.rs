//! Every index runs exactly once, for every schedule, team size and loop size.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering};
use workshare_parfor::{
    for_each, for_each_2d, for_each_chunk, for_each_mut_chunk, map_into, team_for_each_chunk, Pool,
    Schedule,
};

#[path = "common/rng.rs"]
mod rng;

/// The tests' deterministic generator, so that failures reproduce.
struct SplitMix(rng::SplitMix64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }
}

fn schedules(rng: &mut SplitMix) -> Vec<Schedule> {
    let mut chunk = || 1 + rng.below(20);
    vec![
        Schedule::Auto,
        Schedule::Static,
        Schedule::StaticChunk(chunk()),
        Schedule::StaticChunk(1),
        Schedule::Dynamic(chunk()),
        Schedule::Dynamic(1),
        Schedule::Guided(chunk()),
        Schedule::Guided(1),
        Schedule::Stealing,
    ]
}

fn counts(n: usize) -> Vec<AtomicUsize> {
    (0..n).map(|_| AtomicUsize::new(0)).collect()
}

fn assert_once(counts: &[AtomicUsize], what: &str) {
    for (i, c) in counts.iter().enumerate() {
        assert_eq!(c.load(Ordering::Relaxed), 1, "index {i}: {what}");
    }
}

fn sizes(rng: &mut SplitMix, threads: usize) -> Vec<usize> {
    vec![
        0,
        1,
        threads - 1,
        threads + 1,
        rng.below(50),
        rng.below(2000),
    ]
}

#[test]
fn chunks_cover_every_index_once() {
    let mut rng = SplitMix(rng::SplitMix64::new(1));
    for threads in 1..=8 {
        let pool = Pool::new(threads).unwrap();
        for n in sizes(&mut rng, threads) {
            for schedule in schedules(&mut rng) {
                let hits = counts(n);
                let base = rng.below(1000);
                for_each_chunk(&pool, base..base + n, schedule, |chunk, ctx| {
                    assert!(ctx.thread_id() < threads && ctx.team_size() <= threads);
                    chunk.for_each(|i| _ = hits[i - base].fetch_add(1, Ordering::Relaxed));
                });
                assert_once(&hits, &format!("{schedule:?}, {threads} threads, n = {n}"));
            }
        }
    }
}

#[test]
fn same_thread_id_never_runs_concurrently() {
    let pool = Pool::new(4).unwrap();
    let busy: Vec<AtomicUsize> = counts(4);
    for schedule in schedules(&mut SplitMix(rng::SplitMix64::new(2))) {
        for_each_chunk(&pool, 0..500, schedule, |_, ctx| {
            assert_eq!(busy[ctx.thread_id()].fetch_add(1, Ordering::Relaxed), 0);
            std::hint::black_box((0..50).sum::<usize>());
            busy[ctx.thread_id()].fetch_sub(1, Ordering::Relaxed);
        });
    }
}

#[test]
fn indices_slices_and_grids_cover_once() {
    let mut rng = SplitMix(rng::SplitMix64::new(3));
    for threads in [1, 2, 3, 8] {
        let pool = Pool::new(threads).unwrap();
        for n in sizes(&mut rng, threads) {
            for schedule in schedules(&mut rng) {
                let what = format!("{schedule:?}, {threads} threads, n = {n}");
                let hits = counts(n);
                for_each(&pool, 0..n, schedule, |i| {
                    _ = hits[i].fetch_add(1, Ordering::Relaxed)
                });
                assert_once(&hits, &what);
                let mut out = vec![0usize; n];
                for_each_mut_chunk(&pool, &mut out, schedule, |chunk, offset, _| {
                    chunk
                        .iter_mut()
                        .enumerate()
                        .for_each(|(k, o)| *o += offset + k + 1);
                });
                assert!(out.iter().enumerate().all(|(i, &o)| o == i + 1), "{what}");
                let input: Vec<usize> = (0..n).collect();
                map_into(&pool, &mut out, &input[..], schedule, |o, &x| *o = 2 * x);
                assert!(out.iter().enumerate().all(|(i, &o)| o == 2 * i), "{what}");
                let cols = 1 + rng.below(5);
                let cells = counts(n * cols);
                for_each_2d(&pool, n, cols, schedule, |r, c| {
                    cells[r * cols + c].fetch_add(1, Ordering::Relaxed);
                });
                assert_once(&cells, &what);
            }
        }
    }
}

#[test]
fn team_loops_cover_once() {
    let mut rng = SplitMix(rng::SplitMix64::new(4));
    for threads in 1..=8 {
        let pool = Pool::new(threads).unwrap();
        for n in sizes(&mut rng, threads) {
            for schedule in schedules(&mut rng) {
                let hits = counts(n);
                pool.region(|team| {
                    team_for_each_chunk(team, 0..n, schedule, |chunk, _| {
                        chunk.for_each(|i| _ = hits[i].fetch_add(1, Ordering::Relaxed));
                    });
                });
                assert_once(&hits, &format!("{schedule:?}, {threads} threads, n = {n}"));
            }
        }
    }
}
