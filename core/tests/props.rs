//! Property tests of the parsers and validators crossio owns: URL checks, header validation,
//! close code and reason handling, request building. None may panic; each accepts exactly what
//! its contract says.

use crossio_core::{
    CloseFrame, ConnectOptions, ErrorKind, Request,
    backend::{parse_http_url, parse_ws_url, validate_close},
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn ws_url_checks_never_panic_and_accept_only_ws(s in "\\PC{0,80}") {
        if let Ok(u) = parse_ws_url(&s) {
            prop_assert!(u.scheme() == "ws" || u.scheme() == "wss");
            prop_assert!(!u.host_str().is_empty());
            prop_assert!(u.fragment().is_none());
        }
    }

    #[test]
    fn ws_urls_built_from_parts_are_accepted(host in "[a-z][a-z0-9]{0,15}", port in 1u16.., path in "(/[a-z0-9]{0,8}){0,3}") {
        let url = format!("ws://{host}:{port}{path}");
        prop_assert!(parse_ws_url(&url).is_ok(), "{}", url);
    }

    #[test]
    fn http_url_checks_never_panic_and_accept_only_http(s in "\\PC{0,80}") {
        match parse_http_url(&s) {
            Ok(u) => {
                prop_assert!(u.scheme() == "http" || u.scheme() == "https");
                prop_assert!(u.username().is_empty() && u.password().is_none());
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::InvalidInput),
        }
    }

    #[test]
    fn close_validation_is_exactly_the_browser_rule(code in any::<u16>(), reason in "\\PC{0,70}") {
        let ok = (code == 1000 || (3000..=4999).contains(&code)) && reason.len() <= 123 && !reason.contains('\0');
        prop_assert_eq!(validate_close(code, &reason).is_ok(), ok);
        prop_assert_eq!(CloseFrame::new(code, reason.clone()).is_ok(), ok);
        if let Err(e) = validate_close(code, &reason) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn header_options_accept_exactly_valid_headers(name in "\\PC{0,20}", value in "\\PC{0,40}") {
        let valid = http::HeaderName::try_from(name.as_str()).is_ok() && http::HeaderValue::try_from(value.as_str()).is_ok();
        let r = ConnectOptions::new().header(&name, &value).validate();
        prop_assert_eq!(r.is_ok(), valid);
        let b = Request::get("http://127.0.0.1/").header(&name, &value).build();
        prop_assert_eq!(b.is_ok(), valid);
    }

    #[test]
    fn request_builder_never_panics(method in "\\PC{0,12}", url in "\\PC{0,60}", body in proptest::collection::vec(any::<u8>(), 0..16)) {
        match Request::builder(&method, &url).body(body).build() {
            Ok(r) => prop_assert!(parse_http_url(&r.url()).is_ok()),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::InvalidInput),
        }
    }
}
