//! HTTP proxies: which one a client uses ([`Proxy`], a client option) and, once resolved, which
//! request goes through which proxy ([`ProxyConfig`]). Pure values: reading the process
//! environment is one function ([`ProxyConfig::from_env`]) over a variable source that tests
//! can replace ([`ProxyConfig::from_env_vars`]).

use std::net::IpAddr;

use crate::url::{Host, ParseError, Url};

use crate::error::{Error, Result};

/// How a client reaches servers natively: through the proxies the environment names, through
/// one given proxy, or directly (see [`ClientOptions::proxy`](crate::ClientOptions::proxy)).
/// Applies to HTTP requests and WebSocket connections alike (WebSockets through an `http://`
/// proxy's `CONNECT` tunnel). Browsers always use the browser's own proxy settings: there
/// [`Proxy::FromEnv`] is the browser's business and the other variants are `Unsupported`
/// ([`Capabilities::client_proxy`](crate::Capabilities::client_proxy)).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // a setting, built once per client: boxing saves nothing
pub enum Proxy {
    /// The process environment, read when the options are applied
    /// ([`Configure::with_client_options`](crate::Configure::with_client_options), or when a
    /// backend is created): `http_proxy`, `https_proxy`, `all_proxy`, `no_proxy` and their
    /// upper-case forms (see [`ProxyConfig::from_env_vars`]). The default. An invalid variable
    /// fails `with_client_options` with `InvalidInput` naming it; a backend created with the
    /// default options reports that error on each request and connection instead.
    #[default]
    FromEnv,
    /// These settings, for every request and connection (built with [`Proxy::url`] or
    /// [`ProxyConfig::from_env_vars`]).
    Config(ProxyConfig),
    /// No proxy, whatever the environment says.
    Off,
}

impl Proxy {
    /// Every request and connection through the `http://` proxy at `url` (credentials in the
    /// URL, `http://user:password@host:port`, are sent as `Proxy-Authorization: Basic`).
    /// `Err`: [`ErrorKind::InvalidInput`](crate::ErrorKind) naming the option, for a URL that
    /// does not parse or whose scheme is not `http`.
    pub fn url(url: &str) -> Result<Proxy> {
        let proxy = parse_proxy_url(url, "client option proxy")?;
        Ok(Proxy::Config(ProxyConfig {
            http: Some(proxy.clone()),
            https: Some(proxy),
            no_proxy: Vec::new(),
        }))
    }

    /// What the option means now: `None` for a direct connection, else the settings
    /// ([`Proxy::FromEnv`] reads the process environment here). `Err` as
    /// [`ProxyConfig::from_env_vars`].
    pub fn resolve(&self) -> Result<Option<ProxyConfig>> {
        let config = match self {
            Proxy::FromEnv => ProxyConfig::from_env()?,
            Proxy::Config(c) => c.clone(),
            Proxy::Off => return Ok(None),
        };
        Ok((!config.is_direct()).then_some(config))
    }
}

/// Resolved proxy settings: the proxy for `http`/`ws` URLs, the one for `https`/`wss` URLs,
/// and the hosts reached directly. Read [`proxy_for`](Self::proxy_for) to route a URL.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The proxy for `http://` and `ws://` URLs.
    pub http: Option<Url>,
    /// The proxy for `https://` and `wss://` URLs.
    pub https: Option<Url>,
    /// Hosts reached directly, as `no_proxy` lists them (lower case, trimmed): `*` (every host),
    /// a domain (`example.com`, `.example.com` and `*.example.com` all match it and its
    /// subdomains), an IP address or a CIDR block (`10.0.0.0/8`), each optionally with
    /// `:port`.
    pub no_proxy: Vec<String>,
}

impl ProxyConfig {
    /// The process environment's settings (see [`from_env_vars`](Self::from_env_vars)).
    pub fn from_env() -> Result<ProxyConfig> {
        Self::from_env_vars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// The settings these environment variables name, as curl and most clients read them:
    /// `http_proxy` for `http`/`ws` URLs, `https_proxy` for `https`/`wss` URLs, `all_proxy` for
    /// either where the specific one is unset, `no_proxy` for the exceptions; each name in lower
    /// or upper case (lower case wins; `HTTP_PROXY` is ignored when `REQUEST_METHOD` is set, as
    /// in a CGI program where a request could set it). An empty value counts as unset; a value
    /// without a scheme means `http://`. Other variables are ignored. `Err`:
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind) naming the variable, for a proxy URL that
    /// does not parse or whose scheme is not `http`.
    pub fn from_env_vars<I, K, V>(vars: I) -> Result<ProxyConfig>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut found: Vec<(String, String)> = Vec::new();
        for (k, v) in vars {
            let (k, v) = (k.as_ref(), v.as_ref().trim());
            if !v.is_empty() {
                found.push((k.to_owned(), v.to_owned()));
            }
        }
        let cgi = found.iter().any(|(k, _)| k == "REQUEST_METHOD");
        let get = |lower: &str| -> Option<(String, String)> {
            let upper = lower.to_ascii_uppercase();
            let pick = |name: &str| found.iter().find(|(k, _)| k == name).cloned();
            pick(lower).or_else(|| {
                if cgi && upper == "HTTP_PROXY" {
                    None
                } else {
                    pick(&upper)
                }
            })
        };
        let url = |lower: &str| -> Result<Option<Url>> {
            let Some((name, value)) = get(lower).or_else(|| get("all_proxy")) else {
                return Ok(None);
            };
            let value = if value.contains("://") {
                value
            } else {
                format!("http://{value}")
            };
            parse_proxy_url(&value, &format!("client option proxy (from {name})")).map(Some)
        };
        let no_proxy = get("no_proxy")
            .map(|(_, v)| {
                v.split(',')
                    .map(|e| e.trim().to_ascii_lowercase())
                    .filter(|e| !e.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(ProxyConfig {
            http: url("http_proxy")?,
            https: url("https_proxy")?,
            no_proxy,
        })
    }

    /// No proxy for any URL.
    pub fn is_direct(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy a request or connection to `url` goes through; `None`: directly (no proxy
    /// for its scheme, or its host is in [`no_proxy`](Self::no_proxy)).
    pub fn proxy_for(&self, url: &Url) -> Option<&Url> {
        let proxy = match url.scheme() {
            "http" | "ws" => self.http.as_ref()?,
            "https" | "wss" => self.https.as_ref()?,
            _ => return None,
        };
        let host = url.host();
        let port = Some(url.port_or_known_default());
        let bypass = self
            .no_proxy
            .iter()
            .any(|entry| no_proxy_matches(entry, &host, port));
        (!bypass).then_some(proxy)
    }
}

/// Parse an `http://` proxy URL; `what` names the option in the error.
fn parse_proxy_url(url: &str, what: &str) -> Result<Url> {
    let unsupported = |scheme: &str| {
        Error::invalid_input(format!(
            "{what}: {url:?} has the unsupported scheme {scheme:?} (only http:// proxies are \
             supported)"
        ))
    };
    let parsed = Url::parse(url).map_err(|e| match e {
        ParseError::UnsupportedScheme(scheme) => unsupported(&scheme),
        ParseError::EmptyHost => {
            Error::invalid_input(format!("{what}: {url:?} names no proxy host")).with_source(e)
        }
        e => {
            Error::invalid_input(format!("{what}: {url:?} is not a valid proxy URL")).with_source(e)
        }
    })?;
    if parsed.scheme() != "http" {
        return Err(unsupported(parsed.scheme()));
    }
    Ok(parsed)
}

/// Whether one `no_proxy` entry covers `host:port`.
fn no_proxy_matches(entry: &str, host: &Host<'_>, port: Option<u16>) -> bool {
    if entry == "*" {
        return true;
    }
    let (name, want_port) = split_entry_port(entry);
    if want_port.is_some() && want_port != port {
        return false;
    }
    let ip = match host {
        Host::Ipv4(a) => Some(IpAddr::V4(*a)),
        Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        Host::Domain(_) => None,
    };
    if let Some((net, bits)) = name.split_once('/') {
        let (Ok(net), Ok(bits), Some(ip)) = (net.parse::<IpAddr>(), bits.parse::<u32>(), ip) else {
            return false;
        };
        return in_cidr(ip, net, bits);
    }
    if let Ok(entry_ip) = name.parse::<IpAddr>() {
        return ip == Some(entry_ip);
    }
    let Host::Domain(domain) = host else {
        return false;
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let suffix = name.trim_start_matches("*.").trim_start_matches('.');
    !suffix.is_empty()
        && (domain == suffix
            || domain
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// `host[:port]`, `[v6][:port]`, or a bare IPv6 address (no port).
fn split_entry_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((addr, tail)) = rest.split_once(']') {
            return (addr, tail.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    match entry.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => match port.parse() {
            Ok(p) => (name, Some(p)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// Whether `ip` lies in `net/bits` (same address family only).
fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> ProxyConfig {
        ProxyConfig::from_env_vars(vars.iter().copied()).expect("valid vars")
    }

    fn via(c: &ProxyConfig, url: &str) -> Option<String> {
        c.proxy_for(&Url::parse(url).expect("url"))
            .map(|u| u.to_string())
    }

    #[test]
    fn schemes_pick_their_variable_and_all_proxy_fills_in() {
        let c = cfg(&[("HTTP_PROXY", "p1:3128"), ("ALL_PROXY", "http://p2:8080")]);
        assert_eq!(
            via(&c, "http://a.test/").as_deref(),
            Some("http://p1:3128/")
        );
        assert_eq!(via(&c, "ws://a.test/").as_deref(), Some("http://p1:3128/"));
        assert_eq!(via(&c, "wss://a.test/").as_deref(), Some("http://p2:8080/"));
        let lower = cfg(&[
            ("http_proxy", "http://low:1"),
            ("HTTP_PROXY", "http://up:2"),
        ]);
        assert_eq!(
            via(&lower, "http://a.test/").as_deref(),
            Some("http://low:1/")
        );
        let cgi = cfg(&[("HTTP_PROXY", "http://up:2"), ("REQUEST_METHOD", "GET")]);
        assert_eq!(via(&cgi, "http://a.test/"), None);
        assert!(cfg(&[("HTTP_PROXY", ""), ("PATH", "/bin")]).is_direct());
    }

    #[test]
    fn no_proxy_entries_match_as_documented() {
        let c = cfg(&[
            ("http_proxy", "http://p:1"),
            (
                "no_proxy",
                " .corp.test, *.star.test,plain.test, 10.0.0.0/8,::1, 127.0.0.1:81 ",
            ),
        ]);
        for direct in [
            "http://x.corp.test/",
            "http://corp.test/",
            "http://a.b.star.test/",
            "http://plain.test/",
            "http://sub.plain.test/",
            "http://10.1.2.3/",
            "http://[::1]:9/",
            "http://127.0.0.1:81/",
        ] {
            assert_eq!(via(&c, direct), None, "{direct}");
        }
        for proxied in [
            "http://notcorp.test/",
            "http://plain.test.evil/",
            "http://11.0.0.1/",
            "http://127.0.0.1:80/",
        ] {
            assert!(via(&c, proxied).is_some(), "{proxied}");
        }
        let all = cfg(&[("https_proxy", "http://p:1"), ("NO_PROXY", "*")]);
        assert_eq!(via(&all, "https://x.test/"), None);
    }

    #[test]
    fn bad_proxy_urls_are_invalid_input_naming_the_option() {
        for bad in ["socks5://p:1", "https://p:1", "http://", "::"] {
            let e = Proxy::url(bad).expect_err(bad);
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
            assert!(e.to_string().contains("client option proxy"), "{e}");
        }
        let e = ProxyConfig::from_env_vars([("HTTPS_PROXY", "socks5://p:1")]).expect_err("socks");
        assert!(e.to_string().contains("HTTPS_PROXY"), "{e}");
    }
}
