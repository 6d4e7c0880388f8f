//! How Kubernetes' decoder resolves a plain (unquoted) YAML scalar.
//!
//! `kubectl` and the API server read YAML with sigs.k8s.io/yaml, which is go-yaml v2 (YAML 1.1
//! rules) followed by a conversion to JSON. serde-saphyr follows YAML 1.2, so a plain scalar is
//! re-resolved here from its source text, exactly as go-yaml v2's `resolve` does:
//! - booleans are the exact spellings `y Y yes Yes YES on On ON true True TRUE` and their
//!   negatives (`yEs` stays a string);
//! - nulls are `~ null Null NULL` and the empty scalar;
//! - numbers go through Go's `strconv.ParseInt(s, 0, 64)` after dropping `_`: `0755` and `0o755`
//!   are octal 493, `0x1F` is 31, `0b101` is 5; `08` is not octal and becomes the float 8;
//! - timestamps stay strings (go-yaml v2 keeps them as text in untyped values).

/// A resolved scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str,
}

/// Whether go-yaml v2 could read a scalar YAML 1.2 read as this text as something else: it starts
/// like a number, or is one of the null and boolean words. Cheap, and false for nearly all names.
pub fn may_not_be_text(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'~') => true,
        Some(_) => !matches!(resolve(s), Scalar::Str),
    }
}

/// Resolves a plain scalar's text as go-yaml v2 does; [`Scalar::Str`] means "the text itself".
pub fn resolve(s: &str) -> Scalar {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Scalar::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first == b'.' {
        return go_float(s).map_or(Scalar::Str, Scalar::Float);
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return Scalar::Str;
    }
    if is_timestamp(s) {
        return Scalar::Str;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_int_base0(&plain) {
        return match i {
            Num::Neg(v) => Scalar::Int(v),
            Num::Pos(v) => i64::try_from(v).map_or(Scalar::UInt(v), Scalar::Int),
        };
    }
    if is_yaml_float(&plain) {
        if let Some(f) = go_float(&plain) {
            return Scalar::Float(f);
        }
    }
    Scalar::Str
}

enum Num {
    Neg(i64),
    Pos(u64),
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)`: optional sign, then `0x`, `0o`,
/// `0b` or a leading `0` (octal) prefix, else decimal.
fn parse_int_base0(s: &str) -> Option<Num> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        // i64::MIN's magnitude is one more than i64::MAX.
        if v <= i64::MAX as u64 {
            Some(Num::Neg(-(v as i64)))
        } else if v == i64::MAX as u64 + 1 {
            Some(Num::Neg(i64::MIN))
        } else {
            None
        }
    } else {
        Some(Num::Pos(v))
    }
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` on the decimal forms YAML can reach here.
fn go_float(s: &str) -> Option<f64> {
    if !s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    s.parse::<f64>().ok()
}

/// go-yaml v2's timestamp forms: `2006-01-02`, `2006-01-02T15:04:05Z07:00` and the like. A plain
/// scalar of that shape is kept as text.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' ' | b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octals_as_go_reads_them() {
        assert_eq!(resolve("0755"), Scalar::Int(493));
        assert_eq!(resolve("0o755"), Scalar::Int(493));
        assert_eq!(resolve("0550"), Scalar::Int(360));
        assert_eq!(resolve("0555"), Scalar::Int(365));
        assert_eq!(resolve("0644"), Scalar::Int(420));
        assert_eq!(resolve("0"), Scalar::Int(0));
        assert_eq!(resolve("-010"), Scalar::Int(-8));
        assert_eq!(resolve("0x1F"), Scalar::Int(31));
        assert_eq!(resolve("0b101"), Scalar::Int(5));
        assert_eq!(resolve("1_000"), Scalar::Int(1000));
        // Not octal: Go's ParseInt fails, the float pattern matches.
        assert_eq!(resolve("08"), Scalar::Float(8.0));
        assert_eq!(resolve("1.5"), Scalar::Float(1.5));
        assert_eq!(resolve("18446744073709551615"), Scalar::UInt(u64::MAX));
    }

    #[test]
    fn booleans_only_in_go_spellings() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "TRUE",
        ] {
            assert_eq!(resolve(t), Scalar::Bool(true), "{t}");
        }
        for f in ["n", "No", "OFF", "false", "False"] {
            assert_eq!(resolve(f), Scalar::Bool(false), "{f}");
        }
        for s in [
            "yEs",
            "oN",
            "tRUE",
            "Y1",
            "nope",
            "10Gi",
            "1.2.3",
            "0x",
            "2024-01-02",
        ] {
            assert_eq!(resolve(s), Scalar::Str, "{s}");
        }
        assert_eq!(resolve("~"), Scalar::Null);
    }
}
