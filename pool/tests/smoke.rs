use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use workshare_pool::Pool;

#[test]
fn smoke() {
    let pool = Pool::new(2).unwrap();
    let c = AtomicUsize::new(0);
    for _ in 0..100_000 {
        pool.region(|_| {
            c.fetch_add(1, Ordering::Relaxed);
        });
    }
    assert_eq!(c.load(Ordering::Relaxed), 200_000);
    let t = Instant::now();
    for _ in 0..200_000 {
        pool.region(|_| {});
    }
    eprintln!("per region: {:?}", t.elapsed() / 200_000);
}
