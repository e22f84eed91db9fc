//! `crossio-testserver [--http-port P] [--ws-port Q]`: run the test server on 127.0.0.1 and
//! print its ports as one JSON line (with the TLS ports, the test CA's PEM and the trusted
//! server certificate's SPKI hash); runs until stdin closes or the process is killed.
//!
//! `crossio-testserver --page DIR --port P`: the page server instead (see
//! `crossio_conformance::page_server`): serves DIR on 127.0.0.1:P for a page linked with
//! `--emrun`, prints the page's output, and exits with the page's exit code.

#[cfg(not(target_os = "emscripten"))]
fn main() {
    use std::io::Read;
    let mut http_port = 0u16;
    let mut ws_port = 0u16;
    let mut page_dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let raw = args.next();
        let value = raw.as_deref().and_then(|v| v.parse::<u16>().ok());
        match (a.as_str(), value) {
            ("--http-port" | "--port", Some(p)) => http_port = p,
            ("--ws-port", Some(p)) => ws_port = p,
            ("--page", _) if raw.is_some() => page_dir = raw.map(std::path::PathBuf::from),
            _ => {
                eprintln!(
                    "usage: crossio-testserver [--http-port P] [--ws-port Q] | --page DIR --port P"
                );
                std::process::exit(2);
            }
        }
    }
    if let Some(dir) = page_dir {
        match crossio_conformance::page_server::run(dir, http_port) {
            Ok(code) => std::process::exit(code),
            Err(e) => {
                eprintln!("crossio-testserver: the page server cannot start: {e}");
                std::process::exit(1);
            }
        }
    }
    let server = match crossio_conformance::server::TestServer::start_on(http_port, ws_port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("crossio-testserver: cannot start: {e}");
            std::process::exit(1);
        }
    };
    // Port 9 (discard) as the fallback: nothing listens there on a test machine.
    let closed = crossio_conformance::server::closed_port().unwrap_or(9);
    let ports = serde_json::json!({
        "http_port": server.http_port,
        "ws_port": server.ws_port,
        "fault_port": server.fault_port,
        "page_port": server.page_port,
        "proxy_port": server.proxy_port,
        "refusing_proxy_port": server.refusing_proxy_port,
        "closed_port": closed,
        "tls_port": server.tls.port,
        "mtls_port": server.tls.mtls_port,
        "untrusted_tls_port": server.tls.untrusted_port,
        "tls_ca_pem": server.tls.ca_pem,
        "tls_spki_sha256": server.tls.server_spki_sha256,
    });
    println!("{ports}");
    // Run until stdin reaches EOF (the parent went away) or we are killed.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    if std::env::var_os("CROSSIO_TESTSERVER_FOREVER").is_some() {
        loop {
            std::thread::park();
        }
    }
}

#[cfg(target_os = "emscripten")]
fn main() {}
