//! The page server: what `ci/browser-run.sh` opens a page (linked with `--emrun`) from, in
//! place of emrun, so that the page's own origin answers the test server's HTTP endpoints
//! (the cookie cases need same-origin requests).
//!
//! On 127.0.0.1:PORT it
//! - serves the files of one directory (`GET /NAME`) with `Cross-Origin-Opener-Policy:
//!   same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (cross-origin isolation, for
//!   `SharedArrayBuffer`), as emrun does;
//! - takes the page's output as emrun's post-js sends it (`POST /stdio.html` with
//!   `^out^SEQ^TEXT`, `^err^SEQ^TEXT`, `^pageload^`, `^exit^CODE`): lines are printed in
//!   sequence order (stdout and stderr), and `^exit^CODE` ends [`run`] with that code;
//! - answers every other request as the test server's HTTP port does (see
//!   [`crate::server`]).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

type Body = BoxBody<Bytes, Infallible>;

/// How long a gap in the sequence of output lines is waited for before the lines after it
/// are printed anyway (a lost request must not hold back the log).
const GAP_WAIT: Duration = Duration::from_secs(2);

/// Output lines waiting for their turn.
struct Stdio {
    next: u64,
    pending: BTreeMap<u64, (bool, String)>,
    progress: Instant,
}

impl Stdio {
    fn print(is_err: bool, text: &str) {
        if is_err {
            let _ = writeln!(std::io::stderr(), "{text}");
        } else {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
    }

    /// Print the lines whose turn it is; with `skip_gaps`, also those after a missing one.
    fn flush(&mut self, skip_gaps: bool) {
        loop {
            let Some((&seq, _)) = self.pending.first_key_value() else {
                return;
            };
            if seq != self.next && !skip_gaps {
                return;
            }
            if let Some((is_err, text)) = self.pending.remove(&seq) {
                Self::print(is_err, &text);
            }
            self.next = seq + 1;
            self.progress = Instant::now();
        }
    }
}

struct State {
    dir: PathBuf,
    stdio: Mutex<Stdio>,
    exit: mpsc::UnboundedSender<i32>,
}

fn lock(m: &Mutex<Stdio>) -> std::sync::MutexGuard<'_, Stdio> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Serve `dir` on 127.0.0.1:`port` until the page posts `^exit^CODE`; returns `CODE`.
pub fn run(dir: PathBuf, port: u16) -> std::io::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let (exit, mut exited) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            dir,
            stdio: Mutex::new(Stdio {
                next: 1,
                pending: BTreeMap::new(),
                progress: Instant::now(),
            }),
            exit,
        });
        let ticker = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let mut s = lock(&ticker.stdio);
                if !s.pending.is_empty() && s.progress.elapsed() > GAP_WAIT {
                    s.flush(true);
                }
            }
        });
        tokio::spawn(accept(listener, state.clone()));
        let code = exited.recv().await.unwrap_or(1);
        lock(&state.stdio).flush(true);
        // Let the answer to the exit message go out.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(code)
    })
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, state.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn full(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()).boxed());
    *r.status_mut() = status;
    r
}

async fn handle(
    req: http::Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Body>, Infallible> {
    if req.method() == Method::POST && req.uri().path() == "/stdio.html" {
        return Ok(stdio(req, &state).await);
    }
    if req.method() == Method::GET {
        if let Some(file) = file_path(&state.dir, req.uri().path()) {
            if let Ok(bytes) = tokio::fs::read(&file).await {
                return Ok(serve_file(&file, bytes));
            }
        }
    }
    crate::server::handle_http(req).await
}

/// The file under `dir` that `path` names; `None` for anything but plain names below it.
fn file_path(dir: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !path.ends_with('/') && rel.components().next().is_some()).then(|| dir.join(rel))
}

fn serve_file(file: &Path, bytes: Vec<u8>) -> Response<Body> {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mime = match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css",
        _ => "application/octet-stream",
    };
    let mut r = full(StatusCode::OK, bytes);
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static(mime));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-embedder-policy",
        HeaderValue::from_static("require-corp"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    r
}

/// emrun's output protocol (see the module docs).
async fn stdio(req: http::Request<Incoming>, state: &State) -> Response<Body> {
    let ok = full(StatusCode::OK, "OK");
    if req.uri().query().is_some_and(|q| q.starts_with("file=")) {
        return ok; // file dumps are not kept
    }
    let Ok(body) = req.into_body().collect().await else {
        return full(StatusCode::BAD_REQUEST, "body");
    };
    let raw = String::from_utf8_lossy(&body.to_bytes()).into_owned();
    if let Some(code) = raw.strip_prefix("^exit^") {
        let _ = state.exit.send(code.trim().parse().unwrap_or(1));
        return ok;
    }
    let (is_err, rest) = match (raw.strip_prefix("^out^"), raw.strip_prefix("^err^")) {
        (Some(rest), _) => (false, rest),
        (_, Some(rest)) => (true, rest),
        _ => return ok, // ^pageload^ and anything else
    };
    let Some((seq, text)) = rest.split_once('^') else {
        return ok;
    };
    let text = decode(text);
    let mut s = lock(&state.stdio);
    match seq.parse::<u64>() {
        Ok(seq) => {
            s.pending.insert(seq, (is_err, text));
            s.flush(false);
        }
        Err(_) => Stdio::print(is_err, &text),
    }
    ok
}

/// `encodeURIComponent`'s text back (`+` as a space, as emrun reads it).
fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
