//! CSS color validation. Any CSS color a person could say or type: the 148 names, hex, rgb(),
//! hsl(), hwb() (CSS Color Level 4, both the comma and the space syntax, with an alpha).
//!
//! Our own parser rather than a library: the one we used (csscolorparser) also reads lab and
//! oklch, and with its trigonometry and the standard float parser it brought, replacing it (and
//! `str::parse::<f32>`, see [`crate::number`]) took 32 KB raw, 20 KB gzipped, off the WASM core;
//! people name colors, they do not speak oklch.

use thiserror::Error;

use crate::number;

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
        // Spoken colors arrive as "dark blue" / "Light Sea Green": CSS names have no spaces.
        let squashed: String = trimmed.split_whitespace().collect::<String>().to_ascii_lowercase();
        match parse_color(trimmed).or_else(|| named(&squashed)) {
            Some(rgba) if !trimmed.is_empty() => Ok(CssColor { original: trimmed.to_string(), rgba }),
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

/// CSS's named colors (CSS Color Level 4, §6.1), `name:rrggbb`.
const NAMED: &str = concat!(
    "aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc ",
    "bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a ",
    "burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50 ",
    "cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c cyan:00ffff darkblue:00008b ",
    "darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkgrey:a9a9a9 ",
    "darkkhaki:bdb76b darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 ",
    "darkorchid:9932cc darkred:8b0000 darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b ",
    "darkslategray:2f4f4f darkslategrey:2f4f4f darkturquoise:00ced1 darkviolet:9400d3 ",
    "deeppink:ff1493 deepskyblue:00bfff dimgray:696969 dimgrey:696969 dodgerblue:1e90ff ",
    "firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc ",
    "ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f ",
    "grey:808080 honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 ",
    "khaki:f0e68c lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd ",
    "lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2 ",
    "lightgray:d3d3d3 lightgreen:90ee90 lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a ",
    "lightseagreen:20b2aa lightskyblue:87cefa lightslategray:778899 lightslategrey:778899 ",
    "lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 linen:faf0e6 ",
    "magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd mediumorchid:ba55d3 ",
    "mediumpurple:9370db mediumseagreen:3cb371 mediumslateblue:7b68ee mediumspringgreen:00fa9a ",
    "mediumturquoise:48d1cc mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa ",
    "mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 ",
    "olivedrab:6b8e23 orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa ",
    "palegreen:98fb98 paleturquoise:afeeee palevioletred:db7093 papayawhip:ffefd5 ",
    "peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 purple:800080 ",
    "rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1 saddlebrown:8b4513 ",
    "salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d silver:c0c0c0 ",
    "skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090 snow:fffafa ",
    "springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347 ",
    "turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00 ",
    "yellowgreen:9acd32"
);

fn named(name: &str) -> Option<[u8; 4]> {
    let name = name.to_ascii_lowercase();
    let entry = NAMED.split(' ').find(|e| e.split(':').next() == Some(name.as_str()))?;
    hex(&entry[name.len() + 1..])
}

/// `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`; the `#` may be left out.
fn hex(digits: &str) -> Option<[u8; 4]> {
    let digits = digits.strip_prefix('#').unwrap_or(digits);
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let at = |i: usize, width: usize| u8::from_str_radix(&digits[i * width..(i + 1) * width], 16).ok();
    match digits.len() {
        3 | 4 => {
            let one = |i| at(i, 1).map(|v| v * 17);
            Some([one(0)?, one(1)?, one(2)?, if digits.len() == 4 { one(3)? } else { 255 }])
        }
        6 | 8 => Some([at(0, 2)?, at(1, 2)?, at(2, 2)?, if digits.len() == 8 { at(3, 2)? } else { 255 }]),
        _ => None,
    }
}

fn parse_color(text: &str) -> Option<[u8; 4]> {
    if text.eq_ignore_ascii_case("transparent") {
        return Some([0, 0, 0, 0]);
    }
    let Some((function, args)) = text.strip_suffix(')').and_then(|t| t.split_once('(')) else {
        return hex(text).or_else(|| named(text));
    };
    let function = function.trim_end().to_ascii_lowercase();
    // `rgb(1, 2, 3, 0.5)`, `rgb(1 2 3 / 50%)`: three channels, then maybe an alpha.
    let parts: Vec<&str> = args.split([',', '/']).flat_map(str::split_ascii_whitespace).collect();
    let (channels, alpha) = match parts.as_slice() {
        [a, b, c] => ([*a, *b, *c], 1.0),
        [a, b, c, alpha] => ([*a, *b, *c], fraction(alpha, 1.0)?),
        _ => return None,
    };
    let [x, y, z] = channels;
    let rgb = match function.as_str() {
        "rgb" | "rgba" => {
            // All three channels are numbers (0-255) or all are percentages.
            let percent = x.ends_with('%');
            if [y, z].iter().any(|c| c.ends_with('%') != percent) {
                return None;
            }
            [fraction(x, 255.0)?, fraction(y, 255.0)?, fraction(z, 255.0)?]
        }
        "hsl" | "hsla" => hsl(hue(x)?, fraction(y, 100.0)?, fraction(z, 100.0)?),
        "hwb" | "hwba" => {
            let (white, black) = (fraction(y, 100.0)?, fraction(z, 100.0)?);
            if white + black >= 1.0 {
                let gray = white / (white + black);
                [gray; 3]
            } else {
                hsl(hue(x)?, 1.0, 0.5).map(|c| c * (1.0 - white - black) + white)
            }
        }
        _ => return None,
    };
    let byte = |v: f64| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
    Some([byte(rgb[0]), byte(rgb[1]), byte(rgb[2]), byte(alpha)])
}

/// A percentage, or a number out of `full` (CSS: `50%` of a channel, or `128` of 255), as 0..1.
fn fraction(text: &str, full: f64) -> Option<f64> {
    let value = match text.strip_suffix('%') {
        Some(p) => number::parse(p)? / 100.0,
        None => number::parse(text)? / full,
    };
    Some(value.clamp(0.0, 1.0))
}

/// A hue in degrees (`120`, `120deg`, `0.5turn`, `3.14rad`, `200grad`), in 0..360.
fn hue(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let (value, per_turn) = [("deg", 360.0), ("grad", 400.0), ("rad", std::f64::consts::TAU), ("turn", 1.0)]
        .iter()
        .find_map(|(unit, per_turn)| lower.strip_suffix(unit).map(|v| (v, *per_turn)))
        .unwrap_or((lower.as_str(), 360.0));
    Some((number::parse(value)? * 360.0 / per_turn).rem_euclid(360.0))
}

/// HSL to RGB (CSS Color Level 4, §7.1), each in 0..1; `hue` in degrees.
fn hsl(hue: f64, saturation: f64, lightness: f64) -> [f64; 3] {
    let channel = |n: f64| {
        let k = (n + hue / 30.0) % 12.0;
        let a = saturation * lightness.min(1.0 - lightness);
        lightness - a * (k - 3.0).min(9.0 - k).clamp(-1.0, 1.0)
    };
    [channel(0.0), channel(8.0), channel(4.0)]
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

    /// Every form both parsers read gives the same color as csscolorparser, the library this
    /// parser replaced (CSS's own syntax decides where they differ: see the next test).
    #[test]
    fn agrees_with_the_library_it_replaced() {
        let mut inputs: Vec<String> = NAMED.split(' ').map(|e| e.split(':').next().unwrap().to_string()).collect();
        inputs.extend(NAMED.split(' ').map(|e| format!("#{}", &e[e.len() - 6..])));
        inputs.extend(
            ["#abc", "#abcd", "#12345678", "abc", "1e90ff", "transparent", "TRANSPARENT", "Navy"].map(String::from),
        );
        for (i, h) in [0, 30, 60, 89, 120, 180, 200, 240, 300, 359, 360, 420, -30].into_iter().enumerate() {
            let (s, l) = (i * 7 % 101, i * 13 % 101);
            inputs.push(format!("hsl({h}, {s}%, {l}%)"));
            inputs.push(format!("hsla({h}deg {s}% {l}% / 0.{i})"));
            inputs.push(format!("hsl({}turn, 100%, 50%)", h as f32 / 360.0));
            inputs.push(format!("hwb({h} {}% {}%)", s / 2, l / 2));
            inputs.push(format!("hwb({h} 60% 70%)"));
            inputs.push(format!("rgb({}, {}, {})", i * 20, 255 - i * 19, i * 3));
            inputs.push(format!("rgba({} {} {} / {}%)", i * 20, 255 - i * 19, i * 3, i * 8));
            inputs.push(format!("rgb({}%, 50%, 12.5%)", i * 8));
            inputs.push(format!("RGB(300, -5, {i}.5)"));
        }
        for input in &inputs {
            let ours = CssColor::parse(input).unwrap_or_else(|e| panic!("{e}")).rgba;
            let theirs = csscolorparser::parse(input).unwrap_or_else(|e| panic!("{input}: {e}")).to_rgba8();
            let off = ours.iter().zip(theirs).map(|(a, b)| a.abs_diff(b)).max().unwrap();
            assert!(off <= 1, "{input}: {ours:?} vs {theirs:?}");
        }
    }

    #[test]
    fn follows_css_where_the_old_library_did_not() {
        // CSS Color 4: bare numbers in hsl()/hwb() are percentages.
        assert_eq!(CssColor::parse("hsl(120 100 25)").unwrap().rgba, [0, 128, 0, 255]);
        // Not numbers in CSS.
        for bad in ["rgb(nan, 0, 0)", "rgb(inf 0 0)", "hsl(120, 100%)", "rgb(10%, 20, 30)", "oklch(0.5 0.1 120)"] {
            assert!(CssColor::parse(bad).is_err(), "{bad}");
        }
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
