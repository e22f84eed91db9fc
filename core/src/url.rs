//! A small URL parser for the four schemes crossio speaks: `http`, `https`, `ws` and `wss`.
//!
//! It implements the WHATWG URL Standard's basic URL parser (<https://url.spec.whatwg.org/>)
//! for absolute URLs with those special schemes, and gives the same results as the `url` crate
//! (version 2) built with the `idna_adapter` 1.0 stub, i.e. without Unicode data:
//!
//! - leading and trailing C0 controls and spaces are trimmed, tabs and newlines removed;
//! - any number of `/` or `\` may follow the scheme (`http:example.com`, `http:\\example.com`
//!   and `http:///example.com` all name the host `example.com`), and `\` separates path
//!   segments like `/`;
//! - user info is split at the last `@` of the authority and percent-encoded;
//! - the host is percent-decoded, then it is an IPv6 address in brackets, an IPv4 address (when
//!   its last label is a number: `127.1`, `0x7f.1`, `0177.0.0.1`, `4294967295` are valid), or a
//!   domain, lowercased. A host that is not ASCII is refused ([`ParseError::NonAsciiHost`]):
//!   write it in its ASCII (`xn--`) form. An `xn--` label is kept as written (lowercased) when
//!   it is valid Punycode, as the `url` crate does without Unicode data: it checks that the
//!   label decodes, nothing about the decoded characters (so `xn--a` is accepted, `xn--` and
//!   `xn--ab-` are not);
//! - a default port (80 for `http`/`ws`, 443 for `https`/`wss`) is dropped;
//! - `.` and `..` segments (also written `%2e`) are resolved, and the path, query and fragment
//!   are percent-encoded with the standard's sets.
//!
//! Any other syntactically valid scheme gives [`ParseError::UnsupportedScheme`], and input
//! without a scheme [`ParseError::RelativeUrlWithoutBase`].

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A parsed absolute `http`, `https`, `ws` or `wss` URL: its serialization (as
/// [`Url::as_str`] returns it) and the offsets of its parts.
///
/// Two URLs compare, order and hash as their serializations.
#[derive(Clone)]
pub struct Url {
    s: String,
    /// Index of the `:` after the scheme.
    scheme_end: usize,
    username_end: usize,
    host_start: usize,
    host_end: usize,
    host: HostKind,
    port: Option<u16>,
    path_start: usize,
    query_start: Option<usize>,
    fragment_start: Option<usize>,
}

#[derive(Clone, Copy)]
enum HostKind {
    Domain,
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// The host of a [`Url`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A domain name: ASCII, lowercase (an `xn--` label stays in its Punycode form).
    Domain(&'a str),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets in the URL).
    Ipv6(Ipv6Addr),
}

/// Why [`Url::parse`] refused its input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The input does not start with a scheme (`letters:`), e.g. it is empty or relative.
    RelativeUrlWithoutBase,
    /// The scheme (lowercased) is valid but none of `http`, `https`, `ws`, `wss`.
    UnsupportedScheme(String),
    /// The host is empty.
    EmptyHost,
    /// The host has a character no domain may have (a space, `<`, `%`, a control, ...).
    InvalidDomainCharacter,
    /// The host (after percent-decoding) is not ASCII; write it in its `xn--` form.
    NonAsciiHost,
    /// An `xn--` label of the host is not valid Punycode.
    InvalidPunycode,
    /// The host ends in a number but is not a valid IPv4 address.
    InvalidIpv4Address,
    /// The host is in brackets but is not a valid IPv6 address.
    InvalidIpv6Address,
    /// The port is not a number up to 65535.
    InvalidPort,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            Self::RelativeUrlWithoutBase => "relative URL without a base",
            Self::UnsupportedScheme(s) => {
                f.write_str("unsupported scheme ")?;
                return f.write_str(s);
            }
            Self::EmptyHost => "empty host",
            Self::InvalidDomainCharacter => "invalid domain character",
            Self::NonAsciiHost => "host name is not ASCII (write it in its xn-- form)",
            Self::InvalidPunycode => "invalid Punycode (xn--) label in the host",
            Self::InvalidIpv4Address => "invalid IPv4 address",
            Self::InvalidIpv6Address => "invalid IPv6 address",
            Self::InvalidPort => "invalid port number",
        };
        f.write_str(msg)
    }
}

impl std::error::Error for ParseError {}

// Percent-encode sets, each a superset of the previous (except the query set).
const FRAGMENT: u8 = 0;
const PATH: u8 = 1;
const USERINFO: u8 = 2;
const QUERY: u8 = 3;

/// Whether byte `b` is percent-encoded in `set` (C0 controls, space, DEL and non-ASCII always).
fn encoded(b: u8, set: u8) -> bool {
    b >= 0x80 || (ENCODE_SETS[usize::from(set)] >> b) & 1 == 1
}

/// The ASCII bytes each set encodes, one bit per byte ([`encoded`]'s table).
const ENCODE_SETS: [u128; 4] = [
    encode_set(FRAGMENT),
    encode_set(PATH),
    encode_set(USERINFO),
    encode_set(QUERY),
];

/// The URL Standard's percent-encode sets, as bits: every set encodes the C0 controls, space
/// and DEL; the fragment set adds the double quote, `<`, `>` and the backtick; the path set
/// also `#`, `?`, `{`, `}`; the user info set also `/ : ; = @ [ \ ] ^ |`; the query set has
/// the double quote, `#`, `<`, `>` and `'` instead.
const fn encode_set(set: u8) -> u128 {
    let extra: &[u8] = match set {
        FRAGMENT => b"\"<>`",
        PATH => b"\"<>`#?{}",
        USERINFO => b"\"<>`#?{}/:;=@[\\]^|",
        _ => b"\"#<>'",
    };
    let mut bits = ((1u128 << 0x21) - 1) | (1 << 0x7f);
    let mut i = 0;
    while i < extra.len() {
        bits |= 1 << extra[i];
        i += 1;
    }
    bits
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Append `s` percent-encoded with `set` (uppercase hex), dropping tabs and newlines.
fn encode(out: &mut String, s: &str, set: u8) {
    // Runs of bytes that stay as they are are copied whole (the common case: all of `s`).
    let mut run = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let tab_or_newline = matches!(b, b'\t' | b'\n' | b'\r');
        if !tab_or_newline && !encoded(b, set) {
            continue;
        }
        if run < i {
            // ASCII bytes that stay (every other byte is encoded): `run..i` are char bounds.
            out.push_str(&s[run..i]);
        }
        run = i + 1;
        if !tab_or_newline {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)].to_ascii_uppercase() as char);
            out.push(HEX[usize::from(b & 15)].to_ascii_uppercase() as char);
        }
    }
    out.push_str(&s[run..]);
}

/// Append `v` in `radix` (10 or 16, lowercase).
fn push_num(out: &mut String, mut v: u32, radix: u32) {
    let mut buf = [0u8; 10];
    let mut n = buf.len();
    loop {
        n -= 1;
        // Constant divisors: a division by a variable radix is several times slower.
        let (q, r) = if radix == 16 {
            (v / 16, v % 16)
        } else {
            (v / 10, v % 10)
        };
        buf[n] = HEX[r as usize];
        v = q;
        if v == 0 {
            break;
        }
    }
    buf[n..].iter().for_each(|&c| out.push(c as char));
}

/// `s` with every `%` followed by two hex digits turned into that byte, everything else as it
/// is (a `+` stays a `+`): how the URL Standard decodes a host, and how a backend reads the
/// percent-encoded user name and password of a URL.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|&h| hex(h)),
            b.get(i + 2).and_then(|&l| hex(l)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn hex(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

impl Url {
    /// Parse an absolute `http`, `https`, `ws` or `wss` URL (see the [module docs](self)).
    pub fn parse(input: &str) -> Result<Url, ParseError> {
        if let Some(url) = Url::already_normal(input) {
            return Ok(url);
        }
        Url::parse_any(input)
    }

    /// The parser proper: any input, normalised (the fast path's reference in the tests).
    fn parse_any(input: &str) -> Result<Url, ParseError> {
        let trimmed = input.trim_matches(|c: char| c <= ' ');
        let owned;
        let s = if trimmed.bytes().any(|c| matches!(c, b'\t' | b'\n' | b'\r')) {
            owned = trimmed.replace(['\t', '\n', '\r'], "");
            owned.as_str()
        } else {
            trimmed
        };
        let b = s.as_bytes();
        let colon = match b.first() {
            Some(c) if c.is_ascii_alphabetic() => b
                .iter()
                .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))),
            _ => None,
        };
        let colon = colon
            .filter(|&i| b[i] == b':')
            .ok_or(ParseError::RelativeUrlWithoutBase)?;
        // One allocation: the serialization is the input's length plus at most a few bytes,
        // unless percent-encoding grows it.
        let mut out = String::with_capacity(s.len() + 8);
        out.push_str(&s[..colon]);
        out.make_ascii_lowercase();
        let default_port = match out.as_str() {
            "http" | "ws" => 80,
            "https" | "wss" => 443,
            _ => return Err(ParseError::UnsupportedScheme(out)),
        };
        out.push_str("://");
        let start = colon
            + 1
            + b[colon + 1..]
                .iter()
                .take_while(|&&c| c == b'/' || c == b'\\')
                .count();
        let rest = &s[start..];
        let auth_end = rest
            .bytes()
            .position(|c| matches!(c, b'/' | b'\\' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let (auth, rest) = rest.split_at(auth_end);
        let (host_port, username_end) = match auth.rfind('@') {
            Some(at) => (&auth[at + 1..], userinfo(&mut out, &auth[..at])),
            None => (auth, out.len()),
        };
        let mut in_brackets = false;
        let split = host_port.bytes().position(|c| {
            in_brackets = (in_brackets || c == b'[') && c != b']';
            c == b':' && !in_brackets
        });
        let (host_raw, port_raw) = match split {
            Some(i) => (&host_port[..i], Some(&host_port[i + 1..])),
            None => (host_port, None),
        };
        let host_start = out.len();
        if host_raw.is_empty() {
            return Err(ParseError::EmptyHost);
        }
        let host = parse_host(&mut out, host_raw)?;
        let host_end = out.len();
        let port = parse_port(port_raw.unwrap_or(""))?.filter(|&p| p != default_port);
        if let Some(p) = port {
            out.push(':');
            push_num(&mut out, u32::from(p), 10);
        }
        let mut url = Url {
            s: out,
            scheme_end: colon,
            username_end,
            host_start,
            host_end,
            host,
            port,
            path_start: 0,
            query_start: None,
            fragment_start: None,
        };
        url.path_query_fragment(rest);
        Ok(url)
    }

    /// `input` as it is, when it already is the serialization [`Url::parse_any`] would give:
    /// a lowercase scheme and `://`, no user info, a lowercase domain of `a-z 0-9 - .` whose
    /// labels are not empty, not `xn--` and whose last one starts with a letter or `-`, or a
    /// dotted-quad IPv4 address written canonically; a port (if any) without leading zeros
    /// and not the scheme's default; a path that starts with `/` with no `.`/`..` segment
    /// and no `\`; and path, query and fragment with no byte their encode set would
    /// change. What URLs built by programs look like: checked in one pass and copied, with
    /// no lowercasing, decoding or re-encoding. `None` sends the input to the parser proper.
    fn already_normal(input: &str) -> Option<Url> {
        let b = input.as_bytes();
        let (scheme_end, default_port) = [("http", 80), ("https", 443), ("ws", 80), ("wss", 443)]
            .into_iter()
            .find_map(|(scheme, port)| {
                let n = scheme.len();
                (b.len() > n + 3 && &b[..n] == scheme.as_bytes() && &b[n..n + 3] == b"://")
                    .then_some((n, port))
            })?;
        let host_start = scheme_end + 3;
        let auth_len = b[host_start..]
            .iter()
            .position(|&c| !matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b':'))?;
        let path_start = host_start + auth_len;
        if b[path_start] != b'/' {
            return None; // user info, a bracket, upper case, no path, ...: the parser proper
        }
        let auth = &input[host_start..path_start];
        let (host, port) = match auth.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (auth, None),
        };
        let host_end = host_start + host.len();
        let kind = normal_host(host)?;
        let port = match port {
            None => None,
            Some(p) => Some(canonical_number(p, 0xffff).filter(|&v| v != default_port)? as u16),
        };
        let (query_start, fragment_start) = normal_rest(input, path_start)?;
        Some(Url {
            s: input.to_owned(),
            scheme_end,
            username_end: host_start,
            host_start,
            host_end,
            host: kind,
            port,
            path_start,
            query_start,
            fragment_start,
        })
    }

    /// Append the path, query and fragment from `rest` (which starts at the end of the host).
    fn path_query_fragment(&mut self, rest: &str) {
        let out = &mut self.s;
        self.path_start = out.len();
        let end = rest
            .bytes()
            .position(|c| c == b'?' || c == b'#')
            .unwrap_or(rest.len());
        let path = &rest[..end];
        let path = path.strip_prefix(['/', '\\']).unwrap_or(path);
        let mut segments = path.split(['/', '\\']).peekable();
        while let Some(seg) = segments.next() {
            let last = segments.peek().is_none();
            match dots(seg.as_bytes()) {
                2 => {
                    // As the `url` crate does (for every scheme), `..` keeps a segment that
                    // looks like a Windows drive letter (`C:`, `c|`).
                    let path = &out[self.path_start..];
                    let i = path.rfind('/').unwrap_or(0);
                    if !matches!(path.as_bytes()[i..], [_, a, b':' | b'|'] if a.is_ascii_alphabetic())
                    {
                        out.truncate(self.path_start + i);
                    }
                    if last {
                        out.push('/');
                    }
                }
                1 => {
                    if last {
                        out.push('/');
                    }
                }
                _ => {
                    out.push('/');
                    encode(out, seg, PATH);
                }
            }
        }
        let mut rest = &rest[end..];
        if let Some(q) = rest.strip_prefix('?') {
            let end = q.find('#').unwrap_or(q.len());
            self.query_start = Some(out.len());
            out.push('?');
            encode(out, &q[..end], QUERY);
            rest = &q[end..];
        }
        if let Some(f) = rest.strip_prefix('#') {
            self.set_fragment(Some(f));
        }
    }

    /// The serialization: the same string as `url::Url::as_str` gives.
    pub fn as_str(&self) -> &str {
        &self.s
    }

    /// The scheme, lowercase: `http`, `https`, `ws` or `wss`.
    pub fn scheme(&self) -> &str {
        &self.s[..self.scheme_end]
    }

    /// The user name, percent-encoded; empty if there is none.
    pub fn username(&self) -> &str {
        &self.s[self.scheme_end + 3..self.username_end]
    }

    /// The password, percent-encoded, if there is one (an empty password is none).
    pub fn password(&self) -> Option<&str> {
        (self.username_end < self.host_start && self.s.as_bytes()[self.username_end] == b':')
            .then(|| &self.s[self.username_end + 1..self.host_start - 1])
    }

    /// The host as written in the URL: never empty; an IPv6 address is in brackets.
    pub fn host_str(&self) -> &str {
        &self.s[self.host_start..self.host_end]
    }

    /// The host: a domain, an IPv4 or an IPv6 address.
    pub fn host(&self) -> Host<'_> {
        match self.host {
            HostKind::Domain => Host::Domain(self.host_str()),
            HostKind::V4(a) => Host::Ipv4(a),
            HostKind::V6(a) => Host::Ipv6(a),
        }
    }

    /// The port, unless it is absent or the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port, or the scheme's default (80 for `http` and `ws`, 443 for `https` and `wss`).
    pub fn port_or_known_default(&self) -> u16 {
        self.port
            .unwrap_or(if matches!(self.scheme(), "https" | "wss") {
                443
            } else {
                80
            })
    }

    /// The path, percent-encoded: starts with `/`.
    pub fn path(&self) -> &str {
        let end = self
            .query_start
            .or(self.fragment_start)
            .unwrap_or(self.s.len());
        &self.s[self.path_start..end]
    }

    /// The query (without the `?`), percent-encoded, if there is one.
    pub fn query(&self) -> Option<&str> {
        let end = self.fragment_start.unwrap_or(self.s.len());
        self.query_start.map(|q| &self.s[q + 1..end])
    }

    /// The fragment (without the `#`), percent-encoded, if there is one.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment_start.map(|f| &self.s[f + 1..])
    }

    /// Replace the fragment: `None` removes it, `Some` percent-encodes the new one (dropping
    /// tabs and newlines), as `url::Url::set_fragment` does.
    pub fn set_fragment(&mut self, fragment: Option<&str>) {
        if let Some(f) = self.fragment_start.take() {
            self.s.truncate(f);
        }
        if let Some(fragment) = fragment {
            self.fragment_start = Some(self.s.len());
            self.s.push('#');
            encode(&mut self.s, fragment, FRAGMENT);
        }
    }
}

/// [`Url::already_normal`]'s host: `Some` for a lowercase domain of `a-z 0-9 - .` with no
/// empty or `xn--` label whose last label starts with a letter or `-` (so it does not end in
/// a number), or for four decimal octets written canonically.
fn normal_host(host: &str) -> Option<HostKind> {
    let (mut octets, mut n, mut numeric, mut last_first) = ([0u8; 4], 0, true, b'.');
    for label in host.split('.') {
        if label.is_empty() || label.starts_with("xn--") {
            return None;
        }
        match (octets.get_mut(n), canonical_number(label, 255)) {
            (Some(o), Some(v)) => *o = v as u8,
            _ => numeric = false,
        }
        n += 1;
        last_first = label.as_bytes()[0];
    }
    if !last_first.is_ascii_digit() {
        Some(HostKind::Domain)
    } else {
        (numeric && n == 4).then(|| HostKind::V4(Ipv4Addr::from(octets)))
    }
}

/// `s` as a decimal number no larger than `max`, written with no leading zero (`0` itself is
/// fine): how the serialization writes a port or an IPv4 octet.
fn canonical_number(s: &str, max: u32) -> Option<u32> {
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    decimal(s, max)
}

/// `s` as a decimal number no larger than `max`: one or more ASCII digits.
fn decimal(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u32, |v, c| {
        let v = v * 10 + u32::from(c.wrapping_sub(b'0'));
        (c.is_ascii_digit() && v <= max).then_some(v)
    })
}

/// [`Url::already_normal`]'s path, query and fragment (the path starts at `path_start`, with
/// a `/`): where the query and the fragment start, if nothing in them needs normalising.
fn normal_rest(s: &str, path_start: usize) -> Option<(Option<usize>, Option<usize>)> {
    let b = s.as_bytes();
    let path_end = b[path_start..]
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .map_or(b.len(), |i| path_start + i);
    if b[path_start..path_end]
        .iter()
        .any(|&c| c == b'\\' || encoded(c, PATH))
        || s[path_start + 1..path_end]
            .split('/')
            .any(|seg| dots(seg.as_bytes()) != 0)
    {
        return None;
    }
    let (query_start, fragment_start) = match b.get(path_end) {
        Some(b'?') => {
            let fragment = b[path_end..].iter().position(|&c| c == b'#');
            (Some(path_end), fragment.map(|i| path_end + i))
        }
        Some(_) => (None, Some(path_end)),
        None => (None, None),
    };
    if let Some(q) = query_start {
        let end = fragment_start.unwrap_or(b.len());
        if b[q + 1..end].iter().any(|&c| encoded(c, QUERY)) {
            return None;
        }
    }
    if let Some(f) = fragment_start {
        if b[f + 1..].iter().any(|&c| encoded(c, FRAGMENT)) {
            return None;
        }
    }
    Some((query_start, fragment_start))
}

/// Append the user info `ui` (what precedes the last `@`) and return the end of the user name.
fn userinfo(out: &mut String, ui: &str) -> usize {
    let (user, pass) = ui.split_once(':').unwrap_or((ui, ""));
    encode(out, user, USERINFO);
    let username_end = out.len();
    if !pass.is_empty() {
        out.push(':');
        encode(out, pass, USERINFO);
    }
    if !user.is_empty() || !pass.is_empty() {
        out.push('@');
    }
    username_end
}

/// The port after a `:`: digits up to 65535 or nothing.
fn parse_port(p: &str) -> Result<Option<u16>, ParseError> {
    if p.is_empty() {
        return Ok(None);
    }
    decimal(p, 0xffff)
        .map(|v| Some(v as u16))
        .ok_or(ParseError::InvalidPort)
}

/// 1 for a single-dot segment (`.`, `%2e`), 2 for a double-dot one, 0 otherwise.
fn dots(mut s: &[u8]) -> u8 {
    let mut n = 0;
    while !s.is_empty() {
        if s[0] == b'.' {
            s = &s[1..];
        } else if s.len() >= 3 && s[0] == b'%' && s[1] == b'2' && s[2] | 0x20 == b'e' {
            s = &s[3..];
        } else {
            return 0;
        }
        n += 1;
    }
    if n > 2 { 0 } else { n }
}

/// Parse the (non-empty) host `raw` and append its serialization.
fn parse_host(out: &mut String, raw: &str) -> Result<HostKind, ParseError> {
    let b = raw.as_bytes();
    if b[0] == b'[' {
        let inner = b[1..]
            .strip_suffix(b"]")
            .ok_or(ParseError::InvalidIpv6Address)?;
        let a = parse_ipv6(inner).ok_or(ParseError::InvalidIpv6Address)?;
        out.push('[');
        write_ipv6(out, &a);
        out.push(']');
        return Ok(HostKind::V6(Ipv6Addr::from(a)));
    }
    // Percent-decode into `out` (the bytes as they are when there is no `%`), then check,
    // lowercase and classify what was written there.
    let start = out.len();
    if b.contains(&b'%') {
        let d = percent_decode(raw);
        if !d.is_ascii() {
            return Err(ParseError::NonAsciiHost);
        }
        out.push_str(std::str::from_utf8(&d).map_err(|_| ParseError::NonAsciiHost)?);
    } else {
        if !raw.is_ascii() {
            return Err(ParseError::NonAsciiHost);
        }
        out.push_str(raw);
    }
    out[start..].make_ascii_lowercase();
    for label in out.as_bytes()[start..].split(|&c| c == b'.') {
        if label
            .iter()
            .any(|&c| c <= b' ' || b"\x7f%#/:<>?@[\\]^|".contains(&c))
        {
            return Err(ParseError::InvalidDomainCharacter);
        }
        if let Some(puny) = label.strip_prefix(b"xn--") {
            if !punycode_ok(puny) {
                return Err(ParseError::InvalidPunycode);
            }
        }
    }
    if !ends_in_number(&out[start..]) {
        return Ok(HostKind::Domain);
    }
    let a = parse_ipv4(&out[start..]).ok_or(ParseError::InvalidIpv4Address)?;
    out.truncate(start);
    for (k, o) in a.octets().into_iter().enumerate() {
        if k > 0 {
            out.push('.');
        }
        push_num(out, u32::from(o), 10);
    }
    Ok(HostKind::V4(a))
}

/// Whether `s` (the lowercase ASCII after `xn--`) is accepted as Punycode by the `idna` crate
/// with its data-less back end: it decodes, it does not end in `-`, the decoded label starts
/// with neither U+200C nor U+200D, has no U+FFFD and at most 1000 characters.
fn punycode_ok(s: &[u8]) -> bool {
    if s.last().is_none_or(|&c| c == b'-') || s.len() > 2000 {
        return false;
    }
    let (base, digits) = match s.iter().rposition(|&c| c == b'-') {
        Some(p) if p > 0 => (p, &s[p + 1..]),
        _ => (0, s),
    };
    let (mut len, mut n, mut bias, mut i) = (base as u32, 0x80u32, 72u32, 0u32);
    let mut first = u32::from(s[0]);
    let mut it = digits.iter();
    while let Some(&c0) = it.next() {
        let (old_i, mut w, mut k, mut c) = (i, 1u32, 36u32, c0);
        loop {
            let d = match c {
                b'a'..=b'z' => c - b'a',
                b'0'..=b'9' => c - b'0' + 26,
                _ => return false,
            };
            let d = u32::from(d);
            let Some(ni) = d.checked_mul(w).and_then(|p| i.checked_add(p)) else {
                return false;
            };
            i = ni;
            let t = k.saturating_sub(bias).clamp(1, 26);
            if d < t {
                break;
            }
            let Some(nw) = w.checked_mul(36 - t) else {
                return false;
            };
            w = nw;
            k += 36;
            let Some(&nc) = it.next() else { return false };
            c = nc;
        }
        let mut delta = (i - old_i) / if old_i == 0 { 700 } else { 2 };
        delta += delta / (len + 1);
        let mut kk = 0;
        while delta > 455 {
            delta /= 35;
            kk += 36;
        }
        bias = kk + 36 * delta / (delta + 38);
        let Some(nn) = n.checked_add(i / (len + 1)) else {
            return false;
        };
        n = nn;
        let at = i % (len + 1);
        if char::from_u32(n).is_none() || n == 0xfffd {
            return false;
        }
        if at == 0 {
            first = n;
        }
        len += 1;
        i = at + 1;
    }
    len <= 1000 && !(0x200c..=0x200d).contains(&first)
}

/// The IPv6 parser of the standard (`b` is what is between the brackets).
fn parse_ipv6(b: &[u8]) -> Option<[u16; 8]> {
    let mut p = [0u16; 8];
    let (mut n, mut i, mut compress) = (0usize, 0usize, None);
    if b.first() == Some(&b':') {
        if b.get(1) != Some(&b':') {
            return None;
        }
        (n, i, compress) = (1, 2, Some(1));
    }
    while i < b.len() {
        if n == 8 {
            return None;
        }
        if b[i] == b':' {
            if compress.is_some() {
                return None;
            }
            i += 1;
            n += 1;
            compress = Some(n);
            continue;
        }
        let start = i;
        let mut v = 0u32;
        while let Some(d) = b.get(i).and_then(|&c| hex(c)).filter(|_| i - start < 4) {
            v = v * 16 + d;
            i += 1;
        }
        match b.get(i) {
            Some(b'.') => {
                if i == start || n > 6 {
                    return None;
                }
                return ipv6_tail_v4(&b[start..], p, n, compress);
            }
            Some(b':') => {
                i += 1;
                if i == b.len() {
                    return None;
                }
            }
            Some(_) => return None,
            None => {}
        }
        p[n] = v as u16;
        n += 1;
    }
    ipv6_finish(p, n, compress)
}

/// The dotted IPv4 end of an IPv6 address (`b`), from piece `n` on.
fn ipv6_tail_v4(b: &[u8], mut p: [u16; 8], mut n: usize, c: Option<usize>) -> Option<[u16; 8]> {
    let mut i = 0;
    for seen in 0..4 {
        if seen > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let mut v: Option<u16> = None;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            v = match v {
                None => Some(u16::from(d - b'0')),
                Some(0) => return None,
                Some(x) => Some(x * 10 + u16::from(d - b'0')).filter(|&y| y <= 255),
            };
            v?;
            i += 1;
        }
        let piece = p.get_mut(n)?;
        *piece = *piece * 0x100 + v?;
        if seen % 2 == 1 {
            n += 1;
        }
    }
    if i < b.len() {
        return None;
    }
    ipv6_finish(p, n, c)
}

/// Move the pieces after the `::` to the end.
fn ipv6_finish(mut p: [u16; 8], n: usize, compress: Option<usize>) -> Option<[u16; 8]> {
    match compress {
        Some(c) => {
            let (mut swaps, mut at) = (n - c, 7);
            while at != 0 && swaps > 0 {
                p.swap(at, c + swaps - 1);
                at -= 1;
                swaps -= 1;
            }
            Some(p)
        }
        None => (n == 8).then_some(p),
    }
}

/// Append the canonical form of an IPv6 address: lowercase hex, the first longest run of two
/// or more zero pieces written `::`.
fn write_ipv6(out: &mut String, p: &[u16; 8]) {
    let (mut best, mut best_len, mut run) = (8, 1, 0);
    for (i, &piece) in p.iter().enumerate() {
        run = if piece == 0 { run + 1 } else { 0 };
        if run > best_len {
            (best, best_len) = (i + 1 - run, run);
        }
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            out.push_str(if i == 0 { "::" } else { ":" });
            i += best_len;
            continue;
        }
        push_num(out, u32::from(p[i]), 16);
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
}

/// The standard's "ends in a number" check on a lowercase ASCII domain.
fn ends_in_number(dom: &str) -> bool {
    let mut parts = dom.rsplit('.');
    let mut last = parts.next().unwrap_or("");
    if last.is_empty() {
        match parts.next() {
            Some(l) => last = l,
            None => return false,
        }
    }
    (!last.is_empty() && last.bytes().all(|c| c.is_ascii_digit())) || ipv4_number(last).is_ok()
}

/// The IPv4 number parser: `Ok(None)` for a valid number too big for a `u32`.
fn ipv4_number(s: &str) -> Result<Option<u32>, ()> {
    let b = s.as_bytes();
    let (radix, digits) = match b {
        [] => return Err(()),
        [b'0', b'x', rest @ ..] => (16, rest),
        [b'0', rest @ ..] if !rest.is_empty() => (8, rest),
        _ => (10, b),
    };
    let mut v = Some(0u32);
    for &c in digits {
        let d = hex(c).filter(|&d| d < radix).ok_or(())?;
        v = v.and_then(|v| v.checked_mul(radix)?.checked_add(d));
    }
    Ok(v)
}

/// The IPv4 parser (for a domain that ends in a number).
fn parse_ipv4(dom: &str) -> Option<Ipv4Addr> {
    let dom = dom.strip_suffix('.').unwrap_or(dom);
    let count = dom.split('.').count();
    if count > 4 {
        return None;
    }
    let mut acc = 0u32;
    for (k, part) in dom.split('.').enumerate() {
        let v = ipv4_number(part).ok()??;
        if k + 1 < count {
            if v > 255 {
                return None;
            }
            acc |= v << (8 * (3 - k));
        } else {
            if v > u32::MAX >> (8 * k) {
                return None;
            }
            acc += v;
        }
    }
    Some(Ipv4Addr::from(acc))
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.s)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.s, f)
    }
}

impl FromStr for Url {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Url, ParseError> {
        Url::parse(s)
    }
}

impl AsRef<str> for Url {
    fn as_ref(&self) -> &str {
        &self.s
    }
}

impl PartialEq for Url {
    fn eq(&self, other: &Url) -> bool {
        self.s == other.s
    }
}

impl Eq for Url {}

impl PartialOrd for Url {
    fn partial_cmp(&self, other: &Url) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Url {
    fn cmp(&self, other: &Url) -> std::cmp::Ordering {
        self.s.cmp(&other.s)
    }
}

impl Hash for Url {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.s.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    // The reference: the `url` crate (dev-dependency `url_crate`), as crossio used it before.

    /// `input` parses to `expected`, and the `url` crate agrees.
    #[track_caller]
    fn ok(input: &str, expected: &str) {
        let u = Url::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(u.as_str(), expected, "{input:?}");
        assert_eq!(
            url_crate::Url::parse(input).unwrap().as_str(),
            expected,
            "url: {input:?}"
        );
    }

    #[track_caller]
    fn err(input: &str, e: ParseError) {
        assert_eq!(Url::parse(input), Err(e), "{input:?}");
        let theirs = url_crate::Url::parse(input);
        assert!(
            theirs.is_err() || !matches!(theirs.unwrap().scheme(), "http" | "https" | "ws" | "wss")
        );
    }

    #[test]
    fn percent_decode_takes_only_two_hex_digits() {
        assert_eq!(percent_decode("a+b%2B%zz%4"), b"a+b+%zz%4");
        assert_eq!(percent_decode("%C3%BC%41"), "\u{fc}A".as_bytes());
        assert_eq!(percent_decode("%"), b"%");
    }

    #[test]
    fn schemes_and_slashes() {
        ok("HTTP://Example.COM", "http://example.com/");
        ok("wss://h:443/x", "wss://h/x");
        ok("ws://h:80", "ws://h/");
        ok("https://h:80", "https://h:80/");
        ok("http:example.com", "http://example.com/");
        ok("http:/example.com", "http://example.com/");
        ok("http:\\\\example.com\\a\\b", "http://example.com/a/b");
        ok("http:///example.com", "http://example.com/");
        ok(" \u{1}http://h/\t\n\r \u{0}", "http://h/");
        ok("ht\ttp://e\nx.com/a\r/b", "http://ex.com/a/b");
        err("", ParseError::RelativeUrlWithoutBase);
        err("//example.com", ParseError::RelativeUrlWithoutBase);
        err("1a://h", ParseError::RelativeUrlWithoutBase);
        err("http", ParseError::RelativeUrlWithoutBase);
        err("FTP://h", ParseError::UnsupportedScheme("ftp".into()));
        err("a1+://h", ParseError::UnsupportedScheme("a1+".into()));
        err("mailto:x@y", ParseError::UnsupportedScheme("mailto".into()));
        err("http://", ParseError::EmptyHost);
        err("http:///", ParseError::EmptyHost);
        err("http://?x", ParseError::EmptyHost);
    }

    #[test]
    fn userinfo() {
        let u = Url::parse("http://us er:p:w@h").unwrap();
        assert_eq!(u.as_str(), "http://us%20er:p%3Aw@h/");
        assert_eq!((u.username(), u.password()), ("us%20er", Some("p%3Aw")));
        ok("http://a@b@h/", "http://a%40b@h/");
        ok("http://@h", "http://h/");
        ok("http://:@h", "http://h/");
        ok("http://u:@h", "http://u@h/");
        let u = Url::parse("http://:p@h").unwrap();
        assert_eq!(
            (u.as_str(), u.username(), u.password()),
            ("http://:p@h/", "", Some("p"))
        );
        let u = Url::parse("http://h").unwrap();
        assert_eq!((u.username(), u.password()), ("", None));
        err("http://u@", ParseError::EmptyHost);
        err("http://u@:80", ParseError::EmptyHost);
        ok("http://h/a@b", "http://h/a@b");
    }

    #[test]
    fn hosts() {
        ok("http://EXAMPLE.com./", "http://example.com./");
        ok("http://a%2Eb/", "http://a.b/");
        ok("http://%41/", "http://a/");
        ok("http://a..b/", "http://a..b/");
        ok(
            "http://xn--bcher-kva.example/",
            "http://xn--bcher-kva.example/",
        );
        ok(
            "http://XN--BCHER-KVA.example/",
            "http://xn--bcher-kva.example/",
        );
        ok("http://xn--a/", "http://xn--a/");
        ok("http://ab--c/", "http://ab--c/");
        ok("http://xn--a-ugn/", "http://xn--a-ugn/");
        ok("http://xn--b-sgn/", "http://xn--b-sgn/");
        ok("http://xn--tda020n/", "http://xn--tda020n/");
        err("http://xn--a-tgn/", ParseError::InvalidPunycode);
        err("http://xn--a-rgn/", ParseError::InvalidPunycode);
        err("http://xn--zn7c/", ParseError::InvalidPunycode);
        err("http://xn--/", ParseError::InvalidPunycode);
        // Each `a` decodes to one U+0080: at most 1000 decoded characters, 2000 encoded.
        ok(
            &format!("http://xn--{}/", "a".repeat(1000)),
            &format!("http://xn--{}/", "a".repeat(1000)),
        );
        err(
            &format!("http://xn--{}/", "a".repeat(1001)),
            ParseError::InvalidPunycode,
        );
        err(
            &format!("http://xn--{}/", "a".repeat(2001)),
            ParseError::InvalidPunycode,
        );
        err("http://xn--ab-/", ParseError::InvalidPunycode);
        err("http://xn--bcher-kv!/", ParseError::InvalidPunycode);
        err("http://b\u{fc}cher/", ParseError::NonAsciiHost);
        err("http://\u{ff45}xample/", ParseError::NonAsciiHost);
        err("http://%C3%BC/", ParseError::NonAsciiHost);
        err("http://a b/", ParseError::InvalidDomainCharacter);
        err("http://a<b/", ParseError::InvalidDomainCharacter);
        err("http://a%25b/", ParseError::InvalidDomainCharacter);
        err("http://a%/", ParseError::InvalidDomainCharacter);
        let u = Url::parse("http://Example.com:8080/").unwrap();
        assert_eq!(u.host(), Host::Domain("example.com"));
        assert_eq!(u.host_str(), "example.com");
    }

    #[test]
    fn ipv4() {
        ok("http://127.0.0.1/", "http://127.0.0.1/");
        ok("http://127.1/", "http://127.0.0.1/");
        ok("http://0x7f.1/", "http://127.0.0.1/");
        ok("http://0177.0.0.1/", "http://127.0.0.1/");
        ok("http://4294967295/", "http://255.255.255.255/");
        ok("http://0x/", "http://0.0.0.0/");
        ok("http://1.2.3.4./", "http://1.2.3.4/");
        ok("http://1.2.3.0x/", "http://1.2.3.0/");
        ok("http://09.a/", "http://09.a/");
        err("http://4294967296/", ParseError::InvalidIpv4Address);
        err("http://1.2.3.4.5/", ParseError::InvalidIpv4Address);
        err("http://1.2.3.09/", ParseError::InvalidIpv4Address);
        err("http://256.1.1.1/", ParseError::InvalidIpv4Address);
        err("http://1.2.65536/", ParseError::InvalidIpv4Address);
        err("http://a.1/", ParseError::InvalidIpv4Address);
        let u = Url::parse("http://10.0.0.1:81/").unwrap();
        assert_eq!(u.host(), Host::Ipv4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!((u.port(), u.port_or_known_default()), (Some(81), 81));
    }

    #[test]
    fn ipv6() {
        ok("http://[::1]/", "http://[::1]/");
        ok("http://[1:2::3:4]:8080/", "http://[1:2::3:4]:8080/");
        ok("http://[::ffff:1.2.3.4]/", "http://[::ffff:102:304]/");
        ok("http://[1:0:0:2::3:0]/", "http://[1::2:0:0:3:0]/");
        ok("http://[0:0:1:0:0:0:1:0]/", "http://[0:0:1::1:0]/");
        ok("http://[1:0:1:0:1:0:1:0]/", "http://[1:0:1:0:1:0:1:0]/");
        ok("http://[::]/", "http://[::]/");
        ok("http://[1::]/", "http://[1::]/");
        ok("http://[ABCD::0001]/", "http://[abcd::1]/");
        for bad in [
            "[::",
            "[g::1]",
            "[]",
            "[:1]",
            "[1:::2]",
            "[1:2:3:4:5:6:7:8:9]",
            "[::1.2.3]",
            "[::1.2.3.04]",
            "[::1.2.3.256]",
            "[1:]",
            "[::1]x",
            "[1:2:3:4:5:6:7:1.2.3.4]",
        ] {
            err(&format!("http://{bad}/"), ParseError::InvalidIpv6Address);
        }
        let u = Url::parse("https://[::1]/").unwrap();
        assert_eq!(u.host(), Host::Ipv6(Ipv6Addr::LOCALHOST));
        assert_eq!(u.host_str(), "[::1]");
    }

    #[test]
    fn ports() {
        ok("http://h:0/", "http://h:0/");
        ok("http://h:65535/", "http://h:65535/");
        ok("http://h:0080/", "http://h/");
        ok("http://h:/", "http://h/");
        ok("https://h:443?q", "https://h/?q");
        err("http://h:65536/", ParseError::InvalidPort);
        err("http://h:8a/", ParseError::InvalidPort);
        err("http://h:1:2/", ParseError::InvalidPort);
        err("http://:80/", ParseError::EmptyHost);
        let u = Url::parse("wss://h").unwrap();
        assert_eq!((u.port(), u.port_or_known_default()), (None, 443));
    }

    #[test]
    fn paths() {
        ok("http://h/a/./b/../c", "http://h/a/c");
        ok("http://h/a/..", "http://h/");
        ok("http://h/a/b/..", "http://h/a/");
        ok("http://h/../../x", "http://h/x");
        ok("http://h/%2e/%2E%2e/.%2E/%2e./x", "http://h/x");
        ok("http://h/.../x", "http://h/.../x");
        ok("http://h//a//", "http://h//a//");
        ok("http://h/a/.", "http://h/a/");
        ok("http://h\\a\\b", "http://h/a/b");
        ok("http://h/ |\"<>`{}^'", "http://h/%20|%22%3C%3E%60%7B%7D^'");
        ok("http://h/\u{e4}/%zz", "http://h/%C3%A4/%zz");
        ok("http://h/C:/x", "http://h/C:/x");
        // The `url` crate's quirk: `..` does not remove a drive-letter-like segment.
        ok("http://h/C:/..", "http://h/C:/");
        ok("http://h/a/z|/../b", "http://h/a/z|/b");
        ok("http://h/a/C:x/../b", "http://h/a/b");
        let u = Url::parse("http://h/p?q#f").unwrap();
        assert_eq!(
            (u.path(), u.query(), u.fragment()),
            ("/p", Some("q"), Some("f"))
        );
    }

    #[test]
    fn query_and_fragment() {
        ok("http://h?'\"<> `{}", "http://h/?%27%22%3C%3E%20`{}");
        ok("http://h?\u{e4}#\u{e4}", "http://h/?%C3%A4#%C3%A4");
        ok("http://h?", "http://h/?");
        ok("http://h#", "http://h/#");
        ok("http://h#a b?#<>`'\"", "http://h/#a%20b?#%3C%3E%60'%22");
        ok(
            "http://h/\u{0}?\u{0}#\u{0}\u{7f}",
            "http://h/%00?%00#%00%7F",
        );
        let mut u = Url::parse("http://h/p?q#f").unwrap();
        u.set_fragment(None);
        assert_eq!((u.as_str(), u.fragment()), ("http://h/p?q", None));
        u.set_fragment(Some("a b\t"));
        assert_eq!(
            (u.as_str(), u.fragment()),
            ("http://h/p?q#a%20b", Some("a%20b"))
        );
        let u = Url::parse("http://h/p").unwrap();
        assert_eq!((u.query(), u.fragment()), (None, None));
    }

    #[test]
    fn traits() {
        let u: Url = "HTTP://h/".parse().unwrap();
        assert_eq!(u, Url::parse("http://h").unwrap());
        assert_eq!(u.to_string(), "http://h/");
        assert_eq!(format!("{u:?}"), "\"http://h/\"");
        assert_eq!(u.as_ref(), "http://h/");
        assert!(u < Url::parse("http://i/").unwrap());
        assert_eq!(
            ParseError::UnsupportedScheme("ftp".into()).to_string(),
            "unsupported scheme ftp"
        );
    }

    /// Every part of two parses of the same input, for the fast path against the parser proper.
    fn parts(u: &Url) -> impl PartialEq + fmt::Debug + '_ {
        (
            (
                u.as_str(),
                u.scheme(),
                u.username(),
                u.password(),
                u.host_str(),
            ),
            (u.host(), u.port(), u.path(), u.query(), u.fragment()),
        )
    }

    /// The fast path, where it takes the input, gives exactly what the parser proper gives.
    fn fast_path_agrees(s: &str) -> Result<(), TestCaseError> {
        if let Some(fast) = Url::already_normal(s) {
            let full = Url::parse_any(s);
            prop_assert!(
                full.is_ok(),
                "{s:?}: fast path took it, parser refused: {full:?}"
            );
            let full = full.unwrap();
            prop_assert_eq!(parts(&fast), parts(&full), "{:?}", s);
        }
        Ok(())
    }

    /// Ours agrees with the `url` crate on `s` (and the fast path with the parser proper).
    fn agree(s: &str) -> Result<(), TestCaseError> {
        fast_path_agrees(s)?;
        let ours = Url::parse(s);
        // Built with debug assertions, the `url` crate's IDNA stub panics on some hosts that
        // are not ASCII (`http://Aü`: upper case before the first non-ASCII character); in a
        // release build it refuses them. Count a panic as a refusal.
        let theirs = std::panic::catch_unwind(|| url_crate::Url::parse(s))
            .unwrap_or(Err(url_crate::ParseError::IdnaError));
        let Ok(t) = theirs else {
            prop_assert!(ours.is_err(), "{s:?}: ours {ours:?}, url {theirs:?}");
            return Ok(());
        };
        if !matches!(t.scheme(), "http" | "https" | "ws" | "wss") {
            prop_assert_eq!(
                ours,
                Err(ParseError::UnsupportedScheme(t.scheme().into())),
                "{:?}",
                s
            );
            return Ok(());
        }
        let Ok(mut o) = ours else {
            return Err(TestCaseError::fail(format!(
                "{s:?}: ours {ours:?}, url {t}"
            )));
        };
        prop_assert_eq!(o.as_str(), t.as_str(), "{:?}", s);
        prop_assert_eq!(o.scheme(), t.scheme());
        prop_assert_eq!(o.username(), t.username());
        prop_assert_eq!(o.password(), t.password());
        prop_assert_eq!(Some(o.host_str()), t.host_str());
        let host = match t.host() {
            Some(url_crate::Host::Domain(d)) => Host::Domain(d),
            Some(url_crate::Host::Ipv4(a)) => Host::Ipv4(a),
            Some(url_crate::Host::Ipv6(a)) => Host::Ipv6(a),
            None => return Err(TestCaseError::fail("no host")),
        };
        prop_assert_eq!(o.host(), host);
        prop_assert_eq!(o.port(), t.port());
        prop_assert_eq!(Some(o.port_or_known_default()), t.port_or_known_default());
        prop_assert_eq!(o.path(), t.path());
        prop_assert_eq!(o.query(), t.query());
        prop_assert_eq!(o.fragment(), t.fragment());
        // A serialization parses to itself, through the fast path wherever it applies.
        let again = Url::parse(o.as_str());
        prop_assert_eq!(again.as_ref().map(parts), Ok(parts(&o)), "{:?}", s);
        fast_path_agrees(o.as_str())?;
        let mut t = t;
        o.set_fragment(None);
        t.set_fragment(None);
        prop_assert_eq!(o.as_str(), t.as_str());
        Ok(())
    }

    #[test]
    fn fast_path_takes_normal_urls_only() {
        for s in [
            "http://127.0.0.1:8080/bytes/1024",
            "https://example.com/",
            "ws://localhost:9000/a//b/?x=1&y=%20#frag#more",
            "wss://a-b.example/%7e",
            "http://0.0.0.0:0/",
            "http://10.20.30.255:65535/x",
        ] {
            let fast = Url::already_normal(s).expect(s);
            assert_eq!(fast.as_str(), s);
            let full = Url::parse_any(s).unwrap();
            assert_eq!(parts(&fast), parts(&full), "{s}");
        }
        for s in [
            "HTTP://h/",
            "http://H/",
            "http://h",
            "http://h?q",
            "http://h:80/",
            "https://h:443/",
            "http://h:/",
            "http://h:080/",
            "http://u@h/",
            "http://[::1]/",
            "http://xn--nxasmq6b/",
            "http://h./",
            "http://a..b/",
            "http://127.1/",
            "http://127.0.0.01/",
            "http://1.2.3.4.5/",
            "http://h/a/../b",
            "http://h/a/%2E/b",
            "http://h/a\\b",
            "http://h/a b",
            "http://h/{}",
            "http://h/?a'b",
            "http://h/#a`b",
            " http://h/",
            "http://h/\t",
            "http://h/ä",
            "ftp://h/",
        ] {
            assert!(Url::already_normal(s).is_none(), "{s}");
        }
    }

    const SCHEMES: &[&str] = &[
        "http", "HTTPS", "Ws", "wss", "hTtP", "ftp", "file", "mailto", "a1+", "1a", "",
    ];
    const SEPS: &[&str] = &[":", "://", ":\\\\", ":/", ":///", "//", ":\\", "\\\\", "/"];
    const USERINFO_P: &[&str] = &[
        "", "", "user@", "u:p@", "@", ":@", "%40@", " @", "%@", "a@b@", "u:", "user", "u:p:q@",
        "\u{e4}@",
    ];
    const HOSTS: &[&str] = &[
        "example.com",
        "EXAMPLE.com.",
        "127.0.0.1",
        "127.1",
        "0x7f.1",
        "0177.0.0.1",
        "4294967295",
        "4294967296",
        "1.2.3.4.5",
        "1.2.3.09",
        "[::1]",
        "[1:2::3:4]",
        "[::ffff:1.2.3.4]",
        "[1:0:0:2::3:0]",
        "[::",
        "[g::1]",
        "a%2Eb",
        "%41",
        "a b",
        "a<b",
        "xn--bcher-kva.example",
        "b\u{fc}cher",
        "\u{ff45}xample",
        "%C3%BC",
        "a..b",
        "",
        "xn--a",
        "xn--",
        "XN--ab-",
        "xn--zz-zzz",
        "0x",
        "1.",
        ".",
        "a.09",
        "%2e",
        "[::1]x",
        "a]:b",
        "xn--bcher-kva",
        "xn--ls8h",
        "09",
    ];
    const PORTS: &[&str] = &[
        "", "", ":80", ":443", ":0", ":65535", ":65536", ":", ":8a", ":0080",
    ];
    const PATHS: &[&str] = &[
        "/", "/a/b", "/./", "/../", "/%2e/", "/%2E%2e/", "/a/..", "/\u{e4}", "/%zz", "/ |\"<>",
        "\\x", ".", "..", "/.%2e", "/C:", "//", "a",
    ];
    const QUERIES: &[&str] = &["", "?a=b", "?", "?'\"<>", "?\u{e4}", "?a?b"];
    const FRAGS: &[&str] = &["", "#", "#f", "#a b", "#\u{e4}", "#?#"];
    const WS: &[&str] = &[
        "\t", "\n", "\r", " ", "\u{0}", "\u{1f}", "\u{7f}", "@", ":", "[", "]", "%", "#", "?",
    ];

    fn scheme() -> impl Strategy<Value = &'static str> {
        prop_oneof![3 => select(&SCHEMES[..5]), 1 => select(SCHEMES)]
    }

    fn structured() -> impl Strategy<Value = String> {
        let parts = (
            scheme(),
            select(SEPS),
            select(USERINFO_P),
            select(HOSTS),
            select(PORTS),
            proptest::collection::vec(select(PATHS), 0..3),
            select(QUERIES),
            select(FRAGS),
        );
        let noise = proptest::collection::vec((any::<prop::sample::Index>(), select(WS)), 0..3);
        (parts, noise).prop_map(|((s, sep, ui, h, port, paths, q, f), noise)| {
            let mut url = [s, sep, ui, h, port].concat() + &paths.concat() + q + f;
            for (at, w) in noise {
                let mut i = at.index(url.len() + 1);
                while !url.is_char_boundary(i) {
                    i -= 1;
                }
                url.insert_str(i, w);
            }
            url
        })
    }

    fn pieces() -> impl Strategy<Value = String> {
        let all: Vec<&str> = [
            SCHEMES, SEPS, USERINFO_P, HOSTS, PORTS, PATHS, QUERIES, FRAGS, WS,
        ]
        .concat();
        proptest::collection::vec(select(all), 0..10).prop_map(|v| v.concat())
    }

    /// Hosts from small alphabets: Punycode labels, IPv4-like and IPv6-like strings.
    fn host_strings() -> impl Strategy<Value = String> {
        let host = prop_oneof![
            "([xX][nN]--)?[a-zA-Z0-9-]{0,12}(\\.(xn--)?[a-z0-9-]{0,6}){0,2}",
            "[0-9a-fA-FxX.]{1,16}",
            "\\[[0-9a-fA-F:.]{0,24}\\]",
            "\\[(([0-9a-fA-F]{1,4}|0)?:){0,8}(:|[0-9a-fA-F]{1,5}|[0-9]{1,3}(\\.[0-9]{1,3}){0,4})\\]",
            "[a-z%0-9.A-F]{1,10}",
        ];
        (scheme(), host, select(PORTS), select(PATHS))
            .prop_map(|(s, h, p, path)| format!("{s}://{h}{p}{path}"))
    }

    /// `n` cases, or `URL_CASES` (e.g. `URL_CASES=100000` for a deeper run).
    fn cases(n: u32) -> ProptestConfig {
        let n = std::env::var("URL_CASES").map_or(n, |v| v.parse().expect("URL_CASES"));
        ProptestConfig {
            cases: n,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(cases(20_000))]

        #[test]
        fn differential_pieces(
            s in prop_oneof![3 => structured(), 1 => pieces(), 2 => host_strings()],
        ) {
            agree(&s)?;
        }
    }

    proptest! {
        #![proptest_config(cases(5_000))]

        /// URLs as programs write them (what the fast path is for): IPv4 or domain hosts,
        /// any port, paths, queries and fragments of URL-safe characters with now and then
        /// one that is not. Every one agrees with `url`, fast path or not.
        #[test]
        fn differential_program_urls(
            scheme in select(&["http", "https", "ws", "wss"][..]),
            host in prop_oneof![
                any::<[u8; 4]>().prop_map(|o| format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])),
                "[a-z0-9-]{1,12}(\\.[a-z0-9-]{1,8}){0,3}",
                "[a-z0-9]{1,3}(\\.[0-9]{1,3}){0,4}",
            ],
            port in prop::option::of(0u32..70_000),
            path in "(/[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,8}){1,4}",
            query in prop::option::of("[a-zA-Z0-9._~%!$&()*+,;=:@/?'-]{0,12}"),
            fragment in prop::option::of("[a-zA-Z0-9._~%!$&()*+,;=:@/?#-]{0,8}"),
        ) {
            let port = port.map_or(String::new(), |p| format!(":{p}"));
            let query = query.map_or(String::new(), |q| format!("?{q}"));
            let fragment = fragment.map_or(String::new(), |f| format!("#{f}"));
            agree(&format!("{scheme}://{host}{port}{path}{query}{fragment}"))?;
        }
    }

    proptest! {
        #![proptest_config(cases(10_000))]

        #[test]
        fn differential_any_string(s in prop_oneof![
            any::<String>(),
            any::<String>().prop_map(|s| format!("http://{s}")),
            any::<String>().prop_map(|s| format!("https://h{s}")),
        ]) {
            agree(&s)?;
        }
    }
}
