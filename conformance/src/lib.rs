//! # crossio-conformance
//!
//! One list of test cases, written once as async functions over the crossio traits, run against
//! every backend: natively as named tests under `cargo test` (`tests/native.rs`), and in headless
//! browsers by the emscripten runner (`src/bin/browser.rs`), with the same names and the same
//! assertions.
//!
//! Each case gets a backend and an [`Env`] naming the test server's ports; it returns
//! `Ok(())` or `Err(reason)`. Cases never rely on a panic to fail, so a browser run reports the
//! reason and goes on; a panicking case is caught by the runner and reported as failed.
#![forbid(unsafe_code)]

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::Duration;

use crossio_core::Backend;
use futures_util::FutureExt;

mod bad_input_cases;
pub mod bench;
mod cancel_cases;
mod check;
mod client_cases;
mod cookie_cases;
mod fault_cases;
mod http_cases;
mod lifecycle_cases;
mod log_cases;
mod proxy_cases;
pub mod soak;
mod spawn_cases;
mod ws_cases;

#[cfg(target_os = "emscripten")]
pub mod browser;
#[cfg(not(target_os = "emscripten"))]
pub mod faults;
#[cfg(not(target_os = "emscripten"))]
pub mod page_server;
#[cfg(not(target_os = "emscripten"))]
pub mod proxy_server;
#[cfg(not(target_os = "emscripten"))]
pub mod server;
mod tls_cases;
#[cfg(not(target_os = "emscripten"))]
pub mod tls_server;

/// Where the test server listens, and how to observe the event loop.
#[derive(Debug, Clone)]
pub struct Env {
    /// Port of the HTTP endpoints on 127.0.0.1.
    pub http_port: u16,
    /// Port of the WebSocket endpoints on 127.0.0.1.
    pub ws_port: u16,
    /// A port on 127.0.0.1 where nothing listens (connections are refused).
    pub closed_port: u16,
    /// Port of the fault server on 127.0.0.1 (misbehaving HTTP and WebSocket peers).
    pub fault_port: u16,
    /// Port of the page's own origin on 127.0.0.1: in a browser, the page server that served
    /// the runner (same-origin requests); natively and in Node.js (no page), the test server's
    /// second HTTP port. It answers every HTTP endpoint of the test server.
    pub page_port: u16,
    /// Port of the test server's counting HTTP proxy on 127.0.0.1 (0 where not given: the
    /// browser runs, whose proxy cases only assert `Unsupported`).
    pub proxy_port: u16,
    /// Port of the test server's refusing HTTP proxy on 127.0.0.1 (0 where not given).
    pub refusing_proxy_port: u16,
    /// Ticks of a heartbeat running every 10 ms on the page's main thread (natively: on a
    /// thread of its own). It stops advancing while that thread is blocked.
    pub heartbeat: fn() -> u64,
    /// The longest time the heartbeat went without a tick since the previous call (a gap
    /// still open at the call counts up to it); each call starts a new window (zero where
    /// there is no heartbeat).
    pub heartbeat_max_gap: fn() -> Duration,
    /// Builds the backend under test twice, with zero async worker threads and with zero
    /// blocking threads, and returns both results (each must be `InvalidInput`). The runner
    /// names the backend's builder, so the cases need not.
    pub zero_pool_builds: fn() -> [crossio_core::Result<()>; 2],
    /// The connection tag [`Env::ws`] adds to WebSocket URLs (`tag=T`) so that the test server
    /// records how each connection ended; [`run_case`] sets a fresh one per case and then checks
    /// those records (see [`expected_unclean_ws_ends`]). Empty: no tag is added.
    pub ws_tag: String,
    /// The test server's TLS listeners and the PEM texts that go with them.
    pub tls: TlsEnv,
}

/// The test server's TLS listeners (every HTTP and WebSocket endpoint over TLS, see the
/// server's `tls_server` module) and the PEM texts of its test CA and client identity.
#[derive(Debug, Clone, Default)]
pub struct TlsEnv {
    /// Port with a certificate (for `127.0.0.1` and `localhost`) from the test CA.
    pub port: u16,
    /// Port with the same certificate that requires a client certificate from the test CA.
    pub mtls_port: u16,
    /// Port with a certificate from a second CA that nobody is told to trust.
    pub untrusted_port: u16,
    /// The test CA's certificate.
    pub ca_pem: String,
    /// A client certificate issued by the test CA.
    pub client_cert_pem: String,
    /// Its private key (PKCS#8 PEM).
    pub client_key_pem: String,
    /// A client certificate from the untrusted CA: the `mtls` port refuses it, and it does not
    /// match `client_key_pem`.
    pub other_cert_pem: String,
    /// base64 of the SHA-256 of the trusted server certificate's SubjectPublicKeyInfo (for
    /// Chromium's `--ignore-certificate-errors-spki-list`); empty in the browser runner.
    pub server_spki_sha256: String,
}

impl Env {
    /// `https://127.0.0.1:{port}{path}` (`port`: one of [`TlsEnv`]'s).
    pub fn https(&self, port: u16, path: &str) -> String {
        format!("https://127.0.0.1:{port}{path}")
    }

    /// `wss://127.0.0.1:{port}{path}`, tagged as [`Env::ws`] does.
    pub fn wss(&self, port: u16, path: &str) -> String {
        let url = format!("wss://127.0.0.1:{port}{path}");
        if self.ws_tag.is_empty() || path.contains("tag=") {
            return url;
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{url}{sep}tag={}", self.ws_tag)
    }

    /// `http://127.0.0.1:{http_port}{path}`
    pub fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    /// `http://127.0.0.1:{fault_port}{path}`
    pub fn fault_http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.fault_port)
    }

    /// `ws://127.0.0.1:{fault_port}{path}`
    pub fn fault_ws(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.fault_port)
    }

    /// `http://127.0.0.1:{page_port}{path}`: the page's own origin (see [`Env::page_port`]).
    pub fn page(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.page_port)
    }

    /// `http://127.0.0.1:{proxy_port}`: the counting proxy.
    pub fn proxy(&self) -> String {
        format!("http://127.0.0.1:{}", self.proxy_port)
    }

    /// `ws://127.0.0.1:{ws_port}{path}`, with `tag=`[`Env::ws_tag`] added to the query unless
    /// the tag is empty or `path` carries a tag of its own.
    pub fn ws(&self, path: &str) -> String {
        let url = format!("ws://127.0.0.1:{}{path}", self.ws_port);
        if self.ws_tag.is_empty() || path.contains("tag=") {
            return url;
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{url}{sep}tag={}", self.ws_tag)
    }
}

/// The result of one case: `Err` carries the reason it failed.
pub type CaseResult = Result<(), String>;

/// A running case.
pub type CaseFuture = Pin<Box<dyn Future<Output = CaseResult> + Send>>;

/// Which trait a case exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `Spawner`.
    Spawn,
    /// `Transport`.
    Transport,
    /// `Http`.
    Http,
}

/// One named test case.
pub struct Case<B> {
    /// Stable name, the same on every target.
    pub name: &'static str,
    /// The trait it exercises.
    pub area: Area,
    /// Run it.
    pub run: fn(B, Env) -> CaseFuture,
}

macro_rules! cases {
    ($($area:ident : $module:ident :: $name:ident),* $(,)?) => {
        vec![$(Case {
            name: stringify!($name),
            area: Area::$area,
            run: |b: B, e: Env| -> CaseFuture { Box::pin($module::$name(b, e)) },
        }),*]
    };
}

/// Every case, in a stable order.
pub fn cases<B: Backend>() -> Vec<Case<B>> {
    let mut all = spawn_and_ws_cases();
    all.extend(http_and_fault_cases());
    all.extend(bad_input_and_cancel_cases());
    all
}

/// The `Spawner` cases, then the WebSocket ones.
fn spawn_and_ws_cases<B: Backend>() -> Vec<Case<B>> {
    cases![
        Spawn: spawn_cases::spawn_join_returns_value,
        Spawn: spawn_cases::spawn_many_tasks_all_join,
        Spawn: spawn_cases::spawn_abort_is_cancelled,
        Spawn: spawn_cases::spawn_panic_is_join_error,
        Spawn: spawn_cases::join_handle_reports_finished,
        Spawn: spawn_cases::spawn_local_runs_non_send_future,
        Spawn: spawn_cases::spawn_local_panic_is_join_error,
        Spawn: spawn_cases::spawn_blocking_returns_value,
        Spawn: spawn_cases::spawn_blocking_panic_is_join_error,
        Spawn: spawn_cases::sleep_lasts_at_least_its_duration,
        Spawn: spawn_cases::sleeps_run_concurrently,
        Spawn: spawn_cases::timeout_fires_on_slow_future,
        Spawn: spawn_cases::timeout_passes_fast_future,
        Spawn: spawn_cases::sleep_keeps_event_loop_responsive,
        Spawn: spawn_cases::self_waking_task_does_not_starve_the_page,
        Spawn: spawn_cases::block_on_keeps_event_loop_responsive,
        Spawn: spawn_cases::block_on_inside_a_task_is_unsupported,
        Transport: ws_cases::ws_echo_text,
        Transport: ws_cases::ws_echo_text_utf8_exact,
        Transport: ws_cases::ws_echo_binary,
        Transport: ws_cases::ws_echo_empty_messages,
        Transport: ws_cases::ws_echo_binary_1mib,
        Transport: ws_cases::ws_1000_messages_in_order,
        Transport: ws_cases::ws_echo_after_delay,
        Transport: ws_cases::ws_concurrent_connections_echo,
        Transport: ws_cases::ws_split_halves_work_concurrently,
        Transport: ws_cases::ws_client_close_with_code_and_reason,
        Transport: ws_cases::ws_server_close_seen_with_code_and_reason,
        Transport: ws_cases::ws_server_sends_n_then_closes,
        Transport: ws_cases::ws_subprotocol_negotiated,
        Transport: ws_cases::ws_custom_header,
        Transport: ws_cases::ws_connect_refused_is_connect_error,
        Transport: ws_cases::ws_connect_timeout_is_timeout,
        Transport: ws_cases::ws_bad_url_is_invalid_input,
        Transport: ws_cases::ws_unsupported_scheme_is_invalid_input,
        Transport: ws_cases::ws_invalid_header_is_invalid_input,
        Transport: ws_cases::ws_invalid_options_are_invalid_input,
        Transport: ws_cases::ws_forbidden_close_codes_are_invalid_input,
        Transport: ws_cases::ws_close_reason_over_123_bytes_is_invalid_input,
        Transport: ws_cases::ws_send_after_close_is_closed,
        Transport: ws_cases::ws_message_over_max_size_is_capacity,
        Transport: ws_cases::ws_send_after_server_close_is_closed,
        Transport: ws_cases::ws_slow_reader_is_bounded,
        Transport: ws_cases::ws_32mib_through_split_halves_with_back_pressure,
        Transport: ws_cases::ws_50_connections_x_100_messages_leave_nothing_alive,
        Transport: lifecycle_cases::ws_peer_close_is_answered_with_its_code,
        Transport: lifecycle_cases::ws_drop_closes_cleanly_seen_by_server,
        Transport: lifecycle_cases::ws_close_with_code_and_reason_seen_by_server,
        Transport: lifecycle_cases::ws_close_waits_for_peer_close,
        Transport: lifecycle_cases::ws_close_times_out_when_peer_never_answers,
        Transport: lifecycle_cases::ws_close_with_cancelled_midway_still_closes,
        Transport: lifecycle_cases::ws_idle_timeout_fails_silent_peer,
        Transport: lifecycle_cases::ws_keepalive_keeps_quiet_connection_open,
    ]
}

/// The HTTP cases, then the fault-server ones.
fn http_and_fault_cases<B: Backend>() -> Vec<Case<B>> {
    cases![
        Http: http_cases::http_get_text,
        Http: http_cases::http_post_echoes_body,
        Http: http_cases::http_put_echoes_body,
        Http: http_cases::http_delete_is_sent,
        Http: http_cases::http_patch_echoes_body,
        Http: http_cases::http_headers_round_trip,
        Http: http_cases::http_404_is_a_response,
        Http: http_cases::http_500_is_a_response,
        Http: http_cases::http_body_1mib_exact,
        Http: http_cases::http_content_length_and_progress,
        Http: http_cases::http_streamed_body_arrives_before_the_end,
        Http: http_cases::http_content_encoding_gzip,
        Http: http_cases::http_content_encoding_deflate,
        Http: http_cases::http_content_encoding_br,
        Http: http_cases::http_content_encoding_zstd,
        Http: client_cases::client_default_headers_are_sent,
        Http: client_cases::client_default_request_timeout_applies,
        Http: client_cases::client_credentials_modes_are_sent,
        Http: client_cases::client_options_bad_input_and_target_limits,
        Http: log_cases::log_events_reach_a_subscriber,
        Http: tls_cases::tls_https_trusted_via_added_root_is_ok,
        Transport: tls_cases::tls_wss_trusted_via_added_root_is_ok,
        Http: tls_cases::tls_untrusted_https_is_connect_error_naming_tls,
        Transport: tls_cases::tls_untrusted_wss_is_connect_error_naming_tls,
        Http: tls_cases::tls_mtls_client_certificate_is_presented,
        Http: tls_cases::tls_bad_pem_is_invalid_input,
        Http: cookie_cases::client_cookies_omit_sends_and_keeps_none,
        Http: cookie_cases::client_cookies_same_origin_reach_only_the_page_origin,
        Http: cookie_cases::client_cookies_include_reach_other_origins_with_cors,
        Http: cookie_cases::client_cookie_store_off_is_the_default,
        Http: proxy_cases::client_proxy_explicit_carries_http_and_ws,
        Http: proxy_cases::client_proxy_env_vars_and_no_proxy_are_honoured,
        Http: proxy_cases::client_proxy_refused_is_connect_error_naming_it,
        Http: http_cases::http_cors_refusal_is_connect_error_naming_cors,
        Http: http_cases::http_timeout_is_timeout,
        Http: http_cases::http_redirects_followed,
        Http: http_cases::http_redirects_limited,
        Http: http_cases::http_redirect_not_followed,
        Http: http_cases::http_connect_refused_is_connect_error,
        Http: http_cases::http_bad_url_is_invalid_input,
        Http: http_cases::http_url_normalised_as_sent,
        Http: http_cases::http_invalid_header_is_invalid_input,
        Http: http_cases::http_invalid_method_is_invalid_input,
        Http: http_cases::http_32_concurrent_requests,
        Http: http_cases::http_dropped_requests_are_aborted,
        Http: http_cases::http_slow_read_64mib_is_bounded,
        Http: http_cases::http_small_body_arrives_ahead_of_the_reader,
        Http: http_cases::http_body_read_to_its_length_keeps_the_connection,
        Http: http_cases::http_forbidden_header_in_browsers_is_unsupported,
        Http: fault_cases::fault_http_reset_before_response_is_connect_error,
        Http: fault_cases::fault_http_bad_status_line_is_connect_error,
        Http: fault_cases::fault_http_body_shorter_than_content_length_is_http_error,
        Http: fault_cases::fault_http_chunked_body_without_last_chunk_is_http_error,
        Http: fault_cases::fault_http_connection_closed_mid_chunk_is_http_error,
        Http: fault_cases::fault_http_stall_before_head_is_timeout,
        Http: fault_cases::fault_http_stall_mid_body_is_timeout,
        Http: fault_cases::fault_http_redirect_loop_fails,
        Http: fault_cases::fault_http_64kib_of_response_headers_are_read,
        Transport: fault_cases::fault_ws_invalid_utf8_text_fails_the_connection,
        Transport: fault_cases::fault_ws_reserved_opcode_fails_the_connection,
        Transport: fault_cases::fault_ws_illegal_close_code_fails_the_connection,
        Transport: fault_cases::fault_ws_legal_close_codes_are_surfaced,
        Transport: fault_cases::fault_ws_ping_flood_is_absorbed,
        Transport: fault_cases::fault_ws_reset_after_a_message_is_closed,
        Transport: fault_cases::fault_ws_handshake_refused_is_connect_error,
        Transport: fault_cases::fault_ws_dropped_before_handshake_is_connect_error,
    ]
}

/// The bad-input cases, then the cancellation ones.
fn bad_input_and_cancel_cases<B: Backend>() -> Vec<Case<B>> {
    cases![
        Transport: bad_input_cases::bad_ws_close_reason_with_nul_is_invalid_input,
        Transport: bad_input_cases::bad_ws_duplicate_subprotocols_are_invalid_input,
        Transport: bad_input_cases::bad_ws_double_close_is_closed,
        Transport: bad_input_cases::bad_ws_recv_after_close_ends_the_stream,
        Transport: bad_input_cases::bad_ws_tiny_connect_timeout_is_timeout,
        Transport: bad_input_cases::bad_ws_huge_limits_are_accepted,
        Transport: bad_input_cases::bad_ws_lifecycle_options_are_invalid_input,
        Transport: bad_input_cases::bad_send_into_split_sink_after_close_is_closed,
        Transport: bad_input_cases::bad_no_subprotocol_offered_gives_none,
        Http: bad_input_cases::bad_http_get_with_body_is_invalid_input,
        Http: bad_input_cases::bad_http_url_with_credentials_is_invalid_input,
        Http: bad_input_cases::bad_internationalised_host_is_invalid_input,
        Http: bad_input_cases::bad_http_zero_timeout_is_invalid_input,
        Http: bad_input_cases::bad_http_tiny_timeout_is_timeout,
        Http: bad_input_cases::bad_http_huge_timeout_is_accepted,
        Spawn: bad_input_cases::bad_spawn_huge_durations_do_not_overflow,
        Spawn: bad_input_cases::bad_zero_pool_size_is_invalid_input,
        Spawn: bad_input_cases::bad_join_after_abort_of_finished_task_is_its_value,
        Spawn: bad_input_cases::bad_dropped_spawn_blocking_handle_still_runs_the_job,
        Transport: cancel_cases::cancel_connect_mid_handshake_frees_the_socket,
        Transport: cancel_cases::cancel_recv_loses_no_message,
        Transport: cancel_cases::cancel_task_holding_a_connection_frees_it,
        Http: cancel_cases::cancel_fetch_and_body_reads_free_everything,
        Spawn: cancel_cases::cancel_sleeps_and_timeouts_leave_the_executor_healthy,
        Transport: cancel_cases::cancel_sink_send_midway_keeps_order,
    ]
}

/// The decoded body of every `/compressed/...` route: 32 KiB of text that compresses well, so
/// the compressed length differs from it by far.
pub fn compressed_text() -> String {
    "crossio compressed body\n".repeat(1366)
}

/// Cases whose purpose is to abort WebSocket connections opened through [`Env::ws`], with how
/// many of them the test server must see end without the client's close frame. Empty today:
/// the cases that break connections on purpose do it on the fault server's port, whose sockets
/// are not recorded, and every case on the main WebSocket port, cancellations and drops
/// included, ends its connections cleanly on every target (measured in every run).
pub const ABORTING_CASES: &[(&str, usize)] = &[];

/// How many of a case's WebSocket connections (those opened through [`Env::ws`] with the
/// case's tag) may end, as the test server sees them, without the client's close frame:
/// zero except for [`ABORTING_CASES`].
pub fn expected_unclean_ws_ends(case: &str) -> usize {
    ABORTING_CASES
        .iter()
        .find(|(name, _)| *name == case)
        .map_or(0, |&(_, n)| n)
}

/// Run one case to completion with an overall deadline, catching panics; then, if it passed,
/// check from the test server's side that its WebSocket connections ended with the client's
/// close frame (all but [`expected_unclean_ws_ends`] of them).
pub async fn run_case<B: Backend>(
    case: &Case<B>,
    backend: B,
    mut env: Env,
    deadline: Duration,
) -> CaseResult {
    env.ws_tag = lifecycle_cases::tag(case.name);
    let fut = (case.run)(backend.clone(), env.clone());
    let guarded = AssertUnwindSafe(fut).catch_unwind();
    match backend.timeout(deadline, guarded).await {
        Err(_) => Err(format!("did not finish within {deadline:?}")),
        Ok(Err(panic)) => Err(format!(
            "panicked: {}",
            crossio_core::backend::panic_message(&*panic)
        )),
        Ok(Ok(r)) => r,
    }?;
    let expected = expected_unclean_ws_ends(case.name);
    lifecycle_cases::check_ws_ends(&backend, &env, expected).await
}

/// Counts of a suite run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
}

/// Run the cases whose name `select` accepts, one after another, printing `start NAME`, then
/// `test NAME ... ok` or `test NAME ... FAILED: reason`; the caller prints the closing
/// `N passed, N failed` line after any diagnostics of its own. This is the browser runner's
/// output format; the native runner uses libtest instead.
pub async fn run_suite<B: Backend>(
    backend: B,
    env: Env,
    select: impl Fn(&Case<B>) -> bool,
    out: impl Fn(&str),
) -> Summary {
    let mut summary = Summary::default();
    for case in cases::<B>().iter().filter(|c| select(c)) {
        out(&format!("start {}", case.name));
        match run_case(case, backend.clone(), env.clone(), Duration::from_secs(60)).await {
            Ok(()) => {
                summary.passed += 1;
                out(&format!("test {} ... ok", case.name));
            }
            Err(reason) => {
                summary.failed += 1;
                out(&format!(
                    "test {} ... FAILED: {}",
                    case.name,
                    reason.replace('\n', " | ")
                ));
            }
        }
    }
    summary
}
