//! HTTP client: [`Http`], [`Request`], [`RequestOptions`], [`Response`], [`Body`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::error::{Error, ErrorKind, Result};
use crate::url::{ParseError, Url};

/// Default number of redirects followed: 20, the fixed limit of browsers' `fetch()` (the
/// Fetch standard), so the default behaves the same on every target.
pub const DEFAULT_MAX_REDIRECTS: usize = 20;

/// What to do with 3xx responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Redirect {
    /// Follow up to `max` redirects; one more fails with [`ErrorKind::Http`]. Browsers cannot
    /// lower their fixed limit of 20: there a `max` below 20 is [`ErrorKind::Unsupported`].
    Follow(usize),
    /// Do not follow: a 3xx is returned as the response (natively). Browsers hide the target
    /// of an unfollowed redirect; see the README's target table.
    None,
}

impl Default for Redirect {
    fn default() -> Self {
        Redirect::Follow(DEFAULT_MAX_REDIRECTS)
    }
}

/// An HTTP content coding: a `Content-Encoding` a response may carry and `Accept-Encoding`
/// may name. Which ones a backend decodes and announces is in
/// [`Capabilities::http_decoded_encodings`](crate::Capabilities::http_decoded_encodings) and
/// [`Capabilities::http_announced_encodings`](crate::Capabilities::http_announced_encodings).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncoding {
    /// `gzip` (RFC 1952).
    Gzip,
    /// `deflate`: the zlib format (RFC 1950), as HTTP means it.
    Deflate,
    /// `br`: Brotli (RFC 7932).
    Br,
    /// `zstd`: Zstandard (RFC 8878).
    Zstd,
}

impl ContentEncoding {
    /// Every coding crossio names, in the order `Accept-Encoding` lists them in browsers.
    pub const ALL: [ContentEncoding; 4] = [
        ContentEncoding::Gzip,
        ContentEncoding::Deflate,
        ContentEncoding::Br,
        ContentEncoding::Zstd,
    ];

    /// The coding's token in `Content-Encoding` and `Accept-Encoding`: `gzip`, `deflate`,
    /// `br`, `zstd`.
    pub fn token(self) -> &'static str {
        match self {
            ContentEncoding::Gzip => "gzip",
            ContentEncoding::Deflate => "deflate",
            ContentEncoding::Br => "br",
            ContentEncoding::Zstd => "zstd",
        }
    }

    /// The coding a token names (ASCII case-insensitive, surrounding whitespace ignored);
    /// `None` for any other token (`identity`, `compress`, …).
    pub fn from_token(token: &str) -> Option<ContentEncoding> {
        let token = token.trim();
        ContentEncoding::ALL
            .into_iter()
            .find(|c| c.token().eq_ignore_ascii_case(token))
    }
}

impl fmt::Display for ContentEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// Per-request options: build them with the setters (`RequestOptions::new().timeout(d)`, or
/// through [`RequestBuilder`]), read them as fields (`opts.timeout`). Each field holds what was
/// set.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// Deadline for the whole exchange, body included; past it the request or the body read fails
    /// with [`ErrorKind::Timeout`]. `None` (the default): no deadline.
    pub timeout: Option<Duration>,
    /// Redirect policy. Default: follow up to [`DEFAULT_MAX_REDIRECTS`].
    pub redirect: Redirect,
    /// Cookies and HTTP credentials for this request. `None` (the default): the client's
    /// [`ClientOptions::credentials`](crate::ClientOptions::credentials).
    pub credentials: Option<crate::Credentials>,
}

impl RequestOptions {
    /// Default options: no deadline, redirects followed up to [`DEFAULT_MAX_REDIRECTS`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Deadline for the whole exchange, body included (see the field).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Redirect policy (see the field).
    pub fn redirect(mut self, redirect: Redirect) -> Self {
        self.redirect = redirect;
        self
    }

    /// Credentials mode of this request (see the field).
    pub fn credentials(mut self, credentials: crate::Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

/// An HTTP request: an [`http::Request`] with a [`Bytes`] body plus [`RequestOptions`].
#[derive(Debug, Clone)]
pub struct Request {
    inner: http::Request<Bytes>,
    options: RequestOptions,
    /// The URL as parsed when the request was checked (its fragment removed, as `http::Uri`
    /// drops it): kept so that no backend parses or formats it again per request.
    url: Url,
}

impl Request {
    /// Start building a request with `method` to `url` (validated at [`RequestBuilder::build`]).
    pub fn builder(method: &str, url: &str) -> RequestBuilder {
        RequestBuilder::new(method, url)
    }

    /// A GET request builder.
    pub fn get(url: &str) -> RequestBuilder {
        RequestBuilder::new("GET", url)
    }

    /// A POST request builder.
    pub fn post(url: &str) -> RequestBuilder {
        RequestBuilder::new("POST", url)
    }

    /// Wrap an existing [`http::Request`]; its URI must be an absolute `http`/`https` URL.
    pub fn from_http(request: http::Request<Bytes>, options: RequestOptions) -> Result<Self> {
        let url = request_url(parse_http_url(&request.uri().to_string())?);
        validate_body(request.method(), request.body())?;
        validate_options(&options)?;
        Ok(Request {
            inner: request,
            options,
            url,
        })
    }

    /// The method.
    pub fn method(&self) -> &Method {
        self.inner.method()
    }

    /// The URL, as checked and normalised when the request was built (no fragment).
    pub fn url(&self) -> String {
        self.url.as_str().to_owned()
    }

    /// The URL as parsed when the request was built (no fragment): its parts for a backend
    /// (scheme, host, port), without parsing the string again.
    pub fn parsed_url(&self) -> &Url {
        &self.url
    }

    /// The request headers, to change (a backend adding its client's default headers).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.inner.headers_mut()
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The request body.
    pub fn body(&self) -> &Bytes {
        self.inner.body()
    }

    /// The options.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// The underlying [`http::Request`] and the options.
    pub fn into_parts(self) -> (http::Request<Bytes>, RequestOptions) {
        (self.inner, self.options)
    }
}

/// GET and HEAD carry no body (browsers refuse to send one); refuse it everywhere.
fn validate_body(method: &Method, body: &Bytes) -> Result<()> {
    if (method == Method::GET || method == Method::HEAD) && !body.is_empty() {
        return Err(Error::invalid_input(format!(
            "a {method} request cannot have a body"
        )));
    }
    Ok(())
}

fn validate_options(o: &RequestOptions) -> Result<()> {
    if o.timeout.is_some_and(|t| t.is_zero()) {
        return Err(Error::invalid_input(
            "request timeout must be greater than zero",
        ));
    }
    Ok(())
}

/// Builds a [`Request`]; every error (bad method, URL, header) is reported by [`build`](Self::build)
/// as [`ErrorKind::InvalidInput`].
#[derive(Debug)]
pub struct RequestBuilder {
    method: String,
    url: String,
    headers: HeaderMap,
    body: Bytes,
    options: RequestOptions,
    error: Option<Error>,
}

impl RequestBuilder {
    fn new(method: &str, url: &str) -> Self {
        RequestBuilder {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            options: RequestOptions::default(),
            error: None,
        }
    }

    /// Append a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if self.error.is_some() {
            return self;
        }
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            (Err(e), _) => {
                self.error = Some(
                    Error::invalid_input(format!("invalid header name {name:?}")).with_source(e),
                )
            }
            (_, Err(e)) => {
                self.error = Some(
                    Error::invalid_input(format!("invalid value for header {name:?}"))
                        .with_source(e),
                )
            }
        }
        self
    }

    /// Set the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Set the timeout for the whole exchange (see [`RequestOptions::timeout`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Set the credentials mode (see [`RequestOptions::credentials`]).
    pub fn credentials(mut self, credentials: crate::Credentials) -> Self {
        self.options.credentials = Some(credentials);
        self
    }

    /// Set the redirect policy.
    pub fn redirect(mut self, redirect: Redirect) -> Self {
        self.options.redirect = redirect;
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Request> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let method = Method::from_bytes(self.method.as_bytes()).map_err(|e| {
            Error::invalid_input(format!("invalid HTTP method {:?}", self.method)).with_source(e)
        })?;
        let url = request_url(parse_http_url(&self.url)?);
        validate_body(&method, &self.body)?;
        let mut req = http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .body(self.body)
            .map_err(|e| {
                Error::invalid_input(format!("invalid request to {:?}", self.url)).with_source(e)
            })?;
        *req.headers_mut() = self.headers;
        validate_options(&self.options)?;
        Ok(Request {
            inner: req,
            options: self.options,
            url,
        })
    }
}

/// A request's URL without its fragment: a fragment is never sent, and `http::Uri` drops it.
fn request_url(mut url: Url) -> Url {
    url.set_fragment(None);
    url
}

/// Parse a `what` URL (`HTTP`, `WebSocket`) whose scheme must be one of `schemes`.
/// `InvalidInput` if it does not parse (with the way out for a host name that is not ASCII:
/// crossio has no Unicode IDNA data) or has another scheme (naming the ones to use).
pub(crate) fn parse_url_of(what: &str, url: &str, schemes: [&str; 2]) -> Result<Url> {
    let other = match Url::parse(url) {
        Ok(parsed) if schemes.contains(&parsed.scheme()) => return Ok(parsed),
        Ok(parsed) => parsed.scheme().to_owned(),
        Err(ParseError::UnsupportedScheme(other)) => other,
        Err(e) => {
            let hint = if e == ParseError::NonAsciiHost {
                ": host names that are not ASCII are refused on every target (crossio carries \
                 no Unicode IDNA data); write the host in its ASCII form (xn--…)"
            } else {
                ""
            };
            return Err(
                Error::invalid_input(format!("invalid {what} URL {url:?}{hint}")).with_source(e),
            );
        }
    };
    let [a, b] = schemes;
    Err(Error::invalid_input(format!(
        "unsupported scheme {other:?} in {url:?}: use {a}:// or {b}://"
    )))
}

/// Parse and check an HTTP URL with crossio's parser ([`Url::parse`]): scheme `http` or
/// `https`, an ASCII host (a host that is not ASCII is refused, the message naming its `xn--`
/// form as the way out), no credentials.
pub fn parse_http_url(url: &str) -> Result<Url> {
    let parsed = parse_url_of("HTTP", url, ["http", "https"])?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // fetch() refuses URLs with credentials; refuse them everywhere (use a header).
        return Err(Error::invalid_input(format!(
            "HTTP URL {url:?} carries credentials: send an Authorization header instead"
        )));
    }
    Ok(parsed)
}

/// How much of a body has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes received so far.
    pub received: u64,
    /// Total size when the server announced it (`Content-Length`).
    pub total: Option<u64>,
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// A response body: a [`Stream`] of chunks, read as they arrive.
///
/// Dropping the body before the end aborts the transfer.
pub struct Body {
    chunks: ChunkStream,
    received: u64,
    total: Option<u64>,
    done: bool,
    /// The response's URL (set by [`Response::new`]), named in the short-body error.
    url: String,
}

impl Body {
    /// Wrap a backend's chunk stream. `total` is the announced length, if any.
    pub fn from_stream(
        chunks: impl Stream<Item = Result<Bytes>> + Send + 'static,
        total: Option<u64>,
    ) -> Self {
        Body {
            chunks: Box::pin(chunks),
            received: 0,
            total,
            done: false,
            url: String::new(),
        }
    }

    /// Bytes received so far and the announced total.
    pub fn progress(&self) -> Progress {
        Progress {
            received: self.received,
            total: self.total,
        }
    }

    /// The next chunk, or `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        self.next().await.transpose()
    }

    /// Read the rest of the body into one buffer.
    pub async fn bytes(mut self) -> Result<Bytes> {
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if first.is_none() && buf.is_empty() {
                first = Some(chunk);
            } else {
                if let Some(f) = first.take() {
                    buf.extend_from_slice(&f);
                }
                buf.extend_from_slice(&chunk);
            }
        }
        Ok(first.unwrap_or_else(|| buf.freeze()))
    }
}

impl Stream for Body {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.chunks.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.received += chunk.len() as u64;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                self.done = true;
                if let Some(total) = self.total {
                    if total != self.received {
                        let msg = format!(
                            "body of {} ended after {} of {total} announced bytes",
                            self.url, self.received
                        );
                        return Poll::Ready(Some(Err(Error::new(ErrorKind::Http, msg))));
                    }
                }
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("progress", &self.progress())
            .finish()
    }
}

/// An HTTP response. 4xx and 5xx statuses are responses, not errors.
#[derive(Debug)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    url: String,
    body: Body,
}

impl Response {
    /// Assemble a response (for backends).
    pub fn new(status: StatusCode, headers: HeaderMap, url: String, mut body: Body) -> Self {
        body.url.clone_from(&url);
        Response {
            status,
            headers,
            url,
            body,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The length of the body as it is read, where the backend can vouch for it: the
    /// announced `Content-Length` of a body that is not content-encoded. `None` for a decoded
    /// body (its decoded length is not announced) and wherever the backend cannot tell whether
    /// the body is encoded (see the README's target table).
    pub fn content_length(&self) -> Option<u64> {
        self.body.total
    }

    /// The body, to read as a stream of chunks.
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.body
    }

    /// Take the body.
    pub fn into_body(self) -> Body {
        self.body
    }

    /// Read the whole body.
    pub async fn bytes(self) -> Result<Bytes> {
        self.body.bytes().await
    }

    /// Read the whole body as UTF-8 text; invalid UTF-8 is [`ErrorKind::Http`].
    pub async fn text(self) -> Result<String> {
        let url = self.url.clone();
        let bytes = self.body.bytes().await?;
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            Error::new(ErrorKind::Http, format!("body of {url} is not UTF-8")).with_source(e)
        })
    }
}

/// Sends HTTP requests.
pub trait Http {
    /// Send `request` and wait for the response head; the body streams afterwards.
    ///
    /// Errors: [`ErrorKind::InvalidInput`] for what the target refuses to send,
    /// [`ErrorKind::Connect`] when the server cannot be reached, [`ErrorKind::Timeout`] past the
    /// request's timeout, [`ErrorKind::Http`] for too many redirects or a malformed response.
    ///
    /// Cancel-safe: dropping the future (or later the body) aborts the request.
    fn send(&self, request: Request) -> impl Future<Output = Result<Response>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_url_is_the_uri_sent() {
        for u in [
            "http://127.0.0.1:8080/bytes/1024",
            "HTTP://Example.COM",
            "https://example.com:443/a/../b?q=1&r=%20#frag",
            "http://[::1]:9/x y",
            "http://0x7f.1/",
        ] {
            let r = Request::get(u).build().expect(u);
            assert_eq!(r.url(), r.inner.uri().to_string(), "{u}");
            assert_eq!(r.url(), r.parsed_url().as_str(), "{u}");
            assert_eq!(r.parsed_url().fragment(), None, "{u}");
            let again =
                Request::from_http(r.clone().into_parts().0, RequestOptions::new()).expect(u);
            assert_eq!(again.url(), r.url(), "{u}");
        }
    }

    #[test]
    fn builder_reports_bad_input() {
        assert!(Request::get("http://127.0.0.1:1/").build().is_ok());
        let cases = [
            Request::get("127.0.0.1/x").build(),
            Request::get("ftp://127.0.0.1/").build(),
            Request::builder("BAD METHOD", "http://127.0.0.1/").build(),
            Request::get("http://127.0.0.1/")
                .header("bad name", "v")
                .build(),
            Request::get("http://127.0.0.1/")
                .header("x", "a\r\nb")
                .build(),
            Request::get("http://127.0.0.1/")
                .timeout(Duration::ZERO)
                .build(),
            Request::get("http://127.0.0.1/").body("x").build(),
            Request::get("http://user:pw@127.0.0.1/").build(),
        ];
        for c in cases {
            assert_eq!(c.unwrap_err().kind(), ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn body_checks_announced_length() {
        let chunks = futures_util::stream::iter(vec![Ok(Bytes::from_static(b"abc"))]);
        let body = Body::from_stream(chunks, Some(5));
        let err = futures_util::FutureExt::now_or_never(body.bytes())
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Http);
    }
}
