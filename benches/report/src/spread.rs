//! The spread of W0 and W10 over separate processes, as `scripts/spread.sh` leaves them: one
//! directory per process, `<target>/workshare-bench/spread/process-<k>/`, holding criterion's
//! results of the W0 rows (`criterion/`) and the W10 bench's `cold_wake.json`.
//!
//! The host's placement of a virtual machine's CPUs moves W0 by 2-5x from one process to the
//! next, so one process says little about a runtime; the table gives, per row, the smallest,
//! median and largest of the per-process medians, and the same divided by the hardware
//! ping-pong floor of the same process.

use crate::{collect, fmt_time, median, param_key, read_triple};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One row: its per-process medians in ns and their ratios to the process's floor.
#[derive(Debug, Default, PartialEq)]
pub struct SpreadRow {
    pub name: String,
    pub param: String,
    pub ns: Vec<f64>,
    /// Absent for the floor row itself and where a process measured no floor.
    pub per_floor: Vec<f64>,
}

/// Everything `scripts/spread.sh` measured.
#[derive(Debug, PartialEq)]
pub struct Spread {
    pub processes: usize,
    /// Whether the processes ran in quick mode (they leave `quick-mode` in their directory).
    pub quick: bool,
    /// The W0 rows, by criterion group.
    pub w0: BTreeMap<String, Vec<SpreadRow>>,
    /// The W10 rows, per pause in ns, in the bench's order.
    pub w10: Vec<(f64, Vec<SpreadRow>)>,
}

/// The process directories under `dir`, in the order of their number.
fn processes(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let k = name.strip_prefix("process-")?.parse().ok()?;
            e.path().is_dir().then(|| (k, e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Adds one process's value of row (`name`, `param`) to `rows`.
fn push(rows: &mut Vec<SpreadRow>, name: &str, param: &str, ns: f64, floor: Option<f64>) {
    let i = match rows.iter().position(|r| r.name == name && r.param == param) {
        Some(i) => i,
        None => {
            rows.push(SpreadRow {
                name: name.to_owned(),
                param: param.to_owned(),
                ..SpreadRow::default()
            });
            rows.len() - 1
        }
    };
    rows[i].ns.push(ns);
    if let Some(floor) = floor {
        rows[i].per_floor.push(ns / floor);
    }
}

/// Reads the processes under `dir` (`<target>/workshare-bench/spread`); `None` without any.
pub fn read(dir: &Path) -> Option<Spread> {
    let dirs = processes(dir);
    if dirs.is_empty() {
        return None;
    }
    let mut w0: BTreeMap<String, Vec<SpreadRow>> = BTreeMap::new();
    let mut w10: Vec<(f64, Vec<SpreadRow>)> = Vec::new();
    for process in &dirs {
        let groups = collect(&process.join("criterion"));
        let floor = groups.get("W0_empty_fork_join").and_then(|rows| {
            rows.iter()
                .find(|r| r.function == "hardware_ping_pong")
                .map(|r| r.median_ns)
        });
        for (group, rows) in groups.iter().filter(|(g, _)| g.starts_with("W0_")) {
            let spread = w0.entry(group.clone()).or_default();
            for r in rows {
                let floor = floor.filter(|_| r.function != "hardware_ping_pong");
                push(spread, &r.function, &r.param, r.median_ns, floor);
            }
        }
        let Some(json) = std::fs::read_to_string(process.join("cold_wake.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        else {
            continue;
        };
        for pause in json
            .get("pauses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(pause_ns), Some(floor)) = (
                pause.get("pause_ns").and_then(Value::as_f64),
                pause.get("floor_ns").and_then(read_triple),
            ) else {
                continue;
            };
            let i = match w10.iter().position(|(p, _)| *p == pause_ns) {
                Some(i) => i,
                None => {
                    w10.push((pause_ns, Vec::new()));
                    w10.len() - 1
                }
            };
            let rows = &mut w10[i].1;
            for row in pause
                .get("rows")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = row.get("contestant").and_then(Value::as_str);
                let ns = row.get("ns").and_then(read_triple);
                if let (Some(name), Some(ns)) = (name, ns) {
                    push(rows, name, "", ns[1], Some(floor[1]));
                }
            }
            push(rows, "hardware ping-pong", "", floor[1], None);
        }
    }
    Some(Spread {
        processes: dirs.len(),
        quick: dirs.iter().any(|d| d.join("quick-mode").exists()),
        w0,
        w10,
    })
}

/// Smallest, median and largest.
fn range(values: &[f64]) -> [f64; 3] {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    [min, median(values), max]
}

/// A ratio with three significant digits (a loaded machine can put a floor far above the
/// rows, and a ratio far below 1).
fn fmt_ratio(r: f64) -> String {
    let digits = if r >= 100.0 || !r.is_finite() || r <= 0.0 {
        0
    } else {
        (2 - r.log10().floor() as i32).clamp(0, 9) as usize
    };
    format!("{r:.digits$}x")
}

/// The table of `rows`, in the given order.
fn table(rows: &[&SpreadRow]) -> String {
    let mut out = String::from(
        "| row | parameter | processes | smallest | median | largest | largest / smallest | \
         vs floor: smallest | median | largest |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in rows {
        let [lo, mid, hi] = range(&r.ns);
        let floor = if r.per_floor.is_empty() {
            " |  | ".to_owned()
        } else {
            let [flo, fmid, fhi] = range(&r.per_floor);
            format!(
                "{} | {} | {}",
                fmt_ratio(flo),
                fmt_ratio(fmid),
                fmt_ratio(fhi)
            )
        };
        let param = if r.param.is_empty() { "-" } else { &r.param };
        let _ = writeln!(
            out,
            "| {} | {param} | {} | {} | {} | {} | {} | {floor} |",
            r.name,
            r.ns.len(),
            fmt_time(lo),
            fmt_time(mid),
            fmt_time(hi),
            fmt_ratio(hi / lo)
        );
    }
    out
}

/// The section's introduction and tables.
pub fn section(spread: &Spread) -> String {
    let mut md = format!(
        "Each of {} separate processes (`scripts/spread.sh`{}) ran the W0 rows below (`cargo \
         bench -p workshare-bench --bench fork_join`, filtered) and then W10 (`--bench \
         cold_wake`). A process's value of a row is its median there (criterion's for W0, the \
         median of the cold calls for W10); the table gives the smallest, the median and the \
         largest of those values over the processes, and the same values divided by the \
         hardware ping-pong floor measured in the same process (W10: the median of its \
         rounds'). The ForkUnion rows are there when the benchmarks were built with \
         `--features forkunion` (the script does so where a C++ compiler runs).\n\n",
        spread.processes,
        if spread.quick {
            ", each in quick mode: 0.1 s of warm-up and 0.3 s of measurement per W0 row, 50 \
             calls after 1 ms and 6 after 50 ms for W10"
        } else {
            ""
        }
    );
    for (group, rows) in &spread.w0 {
        let mut sorted: Vec<&SpreadRow> = rows.iter().collect();
        sorted.sort_by(|a, b| {
            let (ka, kb) = (param_key(&a.param), param_key(&b.param));
            ka.partial_cmp(&kb)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.name.cmp(&b.name))
        });
        let _ = writeln!(md, "### {group}, over {} processes\n", spread.processes);
        md.push_str(&table(&sorted));
        md.push('\n');
    }
    for (pause, rows) in &spread.w10 {
        let _ = writeln!(
            md,
            "### W10 cold wake after {}, over {} processes\n",
            fmt_time(*pause),
            spread.processes
        );
        md.push_str(&table(&rows.iter().collect::<Vec<_>>()));
        md.push('\n');
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes one criterion result as criterion does.
    fn criterion_row(dir: &Path, group: &str, function: &str, param: &str, ns: f64) {
        let new = dir.join(format!("criterion/{group}/{function}/{param}/new"));
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            format!(r#"{{"group_id":"{group}","function_id":"{function}","value_str":"{param}"}}"#),
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            format!(r#"{{"median":{{"point_estimate":{ns}}}}}"#),
        )
        .unwrap();
    }

    #[test]
    fn ratios_keep_three_significant_digits() {
        assert_eq!(fmt_ratio(28088.8), "28089x");
        assert_eq!(fmt_ratio(129.87), "130x");
        assert_eq!(fmt_ratio(7.18), "7.18x");
        assert_eq!(fmt_ratio(1.0), "1.00x");
        assert_eq!(fmt_ratio(30.0), "30.0x");
        assert_eq!(fmt_ratio(0.35), "0.350x");
        assert_eq!(fmt_ratio(0.0123), "0.0123x");
        assert_eq!(fmt_ratio(0.000_456_7), "0.000457x");
    }

    #[test]
    fn reads_and_renders_the_processes() {
        let dir = std::env::temp_dir().join(format!("workshare-spread-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // Three processes; the floor and every runtime move together from one to the next.
        for (k, scale) in [(1, 1.0), (2, 4.0), (3, 2.0)] {
            let p = dir.join(format!("process-{k}"));
            let g = "W0_empty_fork_join";
            criterion_row(&p, g, "hardware_ping_pong", "2", 100.0 * scale);
            criterion_row(&p, g, "workshare_region", "2", 300.0 * scale);
            criterion_row(&p, g, "forkunion_for_threads", "2", 200.0 * scale);
            criterion_row(&p, "W1 sqrt", "serial", "100", 5.0);
            std::fs::write(p.join("quick-mode"), "").unwrap();
            std::fs::write(
                p.join("cold_wake.json"),
                format!(
                    r#"{{"pauses": [{{"pause_ns": 1000000, "calls": 50, "floor_ns": [90, {f}, 110], "rows": [
  {{"contestant": "workshare Static", "ns": [1, {w}, 3]}},
  {{"contestant": "forkunion", "ns": [1, {u}, 3]}}]}}]}}"#,
                    f = 100.0 * scale,
                    w = 5000.0 * scale,
                    u = 3000.0 * scale
                ),
            )
            .unwrap();
        }
        // Not a process directory: ignored.
        std::fs::create_dir_all(dir.join("other")).unwrap();
        let spread = read(&dir).unwrap();
        assert_eq!(spread.processes, 3);
        assert!(spread.quick);
        assert_eq!(
            spread.w0.len(),
            1,
            "only the W0 groups: {:?}",
            spread.w0.keys()
        );
        let md = section(&spread);
        assert!(
            md.contains("### W0_empty_fork_join, over 3 processes"),
            "{md}"
        );
        assert!(
            md.contains(
                "| workshare_region | 2 | 3 | 300 ns | 600 ns | 1.20 µs | 4.00x | 3.00x | 3.00x | 3.00x |"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "| hardware_ping_pong | 2 | 3 | 100 ns | 200 ns | 400 ns | 4.00x |  |  |  |"
            ),
            "{md}"
        );
        assert!(
            md.contains("### W10 cold wake after 1.00 ms, over 3 processes"),
            "{md}"
        );
        assert!(
            md.contains(
                "| forkunion | - | 3 | 3.00 µs | 6.00 µs | 12.0 µs | 4.00x | 30.0x | 30.0x | 30.0x |"
            ),
            "{md}"
        );
        assert!(md.contains("| hardware ping-pong | - | 3 |"), "{md}");
        // The rows keep the bench's order in W10, and the floor comes last.
        let (ws, fu) = (
            md.find("| workshare Static").unwrap(),
            md.find("| forkunion |").unwrap(),
        );
        assert!(ws < fu && fu < md.find("| hardware ping-pong").unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(read(&dir).is_none());
    }
}
