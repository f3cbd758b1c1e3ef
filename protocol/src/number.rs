//! Decimal numbers in text (`12`, `-0.5`, `.25`, `1e3`), read without the standard library's
//! float parser: its exact-rounding table alone is 10 KB of the WASM core, and every number Hark
//! reads from words (a size, a percentage, a color channel) needs a few digits, not 17.

/// `text` as a number: an optional sign, digits with an optional fraction, an optional exponent.
/// Nothing else: no spaces, no `inf` or `NaN`, no hex.
pub fn parse(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    // Up to 19 significant digits in an integer; later ones only move the exponent.
    let (mut mantissa, mut exponent, mut digits) = (0u64, 0i32, 0usize);
    let mut digit = |b: u8, fraction: bool, exponent: &mut i32| {
        if mantissa < 1_000_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            if fraction {
                *exponent -= 1;
            }
        } else if !fraction {
            *exponent += 1;
        }
        digits += 1;
    };
    while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        digit(b, false, &mut exponent);
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            digit(b, true, &mut exponent);
            i += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let start = i;
        let mut e = 0i32;
        while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            e = e.saturating_mul(10).saturating_add(i32::from(b - b'0'));
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent = exponent.saturating_add(sign * e);
    }
    if i != bytes.len() {
        return None;
    }
    let scale = 10f64.powi(exponent.abs().min(400));
    let value = if exponent < 0 { mantissa as f64 / scale } else { mantissa as f64 * scale };
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_decimal_numbers_as_the_standard_parser_does() {
        for text in ["0", "12", "-0.5", "+3", ".25", "5.", "1e3", "2.5E-2", "100.0", "0.1", "37.5", "1234567.125"] {
            let ours = parse(text).unwrap_or_else(|| panic!("{text}"));
            let std: f64 = text.parse().unwrap();
            assert!((ours - std).abs() <= std.abs() * 1e-12, "{text}: {ours} vs {std}");
        }
        assert_eq!(parse("1e400"), Some(f64::INFINITY));
        assert_eq!(parse("12345678901234567890123"), Some(1.2345678901234567e22));
    }

    #[test]
    fn rejects_what_is_not_a_plain_number() {
        for text in ["", "-", ".", "e3", "1e", "1e+", "1.2.3", " 1", "1 ", "inf", "NaN", "0x10", "1px", "--1", "١"] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
