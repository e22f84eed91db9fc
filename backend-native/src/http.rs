//! `Http` on reqwest.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use crossio_core::{Body, Credentials, Error, Http, Redirect, Request, Response, Result};
use futures_core::Stream;
use futures_util::StreamExt;
use tracing::Instrument;

use crate::NativeBackend;
use crate::error;
use crate::spawn::on_runtime;
use crossio_core::backend::log::BodyLog;

impl NativeBackend {
    /// The reqwest client for `redirect`, with the cookie jar (if the options keep one) unless
    /// `credentials` is `Omit`.
    fn client(&self, redirect: Redirect, credentials: Credentials) -> Result<reqwest::Client> {
        let jar = self
            .client
            .jar
            .as_ref()
            .filter(|_| credentials != Credentials::Omit);
        let key = (redirect, jar.is_some());
        let mut clients = self
            .client
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = clients.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let policy = match redirect {
            Redirect::Follow(max) => reqwest::redirect::Policy::limited(max),
            Redirect::None => reqwest::redirect::Policy::none(),
        };
        let options = &self.client.options;
        let decompress = options.decompress;
        let tls = self.client.tls()?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls.http.clone())
            .redirect(policy)
            .no_proxy()
            .default_headers(options.default_headers.clone())
            .gzip(decompress)
            .brotli(decompress)
            .zstd(decompress)
            .deflate(decompress);
        if let Some(proxy) = self.client.proxy()? {
            builder = builder.proxy(crate::proxy::reqwest_proxy(proxy));
        }
        if let Some(jar) = jar {
            builder = builder.cookie_provider(jar.clone());
        }
        if let Some(ua) = &options.user_agent {
            builder = builder.user_agent(ua.as_str());
        }
        if let Some(t) = options.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        let client = builder.build().map_err(|e| {
            Error::new(crossio_core::ErrorKind::Io, "building the HTTP client").with_source(e)
        })?;
        clients.push((key, client.clone()));
        Ok(client)
    }
}

impl NativeBackend {
    /// The proxy (without credentials) a request to `url` goes through, if any.
    fn proxy_for(&self, url: &str) -> Option<String> {
        let config = self.client.proxy().ok()??;
        let url = crossio_core::Url::parse(url).ok()?;
        config.proxy_for(&url).map(crate::proxy::display)
    }
}

static LIVE_REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// HTTP requests of the native backend currently alive: from `send` until the body is read to
/// its end, fails, or is dropped (the `send` future or the response). For leak checks.
pub fn live_requests() -> usize {
    LIVE_REQUESTS.load(Ordering::SeqCst)
}

/// Counts one live request while it exists.
struct LiveRequest;

impl LiveRequest {
    fn new() -> Self {
        LIVE_REQUESTS.fetch_add(1, Ordering::SeqCst);
        LiveRequest
    }
}

impl Drop for LiveRequest {
    fn drop(&mut self) {
        LIVE_REQUESTS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A body stream that keeps its request counted until the stream ends, fails, or is dropped,
/// and logs how it ended.
struct Counted<S> {
    chunks: S,
    live: Option<LiveRequest>,
    log: BodyLog,
}

impl<S: Stream<Item = Result<Bytes>> + Unpin> Stream for Counted<S> {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = std::task::ready!(self.chunks.poll_next_unpin(cx));
        match &item {
            Some(Ok(chunk)) => self.log.add(chunk.len()),
            Some(Err(e)) => self.log.failed(e),
            None => self.log.ended(),
        }
        if !matches!(item, Some(Ok(_))) {
            self.live = None;
        }
        Poll::Ready(item)
    }
}

impl<S> Drop for Counted<S> {
    fn drop(&mut self) {
        if self.live.is_some() {
            self.log.dropped();
        }
    }
}

impl Http for NativeBackend {
    fn send(&self, request: Request) -> impl Future<Output = Result<Response>> + Send {
        // Not an async block around `send_request`: no second copy of its future.
        let span = crossio_core::backend::log::http_span(&request);
        self.send_request(request).instrument(span)
    }
}

impl NativeBackend {
    async fn send_request(&self, request: Request) -> Result<Response> {
        let live = LiveRequest::new();
        // The URL as crossio's parser wrote it when the request was built: reqwest reads that
        // string (already normalised, so its own parser takes it as it is).
        let url = request.parsed_url().as_str().to_owned();
        let (req, options) = request.into_parts();
        let log = BodyLog::request(req.method(), &url);
        let credentials = options
            .credentials
            .unwrap_or(self.client.options.credentials);
        let client = self
            .client(options.redirect, credentials)
            .map_err(|e| log.failed_ref(e))?;
        let (parts, body) = req.into_parts();
        let mut builder = client
            .request(parts.method, url.as_str())
            .headers(parts.headers);
        if !body.is_empty() {
            builder = builder.body(body);
        }
        // The request's own deadline wins over the client's default.
        if let Some(t) = options.timeout.or(self.client.options.request_timeout) {
            builder = builder.timeout(t);
        }
        let request = builder
            .build()
            .map_err(|e| log.failed_ref(error::http(&url, e)))?;
        let fut = client.execute(request);
        let mut resp = on_runtime(self, fut)
            .await
            .and_then(|r| r.map_err(|e| error::http_via(&url, self.proxy_for(&url).as_deref(), e)))
            .map_err(|e| log.failed_ref(e))?;
        let status = resp.status();
        let total = resp.content_length();
        // Moved out, not cloned: the response's own copy is not read again.
        let headers = std::mem::take(resp.headers_mut());
        let final_url = resp.url().as_str().to_owned();
        let body_url = final_url.clone();
        let chunks = resp
            .bytes_stream()
            .map(move |r| r.map_err(|e| error::http(&body_url, e)));
        let chunks = Counted {
            chunks,
            live: Some(live),
            log: log.response(status.as_u16()),
        };
        Ok(Response::new(
            status,
            headers,
            final_url,
            Body::from_stream(chunks, total),
        ))
    }
}
