//! Idle pools cost no CPU, and pools with more threads than cores still finish their work.
//!
//! The CPU time measured is the whole process's, so the tests of this binary take turns
//! (`SERIAL`) rather than run side by side.
#![cfg(all(target_os = "linux", not(loom)))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use workshare_pool::{Pool, PoolBuilder};

static SERIAL: Mutex<()> = Mutex::new(());

/// User plus system CPU time of the whole process so far.
fn process_cpu_time() -> Duration {
    // SAFETY: all-zero bytes are a valid `rusage`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` that outlives the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// CPU clock ticks (user + system) of each thread of the process, with its name.
fn thread_ticks() -> Vec<(String, u64)> {
    let mut threads = Vec::new();
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (name) state ...`: the fields after the name are space-separated; utime and
        // stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let ticks = |k: usize| {
            fields
                .get(k)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let name = format!("{} {}", stat[..open].trim(), &stat[open + 1..close]);
        threads.push((name, ticks(11) + ticks(12)));
    }
    threads
}

/// The threads whose CPU ticks grew between two snapshots, for the failure message.
fn busy_threads(before: &[(String, u64)], after: &[(String, u64)]) -> String {
    let mut busy = String::new();
    for (name, ticks) in after {
        let earlier = before.iter().find(|(n, _)| n == name).map_or(0, |t| t.1);
        if *ticks > earlier {
            busy.push_str(&format!("{name}: {} ticks; ", ticks - earlier));
        }
    }
    busy
}

/// Runs regions with barriers and a shared counter on `pool`, and checks the count.
fn work(pool: &Pool) {
    for _ in 0..50 {
        let claimed = AtomicUsize::new(0);
        pool.region(|team| {
            // A dynamic loop of 1000 items through a worksharing counter.
            let construct = team.workshare();
            let mut mine = 0;
            while construct.counter().fetch_add(1, Ordering::Relaxed) < 1000 {
                mine += 1;
            }
            drop(construct);
            claimed.fetch_add(mine, Ordering::Relaxed);
            team.barrier();
        });
        assert_eq!(claimed.into_inner(), 1000);
    }
}

#[test]
#[cfg_attr(miri, ignore = "measures real CPU time")]
fn idle_pools_use_no_cpu() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pools = [
        // Default spin time, as many threads as cores and more.
        Pool::new(cores.max(2)).unwrap(),
        Pool::new(4 * cores).unwrap(),
        // Workers left out of a smaller team.
        Pool::new(6).unwrap(),
        // Sleeping at once.
        PoolBuilder::new()
            .num_threads(3)
            .spin_time(Duration::ZERO)
            .build()
            .unwrap(),
    ];
    pools[2].set_num_threads(2).unwrap();
    for pool in &pools {
        work(pool);
    }
    // Well past the spin window (100 us by default): every worker should be asleep.
    std::thread::sleep(Duration::from_millis(200));

    let (cpu_before, ticks_before, started) = (process_cpu_time(), thread_ticks(), Instant::now());
    std::thread::sleep(Duration::from_secs(1));
    let (cpu, wall) = (process_cpu_time() - cpu_before, started.elapsed());
    let busy = busy_threads(&ticks_before, &thread_ticks());
    assert!(
        cpu < wall / 20,
        "{cpu:?} of CPU in {wall:?} with every pool idle; threads that ran: {busy}"
    );

    // And they wake up for the next region.
    for pool in &pools {
        work(pool);
    }
}

#[test]
#[cfg_attr(miri, ignore = "slow under Miri")]
fn oversubscribed_pool_completes_loops() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // 8 threads, or 4 per core where there are more than 2: more threads than cores.
    let size = (4 * cores).max(8);
    for spin in [
        Duration::ZERO,
        Duration::from_micros(10),
        Duration::from_millis(1),
    ] {
        let pool = PoolBuilder::new()
            .num_threads(size)
            .spin_time(spin)
            .build()
            .unwrap();
        for team in [size, 3, size, 1, size - 1] {
            pool.set_num_threads(team).unwrap();
            work(&pool);
            let phases = AtomicUsize::new(0);
            pool.region(|t| {
                for phase in 1..=20 {
                    phases.fetch_add(1, Ordering::Relaxed);
                    t.barrier();
                    assert_eq!(phases.load(Ordering::Relaxed), phase * team);
                    t.barrier();
                }
            });
        }
    }
}

/// A keep-warm phase wakes sleeping workers and keeps them spinning (so the process burns CPU
/// while its caller sleeps); after the phase they sleep again and the pool costs nothing.
#[test]
#[cfg_attr(miri, ignore = "measures real CPU time")]
fn keep_warm_phase_keeps_workers_awake_then_lets_them_sleep() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pool = PoolBuilder::new()
        .num_threads(2)
        .spin_time(Duration::ZERO)
        .build()
        .unwrap();
    work(&pool);
    // Sleeping at once (no spin time): the worker is asleep before the phase starts.
    std::thread::sleep(Duration::from_millis(50));

    let phase = pool.keep_warm();
    let (cpu_before, started) = (process_cpu_time(), Instant::now());
    std::thread::sleep(Duration::from_millis(300));
    let (cpu, wall) = (process_cpu_time() - cpu_before, started.elapsed());
    assert!(
        cpu > wall / 10,
        "only {cpu:?} of CPU in {wall:?} of a keep-warm phase: the worker slept"
    );
    work(&pool);
    drop(phase);

    std::thread::sleep(Duration::from_millis(200));
    let (cpu_before, ticks_before, started) = (process_cpu_time(), thread_ticks(), Instant::now());
    std::thread::sleep(Duration::from_secs(1));
    let (cpu, wall) = (process_cpu_time() - cpu_before, started.elapsed());
    let busy = busy_threads(&ticks_before, &thread_ticks());
    assert!(
        cpu < wall / 20,
        "{cpu:?} of CPU in {wall:?} after the keep-warm phase ended; threads that ran: {busy}"
    );
}

/// Set in a child process of [`wait_policy_variable_sets_the_spin_time`]: the expected policy.
const POLICY_CHILD: &str = "WORKSHARE_TEST_WAIT_POLICY_CHILD";

/// `WORKSHARE_WAIT_POLICY=active`: idle workers of a pool built with the defaults never sleep
/// (the process burns CPU while its only other thread sleeps); `passive`: they sleep at once.
/// Each in a child process, since the variable is read once per process.
#[test]
#[cfg_attr(miri, ignore = "runs child processes")]
fn wait_policy_variable_sets_the_spin_time() {
    if let Ok(policy) = std::env::var(POLICY_CHILD) {
        let pool = Pool::new(2).unwrap();
        work(&pool);
        std::thread::sleep(Duration::from_millis(20));
        let (cpu_before, started) = (process_cpu_time(), Instant::now());
        std::thread::sleep(Duration::from_millis(300));
        let (cpu, wall) = (process_cpu_time() - cpu_before, started.elapsed());
        match policy.as_str() {
            "active" => assert!(cpu > wall / 10, "active: only {cpu:?} of CPU in {wall:?}"),
            _ => assert!(cpu < wall / 20, "passive: {cpu:?} of CPU in {wall:?}"),
        }
        work(&pool);
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for policy in ["active", "passive"] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "wait_policy_variable_sets_the_spin_time",
                "--test-threads=1",
            ])
            .env(POLICY_CHILD, policy)
            .env(workshare_pool::WAIT_POLICY_ENV, policy)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{policy}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
