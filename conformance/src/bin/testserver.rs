//! `crossio-testserver [--http-port P] [--ws-port Q]`: run the test server on 127.0.0.1 and
//! print its ports as one JSON line; runs until stdin closes or the process is killed.

#[cfg(not(target_os = "emscripten"))]
fn main() {
    use std::io::Read;
    let mut http_port = 0u16;
    let mut ws_port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u16>().ok());
        match (a.as_str(), value) {
            ("--http-port", Some(p)) => http_port = p,
            ("--ws-port", Some(p)) => ws_port = p,
            _ => {
                eprintln!("usage: crossio-testserver [--http-port P] [--ws-port Q]");
                std::process::exit(2);
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
