//! The deprecated names still work until their removal in 0.2: `par_for`, `par_for_chunk`,
//! `par_map_into`, the trait `ParFor`, and `num_threads` for a team's size.
#![allow(deprecated)]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use workshare::parfor::{self, ParFor, Schedule};
use workshare::Pool;

#[test]
fn the_former_loop_names_run_every_index_once_on_the_current_pool() {
    // A nesting limit no other pool has here: how a body recognises the pool.
    let pool = Pool::builder()
        .num_threads(3)
        .max_active_levels(77)
        .build()
        .unwrap();
    let n = 1000;
    let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
    let once = |hits: &[AtomicUsize]| hits.iter().all(|h| h.swap(0, Relaxed) == 1);
    let strangers = AtomicUsize::new(0);
    let note = || {
        if workshare::with_current_pool(|current| current.max_active_levels()) != 77 {
            strangers.fetch_add(1, Relaxed);
        }
    };

    pool.install(|| {
        parfor::par_for(0..n, |i| {
            note();
            hits[i].fetch_add(1, Relaxed);
        })
    });
    assert!(once(&hits), "par_for");
    pool.install(|| {
        parfor::par_for_chunk(0..n, |chunk, ctx| {
            note();
            assert!(ctx.thread_id() < ctx.num_threads());
            assert_eq!(ctx.num_threads(), ctx.team_size());
            chunk.for_each(|i| {
                hits[i].fetch_add(1, Relaxed);
            });
        })
    });
    assert!(once(&hits), "par_for_chunk");
    let input: Vec<usize> = (0..n).collect();
    let mut out = vec![0; n];
    pool.install(|| {
        parfor::par_map_into(&mut out, &input[..], |o, &x| {
            note();
            *o = x + 1;
        })
    });
    assert!(
        out.iter().enumerate().all(|(i, &o)| o == i + 1),
        "par_map_into"
    );
    assert_eq!(strangers.into_inner(), 0, "a body off the installed pool");

    pool.par_for(0..n, |i| {
        hits[i].fetch_add(1, Relaxed);
    });
    assert!(once(&hits), "ParFor::par_for");
    pool.par_for_chunk(0..n, |chunk, _ctx| {
        chunk.for_each(|i| {
            hits[i].fetch_add(1, Relaxed);
        });
    });
    assert!(once(&hits), "ParFor::par_for_chunk");

    // The new names give the same.
    let mut again = vec![0; n];
    pool.install(|| {
        parfor::global::map_into(&mut again, &input[..], Schedule::Auto, |o, &x| *o = x + 1)
    });
    assert_eq!(again, out);
}

#[test]
fn a_teams_num_threads_is_its_size() {
    let pool = Pool::new(2).unwrap();
    pool.set_num_threads(1).unwrap();
    pool.region(|team| {
        assert_eq!(team.num_threads(), team.team_size());
        assert_eq!(team.num_threads(), 1);
        assert_eq!(team.workshare().team().num_threads(), 1);
    });
    pool.set_num_threads(2).unwrap();
    pool.region(|team| assert_eq!(team.num_threads(), team.team_size()));
}
