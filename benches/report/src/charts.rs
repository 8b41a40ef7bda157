//! The report's SVG charts: time against n for the W1 sweep, speed-up against threads for the
//! W3 and W5 scaling sweeps. Each has a workshare, a rayon and a serial line.

use crate::Row;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A line of a chart: its name and its points.
type Line = (String, Vec<(f64, f64)>);

/// A line's colour: grey for serial, blues and greens for workshare, red for rayon.
fn colour(name: &str, workshare_index: usize) -> RGBColor {
    const WORKSHARE: [RGBColor; 3] = [
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(23, 190, 207),
    ];
    if name == "serial" {
        RGBColor(110, 110, 110)
    } else if name.starts_with("workshare") {
        WORKSHARE[workshare_index % WORKSHARE.len()]
    } else if name.starts_with("rayon") {
        RGBColor(214, 39, 40)
    } else {
        RGBColor(148, 103, 189)
    }
}

/// Serial first, then workshare, then rayon, then anything else.
fn line_order(name: &str) -> (u8, String) {
    let rank = if name == "serial" {
        0
    } else if name.starts_with("workshare") {
        1
    } else if name.starts_with("rayon") {
        2
    } else {
        3
    };
    (rank, name.to_owned())
}

/// Draws every chart whose data is in `groups` into `dir`; returns (group, chart path).
pub(crate) fn draw_all(
    groups: &BTreeMap<String, Vec<Row>>,
    dir: &Path,
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut written = Vec::new();
    for (group, rows) in groups {
        let (file, lines, log_log, x_desc, y_desc) = if group == "W1 sqrt" {
            (
                "w1_sweep.svg",
                time_lines(rows),
                true,
                "n",
                "median time (µs)",
            )
        } else if let Some((workload, _)) = group.split_once(" scaling") {
            let file = match workload {
                "W3" => "w3_scaling.svg",
                "W5" => "w5_scaling.svg",
                _ => continue,
            };
            let Some(lines) = speedup_lines(rows) else {
                continue;
            };
            (file, lines, false, "threads", "speed-up over serial")
        } else {
            continue;
        };
        if lines.iter().all(|(_, points)| points.is_empty()) {
            continue;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let path = dir.join(file);
        draw(&path, group, &lines, log_log, x_desc, y_desc)
            .map_err(|e| format!("drawing {}: {e}", path.display()))?;
        written.push((group.clone(), path));
    }
    Ok(written)
}

/// One line per function: (n, median in µs), for a sweep over numeric parameters.
fn time_lines(rows: &[Row]) -> Vec<Line> {
    let mut lines: BTreeMap<(u8, String), Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        if let Ok(n) = r.param.parse::<f64>() {
            lines
                .entry(line_order(&r.function))
                .or_default()
                .push((n, r.median_ns / 1e3));
        }
    }
    finish(lines)
}

/// One line per parallel function: (threads, serial median / median); serial at 1 across the
/// range of thread counts, and the ideal speed-up for reference. `None` without a serial row.
fn speedup_lines(rows: &[Row]) -> Option<Vec<Line>> {
    let serial = rows.iter().find(|r| r.function == "serial")?.median_ns;
    let mut lines: BTreeMap<(u8, String), Vec<(f64, f64)>> = BTreeMap::new();
    let mut threads: Vec<f64> = Vec::new();
    for r in rows.iter().filter(|r| r.function != "serial") {
        if let Ok(t) = r.param.parse::<f64>() {
            threads.push(t);
            lines
                .entry(line_order(&r.function))
                .or_default()
                .push((t, serial / r.median_ns));
        }
    }
    let (lo, hi) = threads
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
    if lo.is_finite() {
        lines.insert(line_order("serial"), vec![(lo, 1.0), (hi, 1.0)]);
        lines.insert((4, "ideal".into()), vec![(lo, lo), (hi, hi)]);
    }
    Some(finish(lines))
}

fn finish(lines: BTreeMap<(u8, String), Vec<(f64, f64)>>) -> Vec<Line> {
    lines
        .into_iter()
        .map(|((_, name), mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (name, points)
        })
        .collect()
}

fn draw(
    path: &Path,
    title: &str,
    lines: &[Line],
    log_log: bool,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let points = lines.iter().flat_map(|(_, p)| p.iter());
    let (x_lo, x_hi, y_lo, y_hi) = points.fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
    );
    if log_log {
        let x = (x_lo / 1.5..x_hi * 1.5).log_scale();
        let y = (y_lo / 2.0..y_hi * 2.0).log_scale();
        let chart = chart(&root, title)?.build_cartesian_2d(x, y)?;
        plot(chart, lines, x_desc, y_desc, true)
    } else {
        let x = (x_lo - 0.25).max(0.0)..x_hi + 0.25;
        let y = 0.0..(y_hi * 1.15).max(1.2);
        let chart = chart(&root, title)?.build_cartesian_2d(x, y)?;
        plot(chart, lines, x_desc, y_desc, false)
    }?;
    root.present()?;
    Ok(())
}

fn chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
) -> Result<ChartBuilder<'a, 'b, SVGBackend<'b>>, Box<dyn std::error::Error>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70);
    Ok(builder)
}

/// A tick label: powers of ten as `1e6`, other numbers with at most three significant digits.
fn tidy(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-2) {
        format!("{v:.0e}")
    } else {
        let digits = if v.abs() >= 100.0 {
            0
        } else if v.abs() >= 10.0 {
            1
        } else {
            2
        };
        let text = format!("{v:.digits$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        }
    }
}

fn lines_max_x(lines: &[Line]) -> f64 {
    lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(x, _)| x))
        .fold(1.0, f64::max)
}

fn plot<'a, X, Y>(
    mut chart: ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    lines: &[Line],
    x_desc: &str,
    y_desc: &str,
    log_log: bool,
) -> Result<(), Box<dyn std::error::Error>>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    // Thread counts are whole: no label between two of them.
    let x_label = |v: &f64| {
        if log_log || v.fract() == 0.0 {
            tidy(*v)
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|v: &f64| tidy(*v));
    if !log_log {
        // Whole thread counts only.
        mesh.x_labels(((lines_max_x(lines) as usize) + 1).min(16));
    }
    mesh.draw()?;
    let mut workshare_lines = 0;
    for (name, points) in lines {
        let style = if name == "ideal" {
            ShapeStyle::from(&BLACK.mix(0.3)).stroke_width(1)
        } else {
            let c = colour(name, workshare_lines);
            workshare_lines += usize::from(name.starts_with("workshare"));
            c.stroke_width(2)
        };
        chart
            .draw_series(LineSeries::new(points.iter().copied(), style).point_size(3))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
