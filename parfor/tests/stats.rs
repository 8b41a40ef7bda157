//! The loops report their chunks, iterations and steals to the pool's statistics.

mod common;

use common::stats_pool;
use workshare_parfor::{for_each_chunk, team_for_each_chunk, Pool, Schedule};

#[test]
fn static_runs_one_block_per_thread() {
    let pool = stats_pool(3);
    for_each_chunk(&pool, 0..1000, Schedule::Static, |_, _| {});
    let last = pool.last_region_stats();
    let per_thread: Vec<_> = last
        .threads()
        .iter()
        .map(|t| (t.chunks, t.iterations))
        .collect();
    assert_eq!(per_thread, [(1, 334), (1, 333), (1, 333)]);
    assert_eq!(last.total().steals, 0);
}

#[test]
fn dynamic_chunks_add_up() {
    let pool = stats_pool(2);
    for_each_chunk(&pool, 0..1000, Schedule::Dynamic(64), |_, _| {});
    let total = pool.last_region_stats().total();
    assert_eq!(total.chunks, 1000usize.div_ceil(64) as u64);
    assert_eq!(total.iterations, 1000);
}

#[test]
fn every_schedule_reports_every_iteration() {
    let pool = stats_pool(4);
    for schedule in [
        Schedule::Static,
        Schedule::StaticChunk(7),
        Schedule::Dynamic(5),
        Schedule::Guided(3),
        Schedule::Stealing,
    ] {
        pool.reset_stats();
        for_each_chunk(&pool, 10..5010, schedule, |_, _| {});
        let total = pool.last_region_stats().total();
        assert_eq!(total.iterations, 5000, "{schedule:?}");
        assert!(total.chunks >= 4, "{schedule:?}");
        assert_eq!(total.regions, 4, "{schedule:?}");
    }
}

#[test]
fn a_thread_that_runs_dry_steals() {
    let pool = stats_pool(2);
    // Thread 0's static half is all the work: thread 1 finishes its half at once and steals.
    for_each_chunk(&pool, 0..2000, Schedule::Stealing, |chunk, _| {
        if chunk.start < 1000 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
    let last = pool.last_region_stats();
    assert_eq!(last.total().iterations, 2000);
    assert!(last.threads()[1].steals >= 1, "{last}");
    assert!(last.threads()[1].iterations > 1000, "{last}");
}

#[test]
fn worksharing_loops_inside_a_region_are_counted() {
    let pool = stats_pool(2);
    pool.region(|team| {
        team_for_each_chunk(team, 0..100, Schedule::Static, |_, _| {});
        team_for_each_chunk(team, 0..50, Schedule::Dynamic(10), |_, _| {});
    });
    let last = pool.last_region_stats();
    assert_eq!(last.total().iterations, 150);
    assert_eq!(last.total().chunks, 2 + 5);
    assert!(last.threads().iter().all(|t| t.regions == 1));
}

#[test]
fn nothing_counted_when_off() {
    let pool = Pool::new(2).unwrap();
    for_each_chunk(&pool, 0..1000, Schedule::Stealing, |_, _| {});
    assert_eq!(pool.stats().total().iterations, 0);
}
