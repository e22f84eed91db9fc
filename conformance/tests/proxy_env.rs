//! The native backend's default proxy really is the process environment's: this binary runs
//! the test server with its counting proxy, then starts itself again as a child process with
//! proxy variables set (the environment of a running multi-threaded process is never changed),
//! where a default `NativeBackend` sends one HTTP request and one WebSocket message to the
//! test server; the parent checks what the proxy passed.

#![cfg_attr(target_os = "emscripten", allow(unused))]

#[cfg(target_os = "emscripten")]
fn main() {}

#[cfg(not(target_os = "emscripten"))]
fn main() {
    if std::env::var_os(native::CHILD).is_some() {
        std::process::exit(native::child());
    }
    std::process::exit(native::parent());
}

#[cfg(not(target_os = "emscripten"))]
mod native {
    use std::process::Command;

    use crossio_conformance::server::TestServer;
    use crossio_core::prelude::*;
    use crossio_core::{ConnectOptions, Message, Request};
    use crossio_native::NativeBackend;

    /// Set (to the HTTP and WebSocket URLs, space-separated) in the child's environment.
    pub const CHILD: &str = "CROSSIO_PROXY_ENV_CHILD";

    const PROXY_VARS: [&str; 8] = [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ];

    /// The child: a default backend (proxy from the environment), one GET and one echo.
    pub fn child() -> i32 {
        let urls = std::env::var(CHILD).unwrap_or_default();
        let (http, ws) = urls.split_once(' ').unwrap_or_default();
        let run = async {
            let b = NativeBackend::new()?;
            let resp = b.send(Request::get(http).build()?).await?;
            resp.text().await?;
            let mut c = b.connect(ws, ConnectOptions::new()).await?;
            c.send(Message::text("env")).await?;
            let echo = c.next().await;
            c.close().await?;
            Ok::<_, crossio_core::Error>(echo)
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the child");
        match rt.block_on(run) {
            Ok(Some(Ok(Message::Text(t)))) if t.as_str() == "env" => 0,
            other => {
                eprintln!("child: {other:?}");
                1
            }
        }
    }

    /// (forwarded HTTP requests to `http_port`, tunnels to `ws_port`) so far.
    fn counts(server: &TestServer) -> (u64, u64) {
        let json: serde_json::Value =
            serde_json::from_str(&crossio_conformance::proxy_server::counts_json())
                .expect("counts are JSON");
        let at = |port: u16, what: &str| json[format!("127.0.0.1:{port}")][what].as_u64();
        (
            at(server.http_port, "forward").unwrap_or(0),
            at(server.ws_port, "connect").unwrap_or(0),
        )
    }

    /// Run the child with `vars` set (and no other proxy variable); what the proxy passed.
    fn through(server: &TestServer, vars: &[(&str, String)]) -> Result<(u64, u64), String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(exe);
        for v in PROXY_VARS {
            cmd.env_remove(v);
        }
        let urls = format!("{}/echo {}/echo", server.http_base(), server.ws_base());
        cmd.env(CHILD, urls).envs(vars.iter().map(|(k, v)| (k, v)));
        let before = counts(server);
        let status = cmd.status().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("the child failed ({status})"));
        }
        let after = counts(server);
        Ok((after.0 - before.0, after.1 - before.1))
    }

    /// A scenario: its name, the variables, and the expected (HTTP, WebSocket) counts.
    type Scenario<'a> = (&'a str, Vec<(&'a str, String)>, (u64, u64));

    /// Run every scenario; the exit code.
    pub fn parent() -> i32 {
        let server = TestServer::start().expect("start the test server");
        let proxy = format!("http://127.0.0.1:{}", server.proxy_port);
        let bare = format!("127.0.0.1:{}", server.proxy_port);
        let ws_port_only = format!("127.0.0.1:{}", server.ws_port);
        let scenarios: Vec<Scenario> = vec![
            ("no_proxy_variables_go_direct", vec![], (0, 0)),
            (
                "upper_case_http_proxy_carries_http_and_ws",
                vec![("HTTP_PROXY", proxy.clone())],
                (1, 1),
            ),
            (
                "lower_case_http_proxy_without_scheme_carries_both",
                vec![("http_proxy", bare)],
                (1, 1),
            ),
            (
                "all_proxy_fills_in",
                vec![("ALL_PROXY", proxy.clone())],
                (1, 1),
            ),
            (
                "no_proxy_sends_both_direct",
                vec![
                    ("HTTP_PROXY", proxy.clone()),
                    ("NO_PROXY", "127.0.0.1".into()),
                ],
                (0, 0),
            ),
            (
                "no_proxy_with_a_port_sends_only_that_direct",
                vec![("HTTP_PROXY", proxy.clone()), ("no_proxy", ws_port_only)],
                (1, 0),
            ),
            (
                "https_proxy_is_not_used_for_plain_urls",
                vec![("HTTPS_PROXY", proxy)],
                (0, 0),
            ),
        ];
        let mut failed = 0;
        for (name, vars, want) in &scenarios {
            match through(&server, vars) {
                Ok(got) if got == *want => println!("test {name} ... ok"),
                Ok(got) => {
                    failed += 1;
                    println!("test {name} ... FAILED: passed {got:?}, expected {want:?}");
                }
                Err(e) => {
                    failed += 1;
                    println!("test {name} ... FAILED: {e}");
                }
            }
        }
        println!("{} passed, {failed} failed", scenarios.len() - failed);
        i32::from(failed > 0)
    }
}
