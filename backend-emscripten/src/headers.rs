//! The header text exchanged with the fetch glue, and the Fetch standard's forbidden request
//! headers. Pure Rust, compiled on every target so that its property tests run natively.

#![cfg_attr(not(target_os = "emscripten"), allow(dead_code))] // used by http.rs in the browser

use http::{HeaderMap, HeaderName, HeaderValue};

/// Encode headers as `name:value` lines for the JS side; each value byte becomes the code point
/// of the same value (header values are byte strings, as in the Fetch standard).
pub(crate) fn encode_lines(headers: &HeaderMap) -> String {
    let mut lines = String::new();
    for (name, value) in headers {
        lines.push_str(name.as_str());
        lines.push(':');
        lines.extend(value.as_bytes().iter().map(|&b| char::from(b)));
        lines.push('\n');
    }
    lines
}

pub(crate) fn header_map(lines: &str) -> HeaderMap {
    // Sized once (one line per header): no rehash while a response's headers go in.
    let mut map = HeaderMap::with_capacity(lines.bytes().filter(|&b| b == b'\n').count());
    for line in lines.split('\n') {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        // An ASCII value is its own bytes (the common case: no copy to map code points);
        // otherwise each code point must be a byte (the glue sends Latin-1 text).
        let value = if value.is_ascii() {
            HeaderValue::from_str(value).ok()
        } else {
            value
                .chars()
                .map(|c| u8::try_from(c).ok())
                .collect::<Option<Vec<u8>>>()
                .and_then(|b| HeaderValue::from_bytes(&b).ok())
        };
        if let Some(v) = value {
            map.append(name, v);
        }
    }
    map
}

/// Request headers a page cannot set (the Fetch standard's forbidden request-header names).
pub(crate) fn forbidden_header(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "access-control-request-private-network",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
        "x-http-method",
        "x-http-method-override",
        "x-method-override",
    ];
    NAMES.contains(&name) || name.starts_with("proxy-") || name.starts_with("sec-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header_name() -> impl Strategy<Value = HeaderName> {
        "[a-z][a-z0-9-]{0,20}"
            .prop_filter_map("valid name", |s| HeaderName::from_bytes(s.as_bytes()).ok())
    }

    fn header_value() -> impl Strategy<Value = HeaderValue> {
        // Visible ASCII, spaces, tabs and obs-text bytes; no leading/trailing whitespace.
        proptest::collection::vec(
            prop_oneof![0x21u8..=0x7e, Just(b' '), Just(b'\t'), 0x80u8..=0xff],
            0..40,
        )
        .prop_filter_map("valid value", |mut v| {
            while v.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                v.remove(0);
            }
            while v.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                v.pop();
            }
            HeaderValue::from_bytes(&v).ok()
        })
    }

    proptest! {
        #[test]
        fn header_lines_round_trip(pairs in proptest::collection::vec((header_name(), header_value()), 0..12)) {
            let mut map = HeaderMap::new();
            for (n, v) in pairs {
                map.append(n, v);
            }
            prop_assert_eq!(header_map(&encode_lines(&map)), map);
        }

        #[test]
        fn header_map_never_panics_and_keeps_only_valid_headers(text in "\\PC{0,200}") {
            let map = header_map(&text);
            for (n, v) in &map {
                prop_assert!(HeaderName::from_bytes(n.as_str().as_bytes()).is_ok());
                prop_assert!(HeaderValue::from_bytes(v.as_bytes()).is_ok());
            }
        }

        #[test]
        fn sec_and_proxy_prefixes_are_forbidden(rest in "[a-z-]{0,12}") {
            let sec = format!("sec-{rest}");
            let proxy = format!("proxy-{rest}");
            prop_assert!(forbidden_header(&sec));
            prop_assert!(forbidden_header(&proxy));
        }
    }

    #[test]
    fn forbidden_and_allowed_examples() {
        for f in [
            "host",
            "cookie",
            "content-length",
            "origin",
            "referer",
            "connection",
        ] {
            assert!(forbidden_header(f), "{f}");
        }
        for ok in ["content-type", "authorization", "x-crossio", "accept"] {
            assert!(!forbidden_header(ok), "{ok}");
        }
    }
}
