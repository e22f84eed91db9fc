//! Options types: fields hold what was set; the effective queue bound is computed separately.

use std::time::Duration;

use crossio_core::{ConnectOptions, Redirect, RequestOptions};

#[test]
fn connect_options_fields_hold_what_was_set() {
    let o = ConnectOptions::new()
        .max_message_size(4096)
        .max_queued_bytes(1024)
        .connect_timeout(Duration::from_secs(2))
        .subprotocol("chat");
    assert_eq!(o.max_queued_bytes, 1024);
    assert_eq!(o.max_message_size, 4096);
    assert_eq!(o.connect_timeout, Duration::from_secs(2));
    assert_eq!(o.subprotocols, ["chat"]);
    assert_eq!(o.effective_max_queued_bytes(), 4096);
    assert!(o.validate().is_ok());
}

#[test]
fn subprotocols_set_through_the_field_are_validated() {
    let mut o = ConnectOptions::new();
    o.subprotocols = vec!["a".into(), "a".into()];
    assert!(o.validate().is_err());
    o.subprotocols = vec!["a b".into()];
    assert!(o.validate().is_err());
}

#[test]
fn request_options_setters_set_the_fields() {
    let o = RequestOptions::new()
        .timeout(Duration::from_secs(1))
        .redirect(Redirect::None);
    assert_eq!(o.timeout, Some(Duration::from_secs(1)));
    assert_eq!(o.redirect, Redirect::None);
}
