//! Lowercasing text in any script. In the browser, JavaScript's own `toLowerCase` does it (the
//! same Unicode default case mapping as Rust's): Rust's case tables and code were 18 KB raw,
//! 8 KB gzipped, of the WASM core, and every browser carries them already. ASCII, most of what Hark compares, never leaves
//! Rust.

/// `text` in lowercase.
pub fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        unicode_lowercase(text)
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn unicode_lowercase(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(target_arch = "wasm32")]
fn unicode_lowercase(text: &str) -> String {
    use wasm_bindgen::{JsCast, JsValue};
    JsValue::from_str(text).unchecked_into::<js::JsText>().to_lower_case()
}

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::wasm_bindgen;

    #[wasm_bindgen]
    extern "C" {
        /// A JavaScript string.
        pub type JsText;
        #[wasm_bindgen(method, js_name = toLowerCase)]
        pub fn to_lower_case(this: &JsText) -> String;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_every_script() {
        assert_eq!(lowercase("Save Changes"), "save changes");
        assert_eq!(lowercase("ÜBER UNS"), "über uns");
        // A final sigma takes its final form, in Rust as in JavaScript.
        assert_eq!(lowercase("ΣΥΝΔΕΣΗ ΟΔΟΣ"), "συνδεση οδος");
    }
}
