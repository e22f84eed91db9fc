//! `crossio-bench-report OUT_DIR META_FILE ROWS_FILE…`
//!
//! Collects the `ROW|…` lines of every bench part (native, browser pages, sizes) and writes
//! `OUT_DIR/report.md` (a table: case, crossio, baseline, ratio, target, verdict, then each
//! case's note) and `OUT_DIR/ratios.svg` (a bar per ratio with its target). META_FILE holds
//! `key: value` lines (date, machine, toolchains) printed above the table. Reports, never
//! asserts: the exit status is 0 whatever the verdicts.

use std::fmt::Write as _;

use crossio_bench::{Fig, Kind, Row};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: crossio-bench-report OUT_DIR META_FILE ROWS_FILE...");
        std::process::exit(2);
    }
    let out = std::path::Path::new(&args[0]);
    let meta = std::fs::read_to_string(&args[1]).unwrap_or_default();
    let mut rows = Vec::new();
    for f in &args[2..] {
        match std::fs::read_to_string(f) {
            Ok(text) => rows.extend(text.lines().filter_map(Row::parse)),
            Err(e) => eprintln!("crossio-bench-report: skipping {f}: {e}"),
        }
    }
    let md = markdown(&meta, &rows);
    let svg = svg(&rows);
    if let Err(e) = std::fs::create_dir_all(out)
        .and_then(|_| std::fs::write(out.join("report.md"), &md))
        .and_then(|_| std::fs::write(out.join("ratios.svg"), &svg))
    {
        eprintln!(
            "crossio-bench-report: cannot write to {}: {e}",
            out.display()
        );
        std::process::exit(1);
    }
    print!("{md}");
}

#[derive(PartialEq)]
enum Verdict {
    Met,
    Missed,
    Reference,
    Compared,
}

/// Verdict, and whether the per-round ratios straddle the target (noise could flip it).
fn verdict(r: &Row) -> (Verdict, bool) {
    let Some((target, higher)) = r.kind.target() else {
        return match r.kind {
            Kind::Comparison => (Verdict::Compared, false),
            _ => (Verdict::Reference, false),
        };
    };
    let ratio = r.ratio;
    let met = if higher {
        ratio >= target
    } else {
        ratio <= target
    };
    let (lo, hi) = r.ratio_range;
    let straddles = lo.is_finite() && hi.is_finite() && lo < target && target < hi;
    (if met { Verdict::Met } else { Verdict::Missed }, straddles)
}

/// The per-round ratio range as ` (lo–hi)`, or nothing where there is none.
fn range(r: &Row) -> String {
    if r.ratio_range.0.is_finite() && r.ratio_range.0 != r.ratio_range.1 {
        format!(" ({:.2}–{:.2})", r.ratio_range.0, r.ratio_range.1)
    } else {
        String::new()
    }
}

fn name(r: &Row) -> String {
    format!("{}: {}", r.section, r.case)
}

fn markdown(meta: &str, rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# crossio benchmarks\n");
    for line in meta.lines().filter(|l| !l.trim().is_empty()) {
        let _ = writeln!(s, "- {}", line.trim());
    }
    let _ = writeln!(
        s,
        "\nFigures are medians over interleaved rounds (crossio and baseline alternate, swapping \
         which goes first); ratio = crossio / baseline, the median of the per-round \
         ratios (each round measures both back to back), with their range in brackets; \
         \"within noise\" = the target lies inside that range. Throughput: higher is better; ns/op and bytes: lower is \
         better.\n"
    );
    let _ = writeln!(
        s,
        "| case | crossio | baseline | ratio | target | verdict |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---|---|");
    let (mut met, mut missed) = (0, 0);
    for r in rows {
        let (v, noisy) = verdict(r);
        let unit = &r.unit;
        match v {
            Verdict::Reference => {
                let _ = writeln!(
                    s,
                    "| {} | — | {} {unit} | — | reference | — |",
                    name(r),
                    Fig(r.baseline)
                );
            }
            Verdict::Compared => {
                let _ = writeln!(
                    s,
                    "| {} | {} {unit} | {} {unit} | {:.3}{} | — (compared) | — |",
                    name(r),
                    Fig(r.crossio),
                    Fig(r.baseline),
                    r.ratio,
                    range(r)
                );
            }
            _ => {
                let (target, higher) = r.kind.target().unwrap_or((f64::NAN, true));
                let range = range(r);
                let word = match v {
                    Verdict::Met => {
                        met += 1;
                        "met"
                    }
                    _ => {
                        missed += 1;
                        "**missed**"
                    }
                };
                let _ = writeln!(
                    s,
                    "| {} | {} {unit} | {} {unit} | {:.3}{range} | {} {target}× | {word}{} |",
                    name(r),
                    Fig(r.crossio),
                    Fig(r.baseline),
                    r.ratio,
                    if higher { "≥" } else { "≤" },
                    if noisy { " (within noise)" } else { "" }
                );
            }
        }
    }
    let _ = writeln!(s, "\n{met} targets met, {missed} missed.\n");
    let _ = writeln!(s, "Notes (what each baseline is):\n");
    for r in rows.iter().filter(|r| !r.note.is_empty()) {
        let _ = writeln!(s, "- {}: {}", name(r), r.note);
    }
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `t` cut to at most `n` characters (an ellipsis marks the cut).
fn short(t: &str, n: usize) -> String {
    if t.chars().count() <= n {
        return t.to_owned();
    }
    let mut s: String = t.chars().take(n - 1).collect();
    s.push('…');
    s
}

/// A horizontal bar per ratio (references left out), a tick at each target, 1.0 marked.
/// Where the ratio chart puts things, in pixels.
struct Chart {
    label_w: f64,
    plot_w: f64,
    row_h: f64,
    top: f64,
    /// The ratio at the right edge of the plot.
    max: f64,
}

impl Chart {
    /// The x coordinate of ratio `v`.
    fn x(&self, v: f64) -> f64 {
        self.label_w + self.plot_w * (v.clamp(0.0, self.max) / self.max)
    }
}

fn svg(rows: &[Row]) -> String {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.kind.target().is_some()).collect();
    let max = rows
        .iter()
        .map(|r| r.ratio)
        .filter(|x| x.is_finite())
        .fold(2.2f64, f64::max)
        .min(4.0);
    let c = Chart {
        label_w: 480.0,
        plot_w: 420.0,
        row_h: 22.0,
        top: 46.0,
        max,
    };
    let width = c.label_w + c.plot_w + 90.0;
    let height = c.top + c.row_h * rows.len() as f64 + 30.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        s,
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" \
         font-size=\"15\" font-weight=\"bold\">crossio / baseline (green: target met, red: \
         missed; black tick: target)</text>"
    );
    for v in [0.5, 1.0, 1.5, 2.0, 3.0, 4.0]
        .into_iter()
        .filter(|v| *v <= max)
    {
        let _ = writeln!(
            s,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\
             <text x=\"{0}\" y=\"{4}\" text-anchor=\"middle\" fill=\"#555\">{v}×</text>",
            c.x(v),
            c.top - 6.0,
            height - 24.0,
            if v == 1.0 { "#888" } else { "#ddd" },
            height - 10.0
        );
    }
    for (i, r) in rows.iter().enumerate() {
        svg_row(&mut s, &c, c.top + c.row_h * i as f64, r);
    }
    s.push_str("</svg>\n");
    s
}

/// One bar of the chart at height `y`: label, bar, target tick and ratio.
fn svg_row(s: &mut String, c: &Chart, y: f64, r: &Row) {
    let (v, _) = verdict(r);
    let color = if v == Verdict::Met {
        "#3a9a4a"
    } else {
        "#c8463d"
    };
    let ratio = r.ratio;
    let (target, _) = r.kind.target().unwrap_or((1.0, true));
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        c.label_w - 8.0,
        y + 14.0,
        esc(&short(&name(r), 72))
    );
    let _ = writeln!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{color}\"/>",
        c.label_w,
        y + 3.0,
        (c.x(ratio) - c.label_w).max(0.0),
        c.row_h - 6.0
    );
    let _ = writeln!(
        s,
        "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"black\" \
         stroke-width=\"2\"/>",
        c.x(target),
        y + 1.0,
        y + c.row_h - 1.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{}\">{:.2}×{}</text>",
        c.x(ratio) + 4.0,
        y + 14.0,
        ratio,
        if ratio > c.max { " →" } else { "" }
    );
}
