//! # crossio-bench
//!
//! crossio measured against what users would otherwise write, side by side in the same run.
//! `ci/bench.sh` builds and runs every part and writes `target/bench/report.md`
//! and `target/bench/ratios.svg`:
//!
//! - `crossio-bench` (native): WebSocket echo, HTTP GET and download, spawn and
//!   spawn_blocking through crossio against raw tokio-tungstenite, reqwest and tokio on the
//!   same runtime and the same server, plus raw loopback TCP as the physical reference;
//! - `crossio-browser-bench` (wasm32-unknown-emscripten, both modes): crossio's Transport and
//!   Http against a raw JS WebSocket / fetch() loop in the same page
//!   (`crossio_emscripten::bench`), and the worker pool against `pthread_create` + join;
//! - `crossio-size-echo` (wasm32-unknown-emscripten): the small echo whose release size is
//!   compared with the same echo in Rust on raw Emscripten FFI (`crossio-raw-echo`), with a
//!   150 KB budget, and with the same echo in C (`bench/csrc/echo.c`);
//! - `crossio-bench-report` (native): collects the [`Row`] lines every part prints.
//!
//! Every figure is a **median over interleaved rounds** ([`interleave`]: crossio and baseline
//! alternate, swapping which goes first each round, so drift on a noisy machine hits both), and
//! every ratio is crossio / baseline from the same run: the median of the per-round ratios.
#![forbid(unsafe_code)]

use std::fmt;
use std::future::Future;

/// What a row measures, which decides its target and which direction is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Native throughput (higher is better); target ≥ 0.97× of raw.
    NativeThroughput,
    /// Native time per operation (lower is better); target ≤ 1.1× of raw.
    NativeOverhead,
    /// Browser throughput (higher is better); target ≥ 0.95× of the raw JS figure.
    BrowserThroughput,
    /// Release size in bytes (lower is better); target ≤ 1.3× the same program in Rust on raw
    /// Emscripten FFI (`crossio-raw-echo`).
    Size,
    /// Release size in bytes against a fixed budget (the baseline figure); target ≤ 1×.
    SizeBudget,
    /// A physical reference with no crossio side (no ratio, no target).
    Reference,
    /// Two ways of doing the same thing with crossio, compared: a ratio reported without a
    /// target, e.g. `block_on` of an operation against awaiting it (the note says which
    /// direction is better where the unit does not).
    Comparison,
}

impl Kind {
    /// The tag used in [`Row`] lines.
    pub fn tag(self) -> &'static str {
        match self {
            Kind::NativeThroughput => "native-tput",
            Kind::NativeOverhead => "native-time",
            Kind::BrowserThroughput => "browser-tput",
            Kind::Size => "size",
            Kind::SizeBudget => "size-budget",
            Kind::Reference => "reference",
            Kind::Comparison => "compare",
        }
    }

    /// Parse a [`Kind::tag`].
    pub fn from_tag(tag: &str) -> Option<Kind> {
        [
            Kind::NativeThroughput,
            Kind::NativeOverhead,
            Kind::BrowserThroughput,
            Kind::Size,
            Kind::SizeBudget,
            Kind::Reference,
            Kind::Comparison,
        ]
        .into_iter()
        .find(|k| k.tag() == tag)
    }

    /// The target ratio (crossio / baseline) and whether higher is better; `None` for
    /// references.
    pub fn target(self) -> Option<(f64, bool)> {
        match self {
            Kind::NativeThroughput => Some((0.97, true)),
            Kind::NativeOverhead => Some((1.1, false)),
            Kind::BrowserThroughput => Some((0.95, true)),
            Kind::Size => Some((1.3, false)),
            Kind::SizeBudget => Some((1.0, false)),
            Kind::Reference | Kind::Comparison => None,
        }
    }
}

/// One result: printed by a bench part as a single line (`ROW|…`, see [`Row::line`]) and read
/// back by the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What it measures.
    pub kind: Kind,
    /// Where it ran: `native`, `chromium main-thread`, `emscripten 6.0.5`, ….
    pub section: String,
    /// Case name, e.g. `ws echo 1 KiB ×64 conn`.
    pub case: String,
    /// Unit of the two figures, e.g. `rt/s`, `MB/s`, `ns/op`, `bytes`.
    pub unit: String,
    /// crossio's figure (median over rounds).
    pub crossio: f64,
    /// The baseline's figure (median over rounds); for a reference, the reference itself.
    pub baseline: f64,
    /// crossio / baseline: the median of the per-round ratios (each round's two figures are
    /// measured back to back, so slow drift of a shared machine cancels in them).
    pub ratio: f64,
    /// Lowest and highest per-round ratio, to judge the noise.
    pub ratio_range: (f64, f64),
    /// A short remark (what the baseline is, a second unit), may be empty.
    pub note: String,
}

impl Row {
    /// The line form: `ROW|kind|section|case|unit|crossio|baseline|ratio|lo|hi|note` (`|` in
    /// text fields is replaced by `/`).
    pub fn line(&self) -> String {
        let clean = |s: &str| s.replace(['|', '\n', '\r'], "/");
        format!(
            "ROW|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.kind.tag(),
            clean(&self.section),
            clean(&self.case),
            clean(&self.unit),
            self.crossio,
            self.baseline,
            self.ratio,
            self.ratio_range.0,
            self.ratio_range.1,
            clean(&self.note)
        )
    }

    /// Parse a [`Row::line`] (surrounding text before `ROW|` is ignored).
    pub fn parse(line: &str) -> Option<Row> {
        let at = line.find("ROW|")?;
        let f: Vec<&str> = line[at..].trim_end().split('|').collect();
        if f.len() != 11 {
            return None;
        }
        let num = |s: &str| s.parse::<f64>().ok();
        Some(Row {
            kind: Kind::from_tag(f[1])?,
            section: f[2].to_owned(),
            case: f[3].to_owned(),
            unit: f[4].to_owned(),
            crossio: num(f[5])?,
            baseline: num(f[6])?,
            ratio: num(f[7])?,
            ratio_range: (num(f[8])?, num(f[9])?),
            note: f[10].to_owned(),
        })
    }
}

/// Median of `v` (NaN when empty).
pub fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

/// Figures of interleaved rounds: `a` = crossio, `b` = baseline, one entry per round each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rounds {
    /// crossio's figure per round.
    pub a: Vec<f64>,
    /// The baseline's figure per round.
    pub b: Vec<f64>,
}

impl Rounds {
    /// Median of crossio's figures.
    pub fn a_median(&self) -> f64 {
        median(&self.a)
    }

    /// Median of the baseline's figures.
    pub fn b_median(&self) -> f64 {
        median(&self.b)
    }

    /// The ratio a/b of each round.
    pub fn ratios(&self) -> Vec<f64> {
        self.a.iter().zip(&self.b).map(|(a, b)| a / b).collect()
    }

    /// Median of the per-round ratios a/b.
    pub fn ratio(&self) -> f64 {
        median(&self.ratios())
    }

    /// Lowest and highest ratio a/b of the same round.
    pub fn ratio_range(&self) -> (f64, f64) {
        let r = self.ratios();
        let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    /// The result row of these rounds.
    pub fn row(&self, kind: Kind, section: &str, case: &str, unit: &str, note: &str) -> Row {
        Row {
            kind,
            section: section.to_owned(),
            case: case.to_owned(),
            unit: unit.to_owned(),
            crossio: self.a_median(),
            baseline: self.b_median(),
            ratio: self.ratio(),
            ratio_range: self.ratio_range(),
            note: note.to_owned(),
        }
    }
}

/// Run `rounds` interleaved rounds of `a` (crossio) and `b` (baseline), `a` first in even
/// rounds and `b` first in odd ones, after one warm-up pair whose figures are dropped. Each
/// call returns one figure; the first error stops the case.
pub async fn interleave<A, B, FA, FB, E>(rounds: usize, mut a: A, mut b: B) -> Result<Rounds, E>
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: Future<Output = Result<f64, E>>,
    FB: Future<Output = Result<f64, E>>,
{
    a().await?;
    b().await?;
    let mut out = Rounds::default();
    for i in 0..rounds {
        if i % 2 == 0 {
            out.a.push(a().await?);
            out.b.push(b().await?);
        } else {
            out.b.push(b().await?);
            out.a.push(a().await?);
        }
    }
    Ok(out)
}

/// A figure with a precision that suits its size, digits grouped: `12 345`, `98.7`, `0.123`.
pub struct Fig(pub f64);

impl fmt::Display for Fig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() {
            return write!(f, "{v}");
        }
        if v.abs() >= 1000.0 {
            let digits = format!("{:.0}", v.abs());
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push('\u{202f}');
                }
                out.push(c);
            }
            write!(f, "{}{out}", if v < 0.0 { "-" } else { "" })
        } else if v.abs() >= 100.0 {
            write!(f, "{v:.0}")
        } else if v.abs() >= 10.0 {
            write!(f, "{v:.1}")
        } else if v.abs() >= 1.0 {
            write!(f, "{v:.2}")
        } else {
            write!(f, "{v:.3}")
        }
    }
}

/// `32 B`, `1 KiB`, `64 KiB`, `16 MiB`.
pub fn size_name(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// The raw native baselines, set up as crossio's own client is, so that the two sides differ
/// only in crossio: shared by the timed bench and the counted one.
#[cfg(not(target_os = "emscripten"))]
pub mod raw {
    /// A reqwest client with the settings crossio's own uses (no proxy, redirects followed up
    /// to [`crossio::DEFAULT_MAX_REDIRECTS`]).
    pub fn http_client() -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::limited(
                crossio::DEFAULT_MAX_REDIRECTS,
            ))
            .build()
            .map_err(|e| format!("build the reqwest client: {e}"))
    }

    /// A raw tokio-tungstenite connection to `url` with what crossio's default
    /// `ConnectOptions` configure: the same message and frame limits, Nagle off.
    pub async fn ws_connect(
        url: &str,
    ) -> Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        String,
    > {
        let max = crossio::DEFAULT_MAX_MESSAGE_SIZE;
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(max))
            .max_frame_size(Some(max));
        tokio_tungstenite::connect_async_with_config(url, Some(config), true)
            .await
            .map(|(ws, _)| ws)
            .map_err(|e| format!("raw connect: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_line_roundtrips() {
        let r = Row {
            kind: Kind::NativeThroughput,
            section: "native".into(),
            case: "ws echo 1 KiB ×64 conn".into(),
            unit: "rt/s".into(),
            crossio: 1234.5,
            baseline: 1300.0,
            ratio: 0.95,
            ratio_range: (0.9, 1.01),
            note: "a|b".into(),
        };
        let back = Row::parse(&format!("noise {}", r.line())).expect("parses");
        assert_eq!(back.note, "a/b");
        assert_eq!(back.crossio, r.crossio);
        assert_eq!(back.kind, r.kind);
        assert_eq!(back.ratio, 0.95);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn figures_group_digits() {
        assert_eq!(Fig(12345.4).to_string(), "12\u{202f}345");
        assert_eq!(Fig(98.74).to_string(), "98.7");
        assert_eq!(size_name(65536), "64 KiB");
    }
}
