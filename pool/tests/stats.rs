//! Per-region statistics: what is counted, when, and that nothing is counted when off.

mod common;

use common::stats_pool;
use std::time::Duration;
use workshare_pool::{Pool, ThreadStats};

#[test]
fn off_by_default_and_nothing_recorded() {
    let pool = Pool::new(3).unwrap();
    pool.region(|team| {
        assert!(!team.collecting_stats());
        team.record_work(5, 50, 1);
    });
    assert!(pool
        .stats()
        .threads()
        .iter()
        .all(|t| *t == ThreadStats::default()));
    assert!(pool.last_region_stats().threads().is_empty());
    assert_eq!(pool.stats().imbalance(), None);
}

#[test]
fn every_thread_counts_each_region_once() {
    let pool = stats_pool(4);
    for _ in 0..10 {
        pool.region(|team| team.record_work(1, team.thread_id() as u64, 0));
    }
    let stats = pool.stats();
    assert_eq!(stats.threads().len(), 4);
    for (index, t) in stats.threads().iter().enumerate() {
        assert_eq!(t.regions, 10, "thread {index}");
        assert_eq!(t.chunks, 10);
        assert_eq!(t.iterations, 10 * index as u64);
    }
    let last = pool.last_region_stats();
    for (index, t) in last.threads().iter().enumerate() {
        assert_eq!((t.regions, t.iterations), (1, index as u64));
    }
}

#[test]
fn last_region_covers_its_team_only() {
    let pool = stats_pool(4);
    pool.region(|team| team.record_work(1, 1, 0));
    pool.set_num_threads(2).unwrap();
    pool.region(|team| team.record_work(2, 2, 0));
    let last = pool.last_region_stats();
    assert_eq!(last.threads().len(), 2);
    assert_eq!(last.total().iterations, 4);
    // The totals keep the first region's figures of threads 2 and 3.
    let total = pool.stats();
    assert_eq!(total.threads()[3].iterations, 1);
    assert_eq!(total.threads()[0].iterations, 3);
}

#[test]
fn toggling_and_reset() {
    let pool = Pool::new(2).unwrap();
    pool.region(|team| team.record_work(1, 1, 0));
    pool.set_collect_stats(true);
    pool.region(|team| team.record_work(1, 1, 0));
    pool.set_collect_stats(false);
    pool.region(|team| team.record_work(1, 1, 0));
    assert_eq!(pool.stats().total().iterations, 2);
    assert_eq!(pool.stats().total().regions, 2);
    pool.reset_stats();
    assert_eq!(pool.stats().total(), ThreadStats::default());
    assert!(pool.last_region_stats().threads().is_empty());
}

#[test]
fn busy_time_and_imbalance() {
    let pool = stats_pool(2);
    pool.region(|team| {
        if team.thread_id() == 1 {
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let last = pool.last_region_stats();
    assert!(last.threads()[1].busy >= Duration::from_millis(50));
    // Thread 0's share is empty: the imbalance is close to 2, the most two threads can have.
    let imbalance = last.imbalance().unwrap();
    assert!(imbalance > 1.5 && imbalance <= 2.0, "imbalance {imbalance}");
    let table = last.to_string();
    assert!(
        table.contains("imbalance (max busy / mean busy)"),
        "{table}"
    );
}

#[test]
fn a_team_of_one_counts_as_thread_zero_and_nested_regions_count_as_their_own() {
    let pool = stats_pool(2);
    pool.set_num_threads(1).unwrap();
    pool.region(|team| team.record_work(1, 3, 0));
    assert_eq!(pool.last_region_stats().threads().len(), 1);
    assert_eq!(pool.last_region_stats().total().iterations, 3);
    pool.set_num_threads(2).unwrap();
    pool.reset_stats();
    pool.region(|team| {
        team.record_work(1, 1, 0);
        // The worker is in the outer team: each nested region is a team of one, counted.
        pool.region(|inner| {
            assert!(inner.collecting_stats());
            assert_eq!(inner.team_size(), 1);
            inner.record_work(1, 1000, 0);
        });
    });
    // The calling thread's last region is the outer one, with its own figures only.
    let last = pool.last_region_stats();
    assert_eq!(last.threads().len(), 2);
    assert_eq!(last.total().iterations, 2);
    assert_eq!(last.total().regions, 2);
    // The totals count every region once: the outer one (two threads), the two nested ones.
    let totals = pool.stats();
    assert_eq!(totals.total().regions, 4);
    assert_eq!(totals.total().iterations, 2 + 2000);
    assert_eq!(totals.threads()[0].regions, 3);
    assert_eq!(totals.threads()[1].regions, 1);
}

#[test]
fn concurrent_callers_each_see_their_own_last_region() {
    let pool = std::sync::Arc::new(stats_pool(3));
    let callers: Vec<_> = (1..=4u64)
        .map(|me| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    let size = std::sync::atomic::AtomicUsize::new(0);
                    pool.region(|team| {
                        team.record_work(1, me, 0);
                        if team.thread_id() == 0 {
                            size.store(team.team_size(), std::sync::atomic::Ordering::Relaxed);
                        }
                    });
                    let size = size.into_inner();
                    let last = pool.last_region_stats();
                    // Exactly this thread's region: its team, its figures, nobody else's.
                    assert_eq!(last.threads().len(), size);
                    assert_eq!(last.total().iterations, me * size as u64);
                    assert_eq!(last.total().regions, size as u64);
                }
            })
        })
        .collect();
    for caller in callers {
        caller.join().unwrap();
    }
    // Another thread started no region: it has no last region.
    assert!(pool.last_region_stats().threads().is_empty());
    let totals = pool.stats().total();
    assert_eq!(totals.chunks, totals.regions);
}

#[test]
fn a_panicking_region_is_still_counted() {
    let pool = stats_pool(2);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.region(|team| {
            team.record_work(1, 1, 0);
            if team.thread_id() == 1 {
                panic!("injected");
            }
        })
    }));
    assert!(result.is_err());
    let last = pool.last_region_stats();
    assert_eq!(last.total().regions, 2);
    assert_eq!(last.total().iterations, 2);
}
