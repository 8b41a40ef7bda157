//! What the compiler rules out: races on a shared accumulator, and slot misuse.
//!
//! A classic bug of parallel loops adds into a shared accumulator from every iteration
//! (`result[0] += (a[i] - b[i])^2` in a parallel loop), losing updates silently. In this crate
//! every loop body is `Fn + Sync`: it may read what it captures, never write it, and everything
//! it captures must be safe to share. Each example below is rejected by the compiler, for the
//! reason given; the example after it is the accepted way to write the same thing.
//!
//! # A captured accumulator
//!
//! ```compile_fail,E0594
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{for_each_init, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let mut total = 0;
//! // error[E0594]: cannot assign to `total`, as it is a captured variable in a `Fn` closure
//! for_each_init(&pool, 0..100, Schedule::Auto, |_| (), |_, i| total += i);
//! ```
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{sum, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let total = sum(&pool, 0..100, Schedule::Auto, |i| i);
//! assert_eq!(total, 4950);
//! ```
//!
//! # A shared array element (`result[0] +=`)
//!
//! ```compile_fail,E0596
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{for_each_init, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let mut result = vec![0i64];
//! // error[E0596]: cannot borrow `result` as mutable, as it is a captured variable in a `Fn` closure
//! for_each_init(&pool, 0..100, Schedule::Auto, |_| (), |_, i| result[0] += i as i64);
//! ```
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{for_each_init, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let partial = for_each_init(&pool, 0..100, Schedule::Auto, |_| 0i64, |acc, i| *acc += i as i64);
//! assert_eq!(partial.iter().sum::<i64>(), 4950);
//! ```
//!
//! # A captured `&mut`
//!
//! ```compile_fail,E0596
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let mut total = 0;
//! let total_ref = &mut total;
//! let mut slots: Slots<()> = Slots::new(&pool);
//! // error[E0596]: cannot borrow `*total_ref` as mutable, as it is a captured variable in a `Fn` closure
//! slots.for_each(&pool, 0..100, Schedule::Auto, |_, i| *total_ref += i);
//! ```
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let mut slots: Slots<usize> = Slots::new(&pool);
//! slots.for_each(&pool, 0..100, Schedule::Auto, |total, i| *total += i);
//! assert_eq!(slots.iter().sum::<usize>(), 4950);
//! ```
//!
//! # A `Cell` or `RefCell` accumulator
//!
//! Interior mutability gets past `Fn`, but not past `Sync`: a `Cell` cannot be shared between
//! threads.
//!
//! ```compile_fail,E0277
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use std::cell::Cell;
//! use workshare::reductions::{for_each_init, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let total = Cell::new(0);
//! // error[E0277]: `Cell<usize>` cannot be shared between threads safely
//! for_each_init(&pool, 0..100, Schedule::Auto, |_| (), |_, i| total.set(total.get() + i));
//! ```
//!
//! ```compile_fail,E0277
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use std::cell::RefCell;
//! use workshare::reductions::{for_each_init, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let total = RefCell::new(0);
//! // error[E0277]: `RefCell<usize>` cannot be shared between threads safely
//! for_each_init(&pool, 0..100, Schedule::Auto, |_| (), |_, i| *total.borrow_mut() += i);
//! ```
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use workshare::reductions::{for_each_init, Pool, Schedule};
//! let pool = Pool::new(2).unwrap();
//! // Correct, if slower than a reduction: an atomic accumulator.
//! let total = AtomicUsize::new(0);
//! for_each_init(&pool, 0..100, Schedule::Auto, |_| (), |_, i| {
//!     total.fetch_add(i, Ordering::Relaxed);
//! });
//! assert_eq!(total.into_inner(), 4950);
//! ```
//!
//! # Another thread's slot
//!
//! The loop borrows the slots exclusively; the body cannot reach them except through its own
//! `&mut T`.
//!
//! ```compile_fail,E0502
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let mut slots: Slots<usize> = Slots::new(&pool);
//! // error[E0502]: cannot borrow `slots` as immutable because it is also borrowed as mutable
//! slots.for_each(&pool, 0..100, Schedule::Auto, |mine, i| {
//!     *mine += i + slots.iter().sum::<usize>();
//! });
//! ```
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let mut slots: Slots<usize> = Slots::new(&pool);
//! slots.for_each(&pool, 0..100, Schedule::Auto, |mine, i| *mine += i);
//! assert_eq!(slots.iter().sum::<usize>(), 4950);
//! ```
//!
//! # A slot reference kept after the loop
//!
//! The body's `&mut T` lives for one call only; storing it anywhere that outlives the call is a
//! lifetime error.
//!
//! ```compile_fail,E0521
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use std::sync::Mutex;
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let kept: Mutex<Option<&mut usize>> = Mutex::new(None);
//! let mut slots: Slots<usize> = Slots::new(&pool);
//! // error[E0521]: borrowed data escapes outside of closure
//! slots.for_each(&pool, 0..100, Schedule::Auto, |mine, _| {
//!     *kept.lock().unwrap() = Some(mine);
//! });
//! ```
//!
//! ```compile_fail,E0502
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let mut slots: Slots<usize> = Slots::new(&pool);
//! let first = slots.iter().next().unwrap();
//! // error[E0502]: cannot borrow `slots` as mutable because it is also borrowed as immutable
//! slots.for_each(&pool, 0..100, Schedule::Auto, |mine, i| *mine += i);
//! println!("{first}");
//! ```
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use std::sync::Mutex;
//! use workshare::reductions::{Pool, Schedule, Slots};
//! let pool = Pool::new(2).unwrap();
//! let kept: Mutex<Option<usize>> = Mutex::new(None);
//! let mut slots: Slots<usize> = Slots::new(&pool);
//! slots.for_each(&pool, 0..100, Schedule::Auto, |mine, _| {
//!     *mine += 1;
//!     *kept.lock().unwrap() = Some(*mine); // a copy of the value, not the slot
//! });
//! let first = slots.iter().next().unwrap();
//! assert!(*first <= 100);
//! ```
