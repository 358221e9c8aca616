//! Small pure conversions the connections share.

use serde_json::{Number, Value};

/// Lower-case hex of bytes, as the store reads blob columns.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// A host error's text on one line, without the `Stack backtrace:` tail Spin's host appends.
pub fn host_error(text: &str) -> String {
    let head = text.split("Stack backtrace:").next().unwrap_or(text);
    one_line(head.trim())
}

/// Line breaks and tabs replaced by spaces (log lines are parsed line by line).
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t'])
        .filter(|part| !part.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Postgres NUMERIC as a JSON number: integral when it has no fraction (`SUM` of a BIGINT
/// column), a double otherwise (`AVG`).
pub fn decimal(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    let x: f64 = text.parse().ok()?;
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        return Some(Value::from(x as i64));
    }
    Number::from_f64(x).map(Value::Number)
}

/// A float as a JSON number (`None` for NaN and infinities, which JSON cannot hold).
pub fn float(x: f64) -> Option<Value> {
    Number::from_f64(x).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0, 255, 7, 0xab]), "00ff07ab");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn host_errors_lose_their_backtrace() {
        let e = "QueryFailed(Text(\"relation \\\"x\\\" does not exist\"))\n\nStack backtrace:\n   0: foo\n   1: bar";
        assert_eq!(
            host_error(e),
            "QueryFailed(Text(\"relation \\\"x\\\" does not exist\"))"
        );
        assert_eq!(host_error("a\nb"), "a b");
    }

    #[test]
    fn decimals_become_numbers() {
        assert_eq!(decimal("9000000020"), Some(Value::from(9_000_000_020_i64)));
        assert_eq!(decimal("12.00"), Some(Value::from(12)));
        assert_eq!(
            decimal("5.3333333333333333"),
            Some(Value::from(5.333333333333333))
        );
        assert_eq!(decimal("-0.5"), Some(Value::from(-0.5)));
        assert_eq!(decimal("NaN"), None);
        assert_eq!(decimal("abc"), None);
        assert_eq!(float(f64::INFINITY), None);
    }
}
