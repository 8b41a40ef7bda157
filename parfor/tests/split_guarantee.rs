//! The split guarantee: two loops over ranges of the same length with the same `Static` or
//! `StaticChunk` schedule and team size give every team thread id the same indices, whichever
//! loop kind runs them (see the guide to schedules, "How loops split a range").

use std::sync::Mutex;
use workshare_parfor::{
    for_each_chunk, for_each_mut_chunk, for_each_mut_chunk_reduce, for_each_tile_mut, Pool,
    Schedule,
};

/// Which team thread id ran each index (and the team size), through `for_each_chunk`.
fn owners_by_range(pool: &Pool, len: usize, schedule: Schedule) -> Vec<(usize, usize)> {
    let owners = Mutex::new(vec![(usize::MAX, 0); len]);
    for_each_chunk(pool, 0..len, schedule, |chunk, ctx| {
        let mut owners = owners.lock().unwrap();
        for i in chunk {
            assert_eq!(owners[i].0, usize::MAX, "index {i} ran twice");
            owners[i] = (ctx.thread_id(), ctx.team_size());
        }
    });
    owners.into_inner().unwrap()
}

/// The same, through `for_each_mut_chunk` writing the owner into the output.
fn owners_by_slice(pool: &Pool, len: usize, schedule: Schedule) -> Vec<(usize, usize)> {
    let mut owners = vec![(usize::MAX, 0); len];
    for_each_mut_chunk(pool, &mut owners, schedule, |chunk, _, ctx| {
        chunk.fill((ctx.thread_id(), ctx.team_size()));
    });
    owners
}

/// The same, through `for_each_mut_chunk_reduce` (which also counts the indices).
fn owners_by_reduce(pool: &Pool, len: usize, schedule: Schedule) -> Vec<(usize, usize)> {
    let mut owners = vec![(usize::MAX, 0); len];
    let count = for_each_mut_chunk_reduce(
        pool,
        &mut owners,
        schedule,
        || 0,
        |chunk, _, ctx| {
            chunk.fill((ctx.thread_id(), ctx.team_size()));
            chunk.len()
        },
        |a, b| a + b,
    );
    assert_eq!(count, len);
    owners
}

/// Tiles of one row: the tile index space is `0..len`, like the ranges above.
fn owners_by_tiles(pool: &Pool, len: usize, schedule: Schedule) -> Vec<(usize, usize)> {
    let mut owners = vec![(usize::MAX, 0); len];
    let cols = len.max(1);
    let mut grid = if len == 0 {
        Vec::new()
    } else {
        vec![(usize::MAX, 0); cols]
    };
    for_each_tile_mut(pool, &mut grid, cols, (1, 1), schedule, |mut tile, ctx| {
        tile.row_mut(0)[0] = (ctx.thread_id(), ctx.team_size());
    });
    owners.copy_from_slice(&grid[..len]);
    owners
}

#[test]
fn static_schedules_split_the_same_way_in_every_loop() {
    let schedules = [
        Schedule::Static,
        Schedule::StaticChunk(1),
        Schedule::StaticChunk(3),
        Schedule::StaticChunk(64),
    ];
    for threads in 1..=8 {
        let pool = Pool::new(threads).unwrap();
        for len in [0, 1, 2, 7, 8, 9, 100, 1001] {
            for schedule in schedules {
                let first = owners_by_range(&pool, len, schedule);
                // Every index ran, on a team of the pool's full size (nothing else uses it).
                assert!(first.iter().all(|&(t, n)| n == threads && t < n));
                for other in [
                    owners_by_range(&pool, len, schedule),
                    owners_by_slice(&pool, len, schedule),
                    owners_by_reduce(&pool, len, schedule),
                    owners_by_tiles(&pool, len, schedule),
                ] {
                    assert_eq!(other, first, "{threads} threads, len {len}, {schedule:?}");
                }
            }
        }
    }
}

#[test]
fn the_split_is_the_documented_one() {
    let pool = Pool::new(3).unwrap();
    // Static: blocks of 4, 3, 3.
    let ids: Vec<usize> = owners_by_range(&pool, 10, Schedule::Static)
        .iter()
        .map(|o| o.0)
        .collect();
    assert_eq!(ids, [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // StaticChunk(2): chunks dealt round robin.
    let ids: Vec<usize> = owners_by_range(&pool, 10, Schedule::StaticChunk(2))
        .iter()
        .map(|o| o.0)
        .collect();
    assert_eq!(ids, [0, 0, 1, 1, 2, 2, 0, 0, 1, 1]);
}
