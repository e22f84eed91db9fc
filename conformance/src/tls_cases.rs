//! TLS: HTTPS and WSS against the test server's TLS listeners (certificates from a test CA
//! generated at start). Natively the client trusts the test CA through
//! `ClientOptions::tls_root_certificates_pem` (one trust store for HTTPS and WSS); in the
//! browser runs the browser itself is told to trust it, and every TLS option is `Unsupported`
//! ([`Capabilities::client_tls`](crossio_core::Capabilities::client_tls)).

use crossio_core::{Backend, ClientOptions, ConnectOptions, ErrorKind, Message};
use crossio_core::{Request, StatusCode};
use futures_util::{SinkExt, StreamExt};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

/// The options that trust the test CA (on top of the built-in roots).
fn trust_test_ca(e: &Env) -> ClientOptions {
    ClientOptions::new().tls_root_certificates_pem(&e.tls.ca_pem)
}

/// A backend that trusts the test CA: natively one with the CA added (and the same options
/// must be `Unsupported` where TLS is the browser's business, checked here); in browsers `b`
/// itself, whose browser trusts the CA.
fn trusting<B: Backend>(b: &B, e: &Env) -> Result<B, String> {
    let r = b.with_client_options(trust_test_ca(e));
    if b.capabilities().client_tls {
        return r.ctx("with_client_options(tls_root_certificates_pem)");
    }
    let err = expect_kind(
        r.map(drop),
        ErrorKind::Unsupported,
        "a TLS root in a browser",
    )?;
    ensure!(
        err.to_string().contains("tls_root_certificates_pem"),
        "{err} does not name tls_root_certificates_pem"
    );
    Ok(b.clone())
}

/// GET `url` through `b`: status 200 and the body `status 200`.
async fn get_status_200<B: Backend>(b: &B, url: &str) -> CaseResult {
    let resp = b
        .send(Request::get(url).build().ctx("building")?)
        .await
        .ctx(&format!("GET {url}"))?;
    ensure_eq!(resp.status(), StatusCode::OK);
    ensure_eq!(resp.text().await.ctx("body")?, "status 200");
    Ok(())
}

/// Open `url`, echo one text message, close cleanly.
async fn wss_echo<B: Backend>(b: &B, url: &str) -> CaseResult {
    let mut c = b
        .connect(url, ConnectOptions::new())
        .await
        .ctx(&format!("connecting to {url}"))?;
    let m = Message::text("hello over TLS");
    c.send(m.clone()).await.ctx("sending")?;
    let got = c.next().await.ctx("receiving")?.ctx("receiving")?;
    ensure_eq!(got, m);
    c.close().await.ctx("closing")
}

/// Natively: without the test CA the same request fails (the added root is what made it
/// work), and with only the test CA (`tls_builtin_roots(false)`) it works too.
fn native_trust_variants<B: Backend>(b: &B, e: &Env) -> Result<Option<(B, B)>, String> {
    if !b.capabilities().client_tls {
        return Ok(None);
    }
    let only = b
        .with_client_options(trust_test_ca(e).tls_builtin_roots(false))
        .ctx("with_client_options(only the test CA)")?;
    Ok(Some((b.clone(), only)))
}

/// HTTPS to a server whose certificate comes from the test CA works once the CA is trusted.
pub async fn tls_https_trusted_via_added_root_is_ok<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.https(e.tls.port, "/status/200");
    let c = trusting(&b, &e)?;
    get_status_200(&c, &url).await?;
    let v = c
        .send(
            Request::get(&e.https(e.tls.port, "/echo"))
                .build()
                .ctx("building")?,
        )
        .await
        .ctx("GET /echo over TLS")?
        .text()
        .await
        .ctx("body")?;
    ensure!(
        v.contains("\"path\":\"/echo\""),
        "/echo over TLS answered {v}"
    );
    if let Some((plain, only)) = native_trust_variants(&b, &e)? {
        let req = Request::get(&url).build().ctx("building")?;
        let err = expect_kind(plain.send(req).await, ErrorKind::Connect, "without the CA")?;
        ensure!(err.to_string().contains("TLS"), "{err} does not name TLS");
        get_status_200(&only, &url).await?;
    }
    Ok(())
}

/// WSS to a server whose certificate comes from the test CA works once the CA is trusted:
/// natively through the same trust store as HTTPS.
pub async fn tls_wss_trusted_via_added_root_is_ok<B: Backend>(b: B, e: Env) -> CaseResult {
    let url = e.wss(e.tls.port, "/echo");
    let c = trusting(&b, &e)?;
    wss_echo(&c, &url).await?;
    if let Some((plain, only)) = native_trust_variants(&b, &e)? {
        let r = plain.connect(&url, ConnectOptions::new()).await;
        let err = expect_kind(r.map(drop), ErrorKind::Connect, "without the CA")?;
        ensure!(err.to_string().contains("TLS"), "{err} does not name TLS");
        wss_echo(&only, &url).await?;
    }
    Ok(())
}

/// A certificate from a CA nobody trusts fails HTTPS with `Connect`, whose message names TLS
/// (natively the reason, in browsers as a possible one).
pub async fn tls_untrusted_https_is_connect_error_naming_tls<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let c = trusting(&b, &e)?;
    let url = e.https(e.tls.untrusted_port, "/status/200");
    let r = c.send(Request::get(&url).build().ctx("building")?).await;
    let err = expect_kind(r, ErrorKind::Connect, "GET from the untrusted server")?;
    names_tls(&c, &err)
}

/// A certificate from a CA nobody trusts fails WSS with `Connect` naming TLS, as HTTPS.
pub async fn tls_untrusted_wss_is_connect_error_naming_tls<B: Backend>(b: B, e: Env) -> CaseResult {
    let c = trusting(&b, &e)?;
    let url = e.wss(e.tls.untrusted_port, "/echo");
    let r = c.connect(&url, ConnectOptions::new()).await;
    let err = expect_kind(
        r.map(drop),
        ErrorKind::Connect,
        "connecting to the untrusted server",
    )?;
    names_tls(&c, &err)
}

/// A server that requires a client certificate: natively HTTPS and WSS work with the test
/// CA's client certificate and fail (`Connect`) without one; in browsers a client certificate
/// option is `Unsupported`, naming it.
pub async fn tls_mtls_client_certificate_is_presented<B: Backend>(b: B, e: Env) -> CaseResult {
    let opts = trust_test_ca(&e)
        .tls_client_certificate_pem(&e.tls.client_cert_pem)
        .tls_client_key_pem(&e.tls.client_key_pem);
    let r = b.with_client_options(opts);
    if !b.capabilities().client_tls {
        let err = expect_kind(r.map(drop), ErrorKind::Unsupported, "a client certificate")?;
        ensure!(
            err.to_string().contains("tls_"),
            "{err} does not name the TLS option"
        );
        return Ok(());
    }
    let c = r.ctx("with_client_options(client certificate)")?;
    get_status_200(&c, &e.https(e.tls.mtls_port, "/status/200")).await?;
    wss_echo(&c, &e.wss(e.tls.mtls_port, "/echo")).await?;
    let no_cert = b
        .with_client_options(trust_test_ca(&e))
        .ctx("with_client_options(roots only)")?;
    let req = Request::get(&e.https(e.tls.mtls_port, "/status/200"))
        .build()
        .ctx("building")?;
    expect_kind(
        no_cert.send(req).await,
        ErrorKind::Connect,
        "GET from the mTLS server without a client certificate",
    )?;
    Ok(())
}

/// Malformed PEM, a certificate without its key (and the reverse), no roots at all: each
/// `InvalidInput` naming the option, on every target. A key that does not match its
/// certificate: `InvalidInput` where TLS options are honoured, `Unsupported` elsewhere.
pub async fn tls_bad_pem_is_invalid_input<B: Backend>(b: B, e: Env) -> CaseResult {
    let garbled = "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n";
    let unterminated = &e.tls.ca_pem[..e.tls.ca_pem.len() / 2];
    let key = e.tls.client_key_pem.as_str();
    let cert = e.tls.client_cert_pem.as_str();
    let o = ClientOptions::new;
    let cases = [
        (
            "tls_root_certificates_pem",
            o().tls_root_certificates_pem("not pem"),
        ),
        (
            "tls_root_certificates_pem",
            o().tls_root_certificates_pem(garbled),
        ),
        (
            "tls_root_certificates_pem",
            o().tls_root_certificates_pem(unterminated),
        ),
        (
            "tls_root_certificates_pem",
            o().tls_root_certificates_pem(key),
        ),
        ("tls_builtin_roots", o().tls_builtin_roots(false)),
        ("tls_client_key_pem", o().tls_client_certificate_pem(cert)),
        ("tls_client_certificate_pem", o().tls_client_key_pem(key)),
        (
            "tls_client_key_pem",
            o().tls_client_certificate_pem(cert)
                .tls_client_key_pem(garbled),
        ),
        (
            "tls_client_certificate_pem",
            o().tls_client_certificate_pem("no").tls_client_key_pem(key),
        ),
    ];
    for (name, opts) in cases {
        let what = format!("{opts:?}");
        let err = expect_kind(
            b.with_client_options(opts).map(drop),
            ErrorKind::InvalidInput,
            name,
        )?;
        ensure!(
            err.to_string().contains(name),
            "{err} does not name {name} ({what})"
        );
    }
    let mismatched = o()
        .tls_client_certificate_pem(&e.tls.other_cert_pem)
        .tls_client_key_pem(key);
    let kind = if b.capabilities().client_tls {
        ErrorKind::InvalidInput
    } else {
        ErrorKind::Unsupported
    };
    let err = expect_kind(
        b.with_client_options(mismatched).map(drop),
        kind,
        "a key of another certificate",
    )?;
    ensure!(
        err.to_string().contains("tls_client_"),
        "{err} does not name the client certificate options"
    );
    ensure!(
        !format!("{:?}", o().tls_client_key_pem(key)).contains("PRIVATE KEY"),
        "ClientOptions' Debug shows the private key"
    );
    Ok(())
}

/// `err` names TLS, and where the backend verifies certificates itself (not a browser, which
/// hides why), the certificate too.
fn names_tls<B: Backend>(c: &B, err: &crossio_core::Error) -> CaseResult {
    ensure!(err.to_string().contains("TLS"), "{err} does not name TLS");
    if c.capabilities().client_tls {
        ensure!(
            err.to_string().contains("certificate"),
            "{err} does not name the certificate"
        );
    }
    Ok(())
}
