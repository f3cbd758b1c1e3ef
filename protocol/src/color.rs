//! CSS color validation. Any CSS color a person could say or type: names, hex, rgb(), hsl(), hwb().

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("'{input}' is not a CSS color (try a name like 'navy', a hex like '#1e90ff', or rgb(30, 144, 255))")]
pub struct ColorError {
    pub input: String,
}

/// A validated color, kept both as the person's words and as a canonical `rgb()/rgba()` string
/// that every browser accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct CssColor {
    pub original: String,
    pub rgba: [u8; 4],
}

impl CssColor {
    pub fn parse(input: &str) -> Result<Self, ColorError> {
        let trimmed = input.trim();
        // CSS colors are ASCII; and csscolorparser 0.7 cuts its input by bytes, so a multi-byte
        // character where a unit may end ("hsl(\u{fffd}20, 50%, 50%)") panics inside it.
        if !trimmed.is_ascii() {
            return Err(ColorError { input: input.to_string() });
        }
        // Spoken colors arrive as "dark blue" / "Light Sea Green": CSS names have no spaces.
        let squashed: String = trimmed.split_whitespace().collect::<String>().to_ascii_lowercase();
        let parsed = csscolorparser::parse(trimmed).or_else(|_| csscolorparser::parse(&squashed));
        match parsed {
            Ok(c) if !trimmed.is_empty() => Ok(CssColor { original: trimmed.to_string(), rgba: c.to_rgba8() }),
            _ => Err(ColorError { input: input.to_string() }),
        }
    }

    /// Canonical CSS form, e.g. `rgb(0, 0, 139)` or `rgba(0, 0, 139, 0.5)`.
    pub fn css(&self) -> String {
        let [r, g, b, a] = self.rgba;
        if a == 255 {
            format!("rgb({r}, {g}, {b})")
        } else {
            format!("rgba({r}, {g}, {b}, {})", (a as f32 / 255.0 * 1000.0).round() / 1000.0)
        }
    }

    pub fn hex(&self) -> String {
        let [r, g, b, _] = self.rgba;
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_css_form_a_person_uses() {
        for (input, rgb) in [
            ("navy", [0, 0, 128]),
            ("dark blue", [0, 0, 139]),
            ("Light Sea Green", [32, 178, 170]),
            ("#1e90ff", [30, 144, 255]),
            ("#fff", [255, 255, 255]),
            ("rgb(30, 144, 255)", [30, 144, 255]),
            ("hsl(120, 100%, 25%)", [0, 128, 0]),
        ] {
            let c = CssColor::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(&c.rgba[..3], &rgb, "{input}");
        }
        assert_eq!(CssColor::parse("dark blue").unwrap().css(), "rgb(0, 0, 139)");
    }

    #[test]
    fn rejects_what_is_not_a_color_with_words_that_help() {
        // Found by fuzzing (fuzz/tests/protocol.rs, fuzz/tests/core.rs): these panicked in csscolorparser.
        for bad in ["hsl(\u{fffd}20, 50%, 50%)", "hwb(é12 0% 0%)", "hsl(1中g, 1%, 1%)", "bleu foncé"] {
            assert!(CssColor::parse(bad).is_err(), "{bad}");
        }
        for bad in ["", "blurple", "#12", "rgb(1,2)", "url(javascript:alert(1))", "red; position:fixed"] {
            let err = CssColor::parse(bad).unwrap_err();
            assert!(err.to_string().contains("is not a CSS color"), "{bad}");
        }
    }
}
