//! Client-wide configuration: what a C API or an application sets once at start-up instead of
//! on every request.

use std::time::Duration;

use http::HeaderMap;

use crate::error::{Error, Result};
use crate::proxy::Proxy;

/// Which cookies and HTTP credentials a request carries, as `fetch()`'s `credentials` mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// Never send or store cookies and HTTP credentials.
    Omit,
    /// Only for requests to the page's own origin (`fetch()`'s default). Natively, where there
    /// is no page, every request counts as same-origin: with
    /// [`ClientOptions::cookie_store`] on, cookies are sent and stored as for
    /// [`Include`](Self::Include); without it there are none. Node.js keeps no cookies.
    #[default]
    SameOrigin,
    /// For every request, cross-origin included (the server must answer CORS with
    /// credentials: a named origin and `Access-Control-Allow-Credentials: true`). Natively:
    /// cookies sent and stored with [`ClientOptions::cookie_store`] on, none without it.
    Include,
}

/// Client-wide options of a backend, set once (see [`Configure::with_client_options`]). Build
/// them with the setters, read them as fields; each field holds what was set. Where a target
/// cannot honour an option, applying it fails with [`ErrorKind::Unsupported`](crate::ErrorKind)
/// (see the README's target table).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Headers added to every HTTP request that does not set them itself, and natively to
    /// every WebSocket handshake (browsers cannot put headers on a handshake). Default: none.
    pub default_headers: HeaderMap,
    /// The `User-Agent` natively. `None`: reqwest's default is not sent, no `User-Agent` at
    /// all. Browsers send their own, fixed: setting it there is `Unsupported`.
    pub user_agent: Option<String>,
    /// Deadline for the TCP (and TLS) connection of an HTTP request natively. `None`: none.
    /// Browsers expose no connect phase: `Unsupported` there.
    pub connect_timeout: Option<Duration>,
    /// Deadline for every HTTP request that sets none itself (a request's own timeout wins).
    /// `None` (the default): no deadline.
    pub request_timeout: Option<Duration>,
    /// Cookies and HTTP credentials for requests that do not choose (see [`Credentials`]).
    pub credentials: Credentials,
    /// Decode compressed responses (gzip, br, zstd, deflate) and send `Accept-Encoding` as
    /// browsers do. Default: true. Browsers decode by themselves, the codings each knows
    /// ([`Capabilities::http_decoded_encodings`](crate::Capabilities::http_decoded_encodings)):
    /// `false` is `Unsupported` there.
    pub decompress: bool,
    /// The proxy natively, for HTTP requests and WebSocket connections alike (see [`Proxy`]).
    /// Default: [`Proxy::FromEnv`], the process environment's `http_proxy`, `https_proxy`,
    /// `all_proxy` and `no_proxy` read when the options are applied. Browsers use their own
    /// proxy settings: anything but `FromEnv` is `Unsupported` there
    /// ([`Capabilities::client_proxy`](crate::Capabilities::client_proxy)).
    pub proxy: Proxy,
    /// Keep cookies natively: an in-memory jar of this configured backend (shared by its clones,
    /// not by other configurations), filled by `Set-Cookie` and sent by the cookies' own
    /// domain and path rules on requests whose [`Credentials`] are not `Omit`. Default: false
    /// (no cookies natively). Browsers keep cookies in the browser's own store either way
    /// (fetch()'s credentials rules decide); Node.js keeps none: `true` is `Unsupported` there
    /// ([`Capabilities::http_cookies`](crate::Capabilities::http_cookies)).
    pub cookie_store: bool,
    /// Root certificates (PEM, one or more `CERTIFICATE` blocks per entry) trusted for HTTPS
    /// and WSS natively, in addition to the built-in roots unless
    /// [`tls_builtin_roots`](Self::tls_builtin_roots) is false. Natively HTTPS and WSS share
    /// one trust store: the built-in roots are the platform's (the OS store, through
    /// `rustls-platform-verifier`), as a browser on that machine trusts, so a private CA the
    /// OS trusts works for both. Default: none. Browsers trust what the browser trusts:
    /// setting any TLS option there is `Unsupported`
    /// ([`Capabilities::client_tls`](crate::Capabilities::client_tls)).
    pub tls_root_certificates_pem: Vec<String>,
    /// Whether the built-in roots (the platform's store) are trusted. `false`: only
    /// [`tls_root_certificates_pem`](Self::tls_root_certificates_pem), which must then name
    /// at least one. Default: true.
    pub tls_builtin_roots: bool,
    /// A client certificate (PEM: the certificate, then any intermediates) presented when a
    /// server asks for one (mutual TLS), natively for HTTPS and WSS alike. Needs
    /// [`tls_client_key_pem`](Self::tls_client_key_pem). Default: none.
    pub tls_client_certificate_pem: Option<String>,
    /// The private key of [`tls_client_certificate_pem`](Self::tls_client_certificate_pem)
    /// (PEM: PKCS#8, PKCS#1 or SEC1). Its `Debug` output hides the key. Default: none.
    pub tls_client_key_pem: Option<PrivateKeyPem>,
}

/// A private key in PEM, whose `Debug` output does not show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKeyPem(String);

impl PrivateKeyPem {
    /// Wrap a PEM text (checked by [`ClientOptions::validate`], not here).
    pub fn new(pem: impl Into<String>) -> Self {
        PrivateKeyPem(pem.into())
    }

    /// The PEM text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKeyPem(..)")
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            default_headers: HeaderMap::new(),
            user_agent: None,
            connect_timeout: None,
            request_timeout: None,
            credentials: Credentials::default(),
            decompress: true,
            tls_root_certificates_pem: Vec::new(),
            tls_builtin_roots: true,
            tls_client_certificate_pem: None,
            tls_client_key_pem: None,
            proxy: Proxy::FromEnv,
            cookie_store: false,
        }
    }
}

impl ClientOptions {
    /// The defaults: no default headers, no User-Agent of crossio's own, no deadlines,
    /// `Credentials::SameOrigin`, responses decoded, proxies from the environment, no cookie store natively.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a default header (see the field). An invalid name or value is refused by
    /// [`validate`](Self::validate) through the `Err` it returns here, naming both.
    pub fn default_header(mut self, name: &str, value: &str) -> Result<Self> {
        let n = http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
            Error::invalid_input(format!("default header name {name:?} is invalid")).with_source(e)
        })?;
        let v = http::HeaderValue::from_str(value).map_err(|e| {
            Error::invalid_input(format!(
                "default header {name:?}: value {value:?} is invalid"
            ))
            .with_source(e)
        })?;
        self.default_headers.append(n, v);
        Ok(self)
    }

    /// The native `User-Agent` (see the field).
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = Some(user_agent.to_owned());
        self
    }

    /// The native connect deadline (see the field).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The default request deadline (see the field).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The default credentials mode (see the field).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Whether responses are decoded (see the field).
    pub fn decompress(mut self, decompress: bool) -> Self {
        self.decompress = decompress;
        self
    }

    /// Add root certificates from PEM (see the field).
    pub fn tls_root_certificates_pem(mut self, pem: &str) -> Self {
        self.tls_root_certificates_pem.push(pem.to_owned());
        self
    }

    /// Trust the built-in roots or only the added ones (see the field).
    pub fn tls_builtin_roots(mut self, builtin: bool) -> Self {
        self.tls_builtin_roots = builtin;
        self
    }

    /// The client certificate chain for mutual TLS (see the field).
    pub fn tls_client_certificate_pem(mut self, pem: &str) -> Self {
        self.tls_client_certificate_pem = Some(pem.to_owned());
        self
    }

    /// The client certificate's private key (see the field).
    pub fn tls_client_key_pem(mut self, pem: &str) -> Self {
        self.tls_client_key_pem = Some(PrivateKeyPem::new(pem));
        self
    }

    /// Whether any TLS option differs from its default (browsers refuse them all).
    pub fn sets_tls(&self) -> bool {
        !self.tls_root_certificates_pem.is_empty()
            || !self.tls_builtin_roots
            || self.tls_client_certificate_pem.is_some()
            || self.tls_client_key_pem.is_some()
    }

    /// The proxy (see the field). Build an explicit one with [`Proxy::url`], which refuses a
    /// bad URL with `InvalidInput` naming the option.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Whether cookies are kept natively (see the field).
    pub fn cookie_store(mut self, cookie_store: bool) -> Self {
        self.cookie_store = cookie_store;
        self
    }

    /// Check what no target can honour: a zero deadline, a User-Agent that is not a valid
    /// header value, TLS options that are not well-formed PEM of the right kind (see
    /// [`crate::tls_pem`]), a client certificate without its key or the reverse, no roots at
    /// all. `Err` is [`ErrorKind::InvalidInput`](crate::ErrorKind) naming the option. Whether a
    /// key matches its certificate takes the backend's crypto: natively `with_client_options`
    /// checks it (also `InvalidInput`).
    pub fn validate(&self) -> Result<()> {
        for (name, t) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
        ] {
            if t == Some(Duration::ZERO) {
                return Err(Error::invalid_input(format!(
                    "client option {name} must be above zero"
                )));
            }
        }
        if let Some(ua) = &self.user_agent {
            http::HeaderValue::from_str(ua).map_err(|e| {
                Error::invalid_input(format!("client option user_agent {ua:?} is invalid"))
                    .with_source(e)
            })?;
        }
        crate::tls_pem::validate(self)
    }
}

/// A backend with other client-wide options. Every [`Backend`](crate::Backend) implements it.
pub trait Configure: Sized {
    /// A backend sharing this one's runtime (tasks, pools, live counters) whose HTTP and
    /// WebSocket clients use `options`. `Err`: [`ErrorKind::InvalidInput`](crate::ErrorKind)
    /// for options no target accepts ([`ClientOptions::validate`]),
    /// [`ErrorKind::Unsupported`](crate::ErrorKind) for one this target cannot honour, naming
    /// it.
    fn with_client_options(&self, options: ClientOptions) -> Result<Self>;

    /// The client options in effect.
    fn client_options(&self) -> &ClientOptions;
}
