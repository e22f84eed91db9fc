//! The test server's TLS listeners (natively only, on 127.0.0.1): a test CA generated at start
//! issues the server certificates (for `127.0.0.1` and `localhost`) and a client certificate.
//!
//! Each listener terminates TLS and relays the plain bytes to the test server's own HTTP or
//! WebSocket port (chosen by the first request head: a WebSocket upgrade goes to the WebSocket
//! port), so every endpoint of [`crate::server`] is there over TLS too:
//! - `tls`: certificate from the test CA;
//! - `mtls`: the same, and it requires a client certificate issued by the test CA;
//! - `untrusted`: a certificate from a second CA that nobody is told to trust.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::TlsEnv;

/// The bound TLS listeners and what they serve with; [`TlsListeners::spawn`] starts them.
pub struct TlsListeners {
    /// The ports and PEM texts, as the cases get them.
    pub env: TlsEnv,
    listeners: [(TcpListener, TlsAcceptor); 3],
}

fn io_err(what: &str, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("test TLS: {what}: {e}"))
}

/// A CA certificate (PEM) and its issuer.
fn new_ca(name: &str) -> Result<(String, Issuer<'static, KeyPair>), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    let pem = p.self_signed(&key)?.pem();
    Ok((pem, Issuer::new(p, key)))
}

/// A leaf certificate (server or client) issued by `issuer`: (certificate PEM, key).
fn new_leaf(
    issuer: &Issuer<'_, KeyPair>,
    name: &str,
    server: bool,
) -> Result<(String, KeyPair), rcgen::Error> {
    let key = KeyPair::generate()?;
    let sans = if server {
        vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
    } else {
        Vec::new()
    };
    let mut p = CertificateParams::new(sans)?;
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![if server {
        ExtendedKeyUsagePurpose::ServerAuth
    } else {
        ExtendedKeyUsagePurpose::ClientAuth
    }];
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    Ok((p.signed_by(&key, issuer)?.pem(), key))
}

fn server_config(
    cert_pem: &str,
    key: &KeyPair,
    client_ca_pem: Option<&str>,
) -> std::io::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| io_err("certificate", e))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| io_err("versions", e))?;
    let builder = match client_ca_pem {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots
                    .add(c.map_err(|e| io_err("CA", e))?)
                    .map_err(|e| io_err("CA", e))?;
            }
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| io_err("client verifier", e))?;
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| io_err("server certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

impl TlsListeners {
    /// Generate the CAs and certificates and bind the three listeners on 127.0.0.1.
    pub async fn bind() -> std::io::Result<Self> {
        let gen_err = |e: rcgen::Error| io_err("generating certificates", e);
        let (ca_pem, ca) = new_ca("crossio test CA").map_err(gen_err)?;
        let (other_ca_pem, other_ca) = new_ca("crossio untrusted CA").map_err(gen_err)?;
        let (server_pem, server_key) =
            new_leaf(&ca, "crossio test server", true).map_err(gen_err)?;
        let (client_pem, client_key) =
            new_leaf(&ca, "crossio test client", false).map_err(gen_err)?;
        let (untrusted_pem, untrusted_key) =
            new_leaf(&other_ca, "crossio untrusted server", true).map_err(gen_err)?;
        let (other_client_pem, _) =
            new_leaf(&other_ca, "crossio untrusted client", false).map_err(gen_err)?;
        let _ = other_ca_pem;
        let spki = server_key.subject_public_key_info();
        let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
        let mut env = TlsEnv {
            ca_pem: ca_pem.clone(),
            client_cert_pem: client_pem,
            client_key_pem: client_key.serialize_pem(),
            other_cert_pem: other_client_pem,
            server_spki_sha256: crossio_core::backend::base64(digest.as_ref()),
            ..TlsEnv::default()
        };
        let plain = server_config(&server_pem, &server_key, None)?;
        let mtls = server_config(&server_pem, &server_key, Some(&ca_pem))?;
        let untrusted = server_config(&untrusted_pem, &untrusted_key, None)?;
        let bind = || TcpListener::bind(("127.0.0.1", 0));
        let listeners = [
            (bind().await?, plain),
            (bind().await?, mtls),
            (bind().await?, untrusted),
        ];
        env.port = listeners[0].0.local_addr()?.port();
        env.mtls_port = listeners[1].0.local_addr()?.port();
        env.untrusted_port = listeners[2].0.local_addr()?.port();
        Ok(TlsListeners { env, listeners })
    }

    /// Start accepting (on the current tokio runtime), relaying to `http_port` / `ws_port`.
    pub fn spawn(self, http_port: u16, ws_port: u16) {
        for (listener, acceptor) in self.listeners {
            tokio::spawn(accept(listener, acceptor, http_port, ws_port));
        }
    }
}

async fn accept(listener: TcpListener, acceptor: TlsAcceptor, http_port: u16, ws_port: u16) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let _ = relay(tls, http_port, ws_port).await;
        });
    }
}

/// `head` (a request head and maybe more bytes) with its `Connection` headers replaced by
/// `Connection: close`: the relay routes a connection by its first request only, so a client
/// must not reuse an HTTP connection for a WebSocket handshake (Node's undici would).
fn close_after_first(head: &[u8]) -> Vec<u8> {
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(head.len(), |i| i + 2);
    let mut out = Vec::with_capacity(head.len() + 19);
    for line in head[..end].split_inclusive(|&b| b == b'\n') {
        if !line.to_ascii_lowercase().starts_with(b"connection:") {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"Connection: close\r\n");
    out.extend_from_slice(&head[end..]);
    out
}

/// Read the first request head, pick the plain port it belongs to, and relay both ways.
async fn relay(
    mut tls: tokio_rustls::server::TlsStream<TcpStream>,
    http_port: u16,
    ws_port: u16,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 256 << 10 {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let lower = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let (port, head) = if lower.contains("upgrade: websocket") {
        (ws_port, head)
    } else {
        (http_port, close_after_first(&head))
    };
    let mut plain = TcpStream::connect(("127.0.0.1", port)).await?;
    plain.set_nodelay(true)?;
    plain.write_all(&head).await?;
    tokio::io::copy_bidirectional(&mut tls, &mut plain).await?;
    Ok(())
}
