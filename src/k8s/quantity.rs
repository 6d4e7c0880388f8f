//! Resource quantities (`100Gi`, `1.5T`, `500M`), parsed as the API server does, and sizes
//! written the way people write them.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// Parses a Kubernetes quantity (`100Gi`, `1.5T`, `500M`, `1e9`) into bytes (or units).
pub fn quantity_bytes(q: &Quantity) -> Option<u128> {
    parse_quantity(&q.0)
}

/// Parses quantity text; `None` when it is not a quantity or is negative.
pub fn parse_quantity(s: &str) -> Option<u128> {
    check_quantity(s).ok()
}

/// Parses a quantity exactly as the API server's `resource.ParseQuantity` does and returns its
/// value rounded up to a whole unit (bytes), or why it is not one: `[+-]digits[.digits]`
/// followed by one suffix — binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m "" k M G T P E`, or an
/// exponent `e`/`E` with a signed integer. No spaces inside (the API trims around), no unit
/// names such as `GB`, one suffix only (`1e3Gi` is refused). Negative values are refused here
/// too: every size this tool reads must be at least zero.
pub fn check_quantity(text: &str) -> Result<u128, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("is empty".into());
    }
    let (negative, rest) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (int, after) = rest.split_at(int_len);
    let (frac, suffix) = match after.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            r.split_at(n)
        }
        None => ("", after),
    };
    if int.is_empty() && frac.is_empty() {
        return Err("is not a number followed by a unit such as Gi".into());
    }
    // The value is digits × 2^bin × 10^dec.
    let (bin, dec): (u32, i64) = match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        e if e.starts_with(['e', 'E']) => {
            let exp = &e[1..];

            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("has the unit {suffix:?}, not a Kubernetes one"));
            }
            (0, exp.parse::<i64>().unwrap_or(i64::MAX))
        }
        _ => return Err(format!("has the unit {suffix:?}, not a Kubernetes one")),
    };
    if negative && (int.bytes().any(|b| b != b'0') || frac.bytes().any(|b| b != b'0')) {
        return Err("is negative".into());
    }
    let too_large = || "is too large to be a size".to_string();
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    let mantissa: u128 = digits.parse().map_err(|_| too_large())?;
    let exp10 = dec - frac.len() as i64;
    let scaled = mantissa.checked_mul(1u128 << bin).ok_or_else(too_large)?;
    if exp10 >= 0 {
        let pow = u32::try_from(exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .ok_or_else(too_large)?;
        scaled.checked_mul(pow).ok_or_else(too_large)
    } else {
        // Rounded up, as the API server rounds a fractional byte count.
        match u32::try_from(-exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
        {
            Some(pow) => Ok(scaled.div_ceil(pow)),
            None => Ok(1),
        }
    }
}

/// Formats bytes the way people write sizes (`100Gi`, `1.5Ti`, `512Mi`).
pub fn format_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{}{}", value.round() as u64, UNITS[unit])
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("100Gi"), Some(100 * 1024 * 1024 * 1024));
        assert_eq!(parse_quantity("1G"), Some(1_000_000_000));
        assert_eq!(parse_quantity("1.5Gi"), Some(1_610_612_736));
        assert_eq!(parse_quantity("1e3"), Some(1000));
        assert_eq!(parse_quantity("10Qi"), None);
        // Exactly the API server's grammar.
        for (ok, bytes) in [
            ("0", 0),
            ("+1Ki", 1024),
            ("1.", 1),
            (".5Ki", 512),
            ("1500m", 2),
            ("1E", 1_000_000_000_000_000_000),
            ("1E3", 1000),
            ("5e-1", 1),
            (" 2Mi ", 2 * 1024 * 1024),
            ("-0", 0),
        ] {
            assert_eq!(check_quantity(ok), Ok(bytes), "{ok}");
        }
        for (bad, why) in [
            ("abc", "is not a number"),
            ("-5Gi", "is negative"),
            ("1e400Gi", "has the unit \"e400Gi\""),
            ("1e400", "is too large"),
            ("10GB", "has the unit \"GB\""),
            ("1 Gi", "has the unit \" Gi\""),
            ("Gi", "is not a number"),
            ("", "is empty"),
            ("1e", "has the unit \"e\""),
            ("1.2.3", "has the unit \".3\""),
        ] {
            let e = check_quantity(bad).expect_err(bad);
            assert!(e.starts_with(why), "{bad}: {e}");
        }
        assert_eq!(format_bytes(100 * 1024 * 1024 * 1024), "100Gi");
        assert_eq!(format_bytes(1_610_612_736), "1.5Gi");
    }
}
