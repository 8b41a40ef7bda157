//! `Schedule::Runtime` reads `WORKSHARE_SCHEDULE` once per process: each case runs in a child
//! process (this test binary again, with the variable set), so that cases do not share it.
#![cfg(not(loom))]

use std::process::Command;
use std::sync::Mutex;
use workshare_parfor::{for_each_chunk, Pool, Schedule, SCHEDULE_ENV};

/// Set in the child: which case to run.
const CASE: &str = "WORKSHARE_TEST_RUNTIME_CASE";

/// Runs `case` in a child with `WORKSHARE_SCHEDULE=value`; its standard error.
fn child(case: &str, value: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "runtime_schedule_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CASE, case)
        .env(SCHEDULE_ENV, value)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "child {case} with {value:?} failed:\n{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// The child's side: checks what `Runtime` became.
#[test]
fn runtime_schedule_child() {
    let Ok(case) = std::env::var(CASE) else {
        return;
    };
    let pool = Pool::new(2).unwrap();
    let chunks = Mutex::new(Vec::new());
    for_each_chunk(&pool, 0..100, Schedule::Runtime, |chunk, _| {
        chunks.lock().unwrap().push(chunk);
    });
    let mut chunks = chunks.into_inner().unwrap();
    chunks.sort_by_key(|c| c.start);
    let covered: usize = chunks.iter().map(|c| c.len()).sum();
    assert_eq!(covered, 100);
    match case.as_str() {
        "dynamic7" => {
            assert_eq!(Schedule::runtime(), Schedule::Dynamic(7));
            assert!(
                chunks.iter().all(|c| c.len() == 7 || c.end == 100),
                "{chunks:?}"
            );
            assert_eq!(chunks.len(), 15);
        }
        "garbage" => assert_eq!(Schedule::runtime(), Schedule::Auto),
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn runtime_follows_the_environment() {
    let stderr = child("dynamic7", "dynamic,7");
    assert!(!stderr.contains("ignoring"), "{stderr}");
}

#[test]
fn garbage_in_the_environment_warns_once_and_runs_auto() {
    let stderr = child("garbage", "fastest-please");
    assert_eq!(
        stderr
            .matches("workshare: ignoring WORKSHARE_SCHEDULE=\"fastest-please\"")
            .count(),
        1,
        "{stderr}"
    );
}
