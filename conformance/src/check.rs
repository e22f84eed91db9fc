//! Assertion helpers that return `Err(reason)` instead of panicking.

use std::fmt::Debug;

use crossio_core::{Error, ErrorKind};

/// Fail the case with a formatted reason unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!("line {}: {}", line!(), format!($($fmt)+)));
        }
    };
}

/// Fail the case unless `a == b`.
macro_rules! ensure_eq {
    ($a:expr, $b:expr $(,)?) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(format!(
                "line {}: {} != {}: {:?} vs {:?}",
                line!(),
                stringify!($a),
                stringify!($b),
                a,
                b
            ));
        }
    }};
}

pub(crate) use {ensure, ensure_eq};

/// Turn a crossio error into a case failure naming what was attempted.
pub(crate) trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T> Ctx<T> for Result<T, Error> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

impl<T> Ctx<T> for Option<T> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.ok_or_else(|| format!("{what}: got nothing"))
    }
}

/// Expect `r` to be an error of `kind`; return the error for more checks.
pub(crate) fn expect_kind<T: Debug>(
    r: Result<T, Error>,
    kind: ErrorKind,
    what: &str,
) -> Result<Error, String> {
    match r {
        Ok(v) => Err(format!("{what}: expected a {kind:?} error, got Ok({v:?})")),
        Err(e) if e.kind() == kind => Ok(e),
        Err(e) => Err(format!(
            "{what}: expected a {kind:?} error, got {:?}: {e}",
            e.kind()
        )),
    }
}
