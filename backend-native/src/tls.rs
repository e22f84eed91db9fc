//! One TLS client configuration for HTTPS (reqwest) and WSS (tokio-tungstenite): the same
//! certificate verifier (one trust store) and the same client certificate, built from
//! [`ClientOptions`].
//!
//! The built-in roots are the platform's, through `rustls-platform-verifier` (on Linux the OS
//! store, `/etc/ssl/certs`; on Windows and macOS the OS verifier): what a browser on the same
//! machine trusts, private CAs an administrator installed included, and what reqwest 0.13
//! itself uses by default. (A compiled-in bundle such as `webpki-roots` would ignore such CAs
//! and go stale with the binary.)

use std::sync::Arc;

use crossio_core::tls_pem::{self, CertificateDer};
use crossio_core::{ClientOptions, Error, ErrorKind, Result};
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;

/// The configurations built from one set of options: they share the verifier and the client
/// certificate, and differ only in ALPN (HTTP offers `h2` and `http/1.1`; a WebSocket
/// handshake is HTTP/1.1 only and offers none).
pub(crate) struct TlsConfigs {
    /// For reqwest.
    pub http: rustls::ClientConfig,
    /// For tokio-tungstenite's `Connector::Rustls`.
    pub ws: Arc<rustls::ClientConfig>,
}

/// Build the configurations. `InvalidInput` naming the option for roots that do not parse as
/// certificates, or a client key that does not load or does not match its certificate; `Io`
/// when the platform store has no certificate at all and no root was given.
pub(crate) fn build(options: &ClientOptions) -> Result<TlsConfigs> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = Vec::new();
    for pem in &options.tls_root_certificates_pem {
        roots.extend(tls_pem::certificates("tls_root_certificates_pem", pem)?);
    }
    let verifier = verifier(options.tls_builtin_roots, roots, provider.clone())?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Io, "TLS protocol versions").with_source(e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut http = match (
        &options.tls_client_certificate_pem,
        &options.tls_client_key_pem,
    ) {
        (Some(cert), Some(key)) => {
            let chain = tls_pem::certificates("tls_client_certificate_pem", cert)?;
            let key = tls_pem::private_key("tls_client_key_pem", key.as_str())?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                Error::invalid_input(format!(
                    "client options tls_client_certificate_pem / tls_client_key_pem: \
                     the key cannot be used with the certificate ({e})"
                ))
                .with_source(e)
            })?
        }
        // `validate` refused one without the other.
        _ => builder.with_no_client_auth(),
    };
    let ws = Arc::new(http.clone());
    http.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsConfigs { http, ws })
}

/// The platform verifier with `roots` added, or a plain WebPKI verifier of `roots` alone.
fn verifier(
    builtin: bool,
    roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>> {
    let bad_root = |e: rustls::Error| {
        Error::invalid_input(format!(
            "client option tls_root_certificates_pem: a certificate cannot be used as a root ({e})"
        ))
        .with_source(e)
    };
    if builtin {
        let v = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider).map_err(
            |e| match e {
                rustls::Error::General(_) => Error::new(
                    ErrorKind::Io,
                    format!("loading the platform's TLS root certificates: {e}"),
                )
                .with_source(e),
                e => bad_root(e),
            },
        )?;
        return Ok(Arc::new(v));
    }
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root).map_err(bad_root)?;
    }
    let v = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
        .build()
        .map_err(|e| {
            Error::invalid_input(format!("client option tls_root_certificates_pem: {e}"))
                .with_source(e)
        })?;
    Ok(v)
}

/// If `e` or one of its sources is a TLS error (rustls'), a short description naming TLS, for
/// the error message: "TLS handshake failed: invalid peer certificate: UnknownIssuer".
pub(crate) fn tls_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(format!("TLS handshake failed: {t}"));
        }
        // `io::Error::source` skips the error it wraps (often another `io::Error` wrapping
        // rustls'): step into it instead.
        cur = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|i| i as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}
