//! catlib's log: crossio's `tracing` events (targets `crossio::ws`, `crossio::http`,
//! `crossio::task`) and catlib's own (target `catlib`), handed as one line each to the sink
//! the embedder set (`catlib_set_log_callback` in C).
//!
//! The sink is called on the thread that logs (natively a runtime thread or the caller's; in a
//! browser the page's main thread or a pool worker), never while catlib holds a lock: the
//! sink is copied out of its slot and the slot's lock released before the call. A panic
//! while formatting a line is caught and the line dropped. Events of other crates (h2's, for
//! instance) are not passed on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crossio::backend::log::Fields;
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::{CatResult, Failure, Status};

/// Where log lines go: `(level, line)`, the level as `catlib.h`'s `CATLIB_LOG_*` value
/// (1 ERROR … 5 TRACE) and the line as `target: message field=value …`.
pub type Sink = Arc<dyn Fn(i32, &str) + Send + Sync>;

/// The most verbose level passed on (`CATLIB_LOG_*`), 0 while logging is off.
static MAX: AtomicI32 = AtomicI32::new(0);
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

/// `CATLIB_LOG_*` of a tracing level.
fn level_number(level: Level) -> i32 {
    match level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn level_filter(n: i32) -> LevelFilter {
    match n {
        1 => LevelFilter::ERROR,
        2 => LevelFilter::WARN,
        3 => LevelFilter::INFO,
        4 => LevelFilter::DEBUG,
        5 => LevelFilter::TRACE,
        _ => LevelFilter::OFF,
    }
}

struct CatlibSubscriber;

impl Subscriber for CatlibSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let target = metadata.target();
        !metadata.is_span()
            && level_number(*metadata.level()) <= MAX.load(Ordering::Acquire)
            && (target.starts_with("crossio") || target.starts_with("catlib"))
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(level_filter(MAX.load(Ordering::Acquire)))
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `enabled`); an id is still required.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        // Copy the sink out; the slot's lock is released before the call.
        let sink = SINK.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(sink) = sink else { return };
        let meta = event.metadata();
        let line = catch_unwind(AssertUnwindSafe(|| {
            format!("{}: {}", meta.target(), Fields::of_event(event).line())
        }));
        if let Ok(line) = line {
            sink(level_number(*meta.level()), &line);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Install catlib's subscriber as the program's global one (once).
fn install() -> CatResult<()> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            tracing::subscriber::set_global_default(CatlibSubscriber)
                .map_err(|e| format!("catlib_set_log_callback: {e} (the program installed one)"))
        })
        .clone()
        .map_err(|m| Failure::new(Status::Unsupported, m))
}

/// Send lines at `level` (1 ERROR … 5 TRACE) and above to `sink`; `None` turns logging off
/// (`level` is then ignored). A level out of range with a sink is `InvalidInput`, and changes
/// nothing. A line already being passed on another thread may still reach the previous sink
/// after this returns.
pub fn set_sink(level: i32, sink: Option<Sink>) -> CatResult<()> {
    let max = match &sink {
        None => 0,
        Some(_) if (1..=5).contains(&level) => level,
        Some(_) => {
            return Err(Failure::new(
                Status::InvalidInput,
                format!(
                    "catlib_set_log_callback: level {level} is not a CATLIB_LOG_* level (1 to 5)"
                ),
            ));
        }
    };
    if sink.is_some() {
        install()?;
    }
    *SINK.lock().unwrap_or_else(|p| p.into_inner()) = sink;
    MAX.store(max, Ordering::Release);
    // The level filter tracing caches per call site follows the new level.
    tracing::callsite::rebuild_interest_cache();
    Ok(())
}
