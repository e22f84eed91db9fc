//! PEM parsing for the TLS client options ([`ClientOptions`]): what every target checks the
//! same way, and what a backend with its own TLS stack turns into its trust store and client
//! identity. The types are `rustls-pki-types`' (DER bytes, no crypto).

use rustls_pki_types::pem::PemObject;
pub use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::client::ClientOptions;
use crate::error::{Error, Result};

/// The certificates in `pem`, in order. `Err` ([`ErrorKind::InvalidInput`](crate::ErrorKind)
/// naming `option`): a block that is not well-formed PEM, no `CERTIFICATE` block at all, or a
/// block whose content is not a DER structure.
pub fn certificates(option: &str, pem: &str) -> Result<Vec<CertificateDer<'static>>> {
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = item.map_err(|e| {
            Error::invalid_input(format!("client option {option}: malformed PEM ({e})"))
                .with_source(e)
        })?;
        // Every X.509 certificate is a DER SEQUENCE with a long-form length.
        if cert.first() != Some(&0x30) || cert.len() < 64 {
            return Err(Error::invalid_input(format!(
                "client option {option}: a CERTIFICATE block is not a DER certificate"
            )));
        }
        out.push(cert);
    }
    if out.is_empty() {
        return Err(Error::invalid_input(format!(
            "client option {option}: no PEM CERTIFICATE block found"
        )));
    }
    Ok(out)
}

/// The first private key in `pem` (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC
/// PRIVATE KEY`). `Err` ([`ErrorKind::InvalidInput`](crate::ErrorKind) naming `option`):
/// malformed PEM or no key block.
pub fn private_key(option: &str, pem: &str) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
        let what = match e {
            rustls_pki_types::pem::Error::NoItemsFound => "no PEM private key block found".into(),
            ref e => format!("malformed PEM ({e})"),
        };
        Error::invalid_input(format!("client option {option}: {what}")).with_source(e)
    })
}

/// The TLS part of [`ClientOptions::validate`].
pub(crate) fn validate(o: &ClientOptions) -> Result<()> {
    for pem in &o.tls_root_certificates_pem {
        certificates("tls_root_certificates_pem", pem)?;
    }
    if !o.tls_builtin_roots && o.tls_root_certificates_pem.is_empty() {
        return Err(Error::invalid_input(
            "client option tls_builtin_roots is false but tls_root_certificates_pem is empty: \
             no server could be trusted",
        ));
    }
    match (&o.tls_client_certificate_pem, &o.tls_client_key_pem) {
        (Some(cert), Some(key)) => {
            certificates("tls_client_certificate_pem", cert)?;
            private_key("tls_client_key_pem", key.as_str())?;
        }
        (Some(_), None) => {
            return Err(Error::invalid_input(
                "client option tls_client_certificate_pem is set without tls_client_key_pem",
            ));
        }
        (None, Some(_)) => {
            return Err(Error::invalid_input(
                "client option tls_client_key_pem is set without tls_client_certificate_pem",
            ));
        }
        (None, None) => {}
    }
    Ok(())
}
