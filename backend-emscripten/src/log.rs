//! Logging in the browser.
//!
//! crossio's backends emit `tracing` events (targets `crossio::ws`, `crossio::http`,
//! `crossio::task`; the README's "Logging" section lists them), the same on every target. With
//! no subscriber installed they cost one atomic load each and format nothing. To see them:
//!
//! - [`init_console`]: a small subscriber of crossio's own that writes one line per event to the
//!   JS console of the thread that logs (`console.log`; WARN through `console.warn`, ERROR
//!   through `console.error`), or [`ConsoleSubscriber`] to install it yourself;
//! - or any `tracing` subscriber of your choice (`tracing::subscriber::set_global_default`):
//!   set it as the *global* default, because in the worker build events come from pool threads
//!   and the browser's main thread, where a thread-local default (`with_default`) does not
//!   reach.
//!
//! A size-conscious build compiles every event out with tracing's `max_level_off` (or
//! `release_max_level_off`) feature in the final binary's `Cargo.toml`.

use crossio_core::backend::log::Fields;
use crossio_core::{Error, ErrorKind, Result};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::sys::console::{self, Stream};

/// A `tracing` subscriber that writes each event at or above its level to the JS console as
/// `LEVEL target: message field=value …`. Spans are not recorded (crossio's events carry their
/// URL themselves). Usable from any thread.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleSubscriber {
    max: LevelFilter,
}

impl ConsoleSubscriber {
    /// Events at `max` and above (`Level::DEBUG` shows connects, closes and request ends;
    /// `Level::TRACE` adds every message sent and received).
    pub fn new(max: Level) -> Self {
        ConsoleSubscriber {
            max: LevelFilter::from_level(max),
        }
    }
}

impl Subscriber for ConsoleSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        !metadata.is_span() && *metadata.level() <= self.max
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `enabled`); an id is still required.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let line = format!(
            "{} {}: {}",
            meta.level(),
            meta.target(),
            Fields::of_event(event).line()
        );
        let stream = match *meta.level() {
            Level::ERROR => Stream::Error,
            Level::WARN => Stream::Warn,
            _ => Stream::Log,
        };
        console::write(stream, &line);
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// Install [`ConsoleSubscriber::new(max)`](ConsoleSubscriber::new) as the global default
/// subscriber of the program (every thread). `InvalidInput` if a global subscriber is
/// already installed (tracing allows one per program).
pub fn init_console(max: Level) -> Result<()> {
    tracing::subscriber::set_global_default(ConsoleSubscriber::new(max)).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            "init_console: a global tracing subscriber is already installed",
        )
        .with_source(e)
    })
}
