//! `Schedule::Stealing` (atomic range splitting) against a crossbeam-deque work-stealing loop, on
//! W5: iteration `i` runs `i` cheap integer hash steps, n = 20,000, 2 threads.
//!
//! Run with `cargo bench -p workshare-bench --bench stealing`. Prints the median of 15 runs (after
//! 3 warm-up runs) of each variant, interleaved so that both see the same machine load.

use crossbeam_deque::{Steal, Stealer, Worker};
use std::ops::Range;
use std::sync::Mutex;
use std::time::Instant;
use workshare_parfor::{for_each_chunk, Pool, Schedule};

/// W5's iteration `i`: `i` cheap integer hash steps.
fn imbalanced(i: usize) -> u64 {
    let mut h = i as u64;
    for _ in 0..i {
        h = (h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
    h
}

/// A deque-based `Stealing`: each thread's static block is cut into chunks of `len / (64 *
/// threads)` indices and pushed on its own FIFO deque; a thread pops its own chunks, then steals
/// from the others' deques (batch and pop) until all are empty.
fn deque_for_each_chunk(pool: &Pool, len: usize, body: &(dyn Fn(Range<usize>) + Sync)) {
    let threads = pool.num_threads();
    let chunk = (len / (64 * threads)).max(1);
    let workers: Vec<Worker<Range<usize>>> = (0..threads).map(|_| Worker::new_fifo()).collect();
    for (t, worker) in workers.iter().enumerate() {
        let block = (len * t / threads)..(len * (t + 1) / threads);
        for start in block.clone().step_by(chunk) {
            worker.push(start..(start + chunk).min(block.end));
        }
    }
    let stealers: Vec<Stealer<Range<usize>>> = workers.iter().map(Worker::stealer).collect();
    let workers: Vec<Mutex<Option<Worker<Range<usize>>>>> =
        workers.into_iter().map(|w| Mutex::new(Some(w))).collect();
    // At most `threads` (the setting could change between the two reads); a smaller team (other
    // callers holding workers) leaves some deques ownerless, and its threads steal them empty.
    pool.region_at_most(threads, |team| {
        let me = team.thread_id();
        let Some(local) = workers[me].lock().unwrap().take() else {
            return;
        };
        loop {
            if let Some(range) = local.pop() {
                body(range);
                continue;
            }
            let stolen = (0..threads).filter(|&t| t != me).find_map(|t| loop {
                match stealers[t].steal_batch_and_pop(&local) {
                    Steal::Success(range) => break Some(range),
                    Steal::Empty => break None,
                    Steal::Retry => continue,
                }
            });
            match stolen {
                Some(range) => body(range),
                None => break,
            }
        }
    });
}

fn median_ms(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let pool = Pool::new(2).expect("pool");
    let n = 20_000;
    let expected: u64 = (0..n).map(imbalanced).fold(0, u64::wrapping_add);
    let total = std::sync::atomic::AtomicU64::new(0);
    let body = |range: Range<usize>| {
        let part = range.map(imbalanced).fold(0, u64::wrapping_add);
        total.fetch_add(part, std::sync::atomic::Ordering::Relaxed);
    };
    let run = |variant: usize| {
        total.store(0, std::sync::atomic::Ordering::Relaxed);
        let started = Instant::now();
        match variant {
            0 => (0..n).for_each(|i| body(i..i + 1)),
            1 => for_each_chunk(&pool, 0..n, Schedule::Stealing, |range, _| body(range)),
            _ => deque_for_each_chunk(&pool, n, &body),
        }
        let ms = started.elapsed().as_secs_f64() * 1e3;
        assert_eq!(total.load(std::sync::atomic::Ordering::Relaxed), expected);
        ms
    };
    let mut times = vec![Vec::new(), Vec::new(), Vec::new()];
    for round in 0..18 {
        for (variant, samples) in times.iter_mut().enumerate() {
            let ms = run(variant);
            if round >= 3 {
                samples.push(ms);
            }
        }
    }
    let names = ["serial", "atomic range splitting", "crossbeam-deque"];
    for (name, samples) in names.iter().zip(times) {
        println!("W5 n={n} {name:<24} {:8.1} ms", median_ms(samples));
    }
    // The fork-join overhead of each: an empty loop of one index per thread.
    let empty = |variant: usize| {
        let started = Instant::now();
        for _ in 0..1000 {
            match variant {
                1 => for_each_chunk(&pool, 0..2, Schedule::Stealing, |_, _| {}),
                _ => deque_for_each_chunk(&pool, 2, &|_| {}),
            }
        }
        started.elapsed().as_secs_f64() * 1e6 / 1000.0
    };
    let mut overhead = vec![Vec::new(), Vec::new()];
    for _ in 0..15 {
        overhead[0].push(empty(1));
        overhead[1].push(empty(2));
    }
    for (name, samples) in names[1..].iter().zip(overhead) {
        println!("empty loop {name:<24} {:8.2} us", median_ms(samples));
    }
}
