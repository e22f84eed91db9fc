//! Cookies per credentials mode (`Credentials`, `ClientOptions::cookie_store`): the test
//! server's `/cookie/set` and `/cookie/echo` on the page's own origin ([`Env::page`]) and on
//! another origin ([`Env::http`], the same host on another port). What each target does is
//! `Capabilities::http_cookies` ([`CookieJar`]): natively an opt-in jar where every request
//! counts as same-origin, in browsers fetch()'s rules, in Node.js no cookies at all.

use crossio_core::{
    Backend, ClientOptions, CookieJar, Credentials, ErrorKind, Request, StatusCode,
};

use crate::check::{Ctx, ensure, ensure_eq, expect_kind};
use crate::{CaseResult, Env};

/// Whether a request with `mode` carries a cookie stored earlier, as the README table says:
/// `jar` the target's, `store` whether `cookie_store` is on, `same_origin` whether the request
/// goes to the page's origin.
fn carried(jar: CookieJar, store: bool, mode: Credentials, same_origin: bool) -> bool {
    match jar {
        CookieJar::Client => store && mode != Credentials::Omit,
        CookieJar::Browser => match mode {
            Credentials::Omit => false,
            Credentials::SameOrigin => same_origin,
            Credentials::Include => true,
        },
        _ => false,
    }
}

/// A client with the cookie store on (`true`), or, where the target cannot keep one
/// (`Unsupported`, as its capabilities say), `b` itself (`false`).
fn with_store<B: Backend>(b: &B) -> Result<(B, bool), String> {
    let r = b.with_client_options(ClientOptions::new().cookie_store(true));
    if b.capabilities().http_cookies == CookieJar::None {
        expect_kind(r.map(drop), ErrorKind::Unsupported, "cookie_store(true)")?;
        return Ok((b.clone(), false));
    }
    Ok((r.ctx("cookie_store(true)")?, true))
}

/// A cookie name unique to this run and case.
fn name(e: &Env, suffix: &str) -> String {
    format!("c{}{suffix}", e.ws_tag.replace(['-', '.'], "_"))
}

/// GET `url` with `mode` and check the status.
async fn get<B: Backend>(c: &B, url: &str, mode: Credentials) -> Result<String, String> {
    let req = Request::get(url).credentials(mode).build().ctx("build")?;
    let resp = c.send(req).await.ctx(url)?;
    ensure_eq!(resp.status(), StatusCode::OK);
    resp.text().await.ctx(url)
}

/// Ask the page's origin to set cookie `name` (with `mode`; `max_age` 0 deletes it).
async fn set<B: Backend>(
    c: &B,
    e: &Env,
    name: &str,
    mode: Credentials,
    max_age: u32,
) -> CaseResult {
    let url = e.page(&format!(
        "/cookie/set?name={name}&value=v&max_age={max_age}"
    ));
    get(c, &url, mode).await.map(drop)
}

/// Whether `url`'s `/cookie/echo` saw cookie `name` on a request with `mode`.
async fn seen<B: Backend>(
    c: &B,
    base: &str,
    name: &str,
    mode: Credentials,
) -> Result<bool, String> {
    let text = get(c, &format!("{base}/cookie/echo"), mode).await?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| format!("{err}: {text}"))?;
    let cookie = v["cookie"].as_str().unwrap_or("");
    Ok(cookie.split(';').any(|kv| kv.trim() == format!("{name}=v")))
}

/// `Omit` sends no cookie (not even to the page's origin) and stores none from `Set-Cookie`.
pub async fn client_cookies_omit_sends_and_keeps_none<B: Backend>(b: B, e: Env) -> CaseResult {
    let (c, store) = with_store(&b)?;
    let jar = b.capabilities().http_cookies;
    let n = name(&e, "o");
    set(&c, &e, &n, Credentials::Include, 600).await?;
    let checked = omit_checks(&c, &e, &n, carried(jar, store, Credentials::Include, true)).await;
    set(&c, &e, &n, Credentials::Include, 0).await?;
    checked?;
    let n2 = name(&e, "o2");
    set(&c, &e, &n2, Credentials::Omit, 600).await?;
    let kept = seen(&c, &e.page(""), &n2, Credentials::Include).await?;
    set(&c, &e, &n2, Credentials::Include, 0).await?;
    ensure!(!kept, "a Set-Cookie answering an Omit request was stored");
    Ok(())
}

/// The cookie `n` was stored as `stored` says, and an `Omit` request does not carry it.
async fn omit_checks<B: Backend>(c: &B, e: &Env, n: &str, stored: bool) -> CaseResult {
    let page = e.page("");
    ensure_eq!(seen(c, &page, n, Credentials::Include).await?, stored);
    ensure!(
        !seen(c, &page, n, Credentials::Omit).await?,
        "an Omit request carried the cookie"
    );
    Ok(())
}

/// Requests with `mode` to the page's origin and to another one carry the cookie `n` as the
/// README table says for `jar` (with the store on or off).
async fn mode_checks<B: Backend>(
    c: &B,
    e: &Env,
    n: &str,
    mode: Credentials,
    (jar, store): (CookieJar, bool),
) -> CaseResult {
    let own = seen(c, &e.page(""), n, mode).await?;
    ensure_eq!(
        (mode, "own origin", own),
        (mode, "own origin", carried(jar, store, mode, true))
    );
    let other = seen(c, &e.http(""), n, mode).await?;
    ensure_eq!(
        (mode, "other origin", other),
        (mode, "other origin", carried(jar, store, mode, false))
    );
    Ok(())
}

/// Set cookie `n` on the page's origin, run [`mode_checks`] for each of `modes`, delete it.
async fn set_check_delete<B: Backend>(
    c: &B,
    e: &Env,
    n: &str,
    modes: &[Credentials],
    target: (CookieJar, bool),
) -> CaseResult {
    set(c, e, n, Credentials::Include, 600).await?;
    let mut checked = Ok(());
    for &mode in modes {
        checked = mode_checks(c, e, n, mode, target).await;
        if checked.is_err() {
            break;
        }
    }
    set(c, e, n, Credentials::Include, 0).await?;
    checked
}

/// `SameOrigin` carries the cookie to the page's origin but not to another origin (browsers);
/// natively, with the store on, to both (no page: every request counts as same-origin).
pub async fn client_cookies_same_origin_reach_only_the_page_origin<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let (c, store) = with_store(&b)?;
    let jar = b.capabilities().http_cookies;
    let modes = [Credentials::SameOrigin];
    set_check_delete(&c, &e, &name(&e, "s"), &modes, (jar, store)).await
}

/// `Include` carries the cookie to another origin too (the test server answers CORS with
/// credentials).
pub async fn client_cookies_include_reach_other_origins_with_cors<B: Backend>(
    b: B,
    e: Env,
) -> CaseResult {
    let (c, store) = with_store(&b)?;
    let jar = b.capabilities().http_cookies;
    let modes = [Credentials::Include];
    set_check_delete(&c, &e, &name(&e, "i"), &modes, (jar, store)).await
}

/// Without `cookie_store` (the default): natively no cookie is kept in any mode; a browser
/// keeps them anyway (its own store), Node.js never.
pub async fn client_cookie_store_off_is_the_default<B: Backend>(b: B, e: Env) -> CaseResult {
    ensure!(
        !b.client_options().cookie_store,
        "cookie_store is on by default"
    );
    let jar = b.capabilities().http_cookies;
    let modes = [
        Credentials::Omit,
        Credentials::SameOrigin,
        Credentials::Include,
    ];
    set_check_delete(&b, &e, &name(&e, "d"), &modes, (jar, false)).await
}
