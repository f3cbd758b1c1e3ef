//! Text contrast as WCAG 1.4.3 measures it, for the tests and the theme benchmark: an audit run in
//! the page (independent of Hark's own pass in `extension/content/readable.js`) and the same
//! arithmetic on screenshots.

use crate::pixels::Image;

/// Run in the page: each visible element with text of its own, its color over what its ancestors
/// paint behind it (translucent layers blended, the canvas white); text over a background image
/// or gradient is left out (not knowable from styles). Returns `{checked, passing, low: [{tag,
/// text, ratio, need}]}` (`low`: the first 200 under the line).
pub const AUDIT_JS: &str = r#"
  const lin = c => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const parse = s => { const m = (s.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const blend = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const grounds = new Map();
  const ground = el => {
    if (!el) return [255, 255, 255, 1];
    if (grounds.has(el)) return grounds.get(el);
    const under = ground(el.parentElement);
    const cs = getComputedStyle(el);
    const g = !under || cs.backgroundImage !== 'none' ? null : blend(parse(cs.backgroundColor), under);
    grounds.set(el, g);
    return g;
  };
  const low = [];
  let checked = 0, passing = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName) || el.closest('hark-overlay, svg')) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.data.trim())) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (!r.width || !r.height || cs.visibility !== 'visible' || !el.checkVisibility({ opacityProperty: true })) continue;
    const g = ground(el);
    if (!g) continue;
    checked++;
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    const got = ratio(blend(parse(cs.color), g), g);
    if (got >= need) passing++;
    else if (low.length < 200) low.push({ tag: el.tagName, text: el.textContent.trim().slice(0, 30), ratio: Math.round(got * 100) / 100, need });
  }
  return { checked, passing, low };
"#;

/// WCAG relative luminance of an sRGB pixel.
pub fn luminance(c: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// WCAG contrast ratio of two pixels (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Share of the screenshot's pixels darker than relative luminance 0.1 (what reads as dark).
pub fn dark_share(shot: &Image) -> f64 {
    shot.rgb.iter().filter(|p| luminance(**p) < 0.1).count() as f64 / shot.rgb.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_is_wcags() {
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast([118, 118, 118], [255, 255, 255]) - 4.54).abs() < 0.01);
        assert_eq!(contrast([9, 9, 9], [9, 9, 9]), 1.0);
    }
}
