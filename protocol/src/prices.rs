//! What OpenAI charges for each realtime model, in USD per 1M tokens (OpenAI's model pages,
//! 2026): the one table the companion serves (`/api/status`'s `price`) and the core prices each
//! `response.done`'s usage with (the overlay's cost meter). New prices go in the companion's
//! config file, `[prices."model-name"]` with all six rates, which win over this table.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::events::Usage;

/// One model's rates, USD per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub text_in: f64,
    pub text_in_cached: f64,
    pub text_out: f64,
    pub audio_in: f64,
    pub audio_in_cached: f64,
    pub audio_out: f64,
}

const REALTIME: Price =
    Price { text_in: 4.0, text_in_cached: 0.4, text_out: 16.0, audio_in: 32.0, audio_in_cached: 0.4, audio_out: 64.0 };
const REALTIME_2: Price = Price { text_out: 24.0, ..REALTIME };
const REALTIME_MINI: Price =
    Price { text_in: 0.6, text_in_cached: 0.06, text_out: 2.4, audio_in: 10.0, audio_in_cached: 0.3, audio_out: 20.0 };
const PREVIEW: Price =
    Price { text_in: 5.0, text_in_cached: 2.5, text_out: 20.0, audio_in: 40.0, audio_in_cached: 2.5, audio_out: 80.0 };
const PREVIEW_MINI: Price =
    Price { text_in: 0.6, text_in_cached: 0.3, text_out: 2.4, audio_in: 10.0, audio_in_cached: 0.3, audio_out: 20.0 };

/// Model name (or the name a dated snapshot starts with) → its rates. Longest name first where
/// one starts with another, so a snapshot finds its own family.
pub const PRICES: &[(&str, Price)] = &[
    ("gpt-4o-mini-realtime-preview", PREVIEW_MINI),
    ("gpt-4o-realtime-preview", PREVIEW),
    ("gpt-realtime-2.1-mini", REALTIME_MINI),
    ("gpt-realtime-mini", REALTIME_MINI),
    ("gpt-realtime-2.1", REALTIME_2),
    ("gpt-realtime-2", REALTIME_2),
    ("gpt-realtime-1.5", REALTIME),
    ("gpt-realtime", REALTIME),
];

/// The table's rates for `model`: its own entry, else the family a dated snapshot belongs to
/// (`gpt-realtime-2025-08-28` → `gpt-realtime`). Anything else (`gpt-realtime-next`, the
/// `gpt-audio` models, whose audio rates OpenAI's pages do not give) has no price here: the meter
/// then counts tokens and says no price is known, until the companion's config gives one.
pub fn price_of(model: &str) -> Option<Price> {
    let model = model.trim();
    let is_date = |d: &str| {
        d.len() == 10
            && d.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
    };
    let snapshot_of = |name: &str| model.strip_prefix(name).and_then(|r| r.strip_prefix('-')).is_some_and(is_date);
    PRICES.iter().find(|(name, _)| *name == model || snapshot_of(name)).map(|(_, p)| *p)
}

impl Price {
    /// Every rate a finite number ≥ 0, or words naming the one that is not.
    pub fn check(&self) -> Result<(), String> {
        let rates = [
            ("text_in", self.text_in),
            ("text_in_cached", self.text_in_cached),
            ("text_out", self.text_out),
            ("audio_in", self.audio_in),
            ("audio_in_cached", self.audio_in_cached),
            ("audio_out", self.audio_out),
        ];
        match rates.iter().find(|(_, r)| !r.is_finite() || *r < 0.0) {
            Some((name, r)) => Err(format!("{name} = {r} is not a price (USD per 1M tokens, a number ≥ 0)")),
            None => Ok(()),
        }
    }

    /// What one response's usage cost, in USD. Input tokens split into text and audio, and each
    /// into cached and not, as `input_token_details` says; without details, tokens are priced as
    /// text (the cheaper rate: the meter never claims more than it knows).
    pub fn cost_usd(&self, usage: &Usage) -> f64 {
        let n =
            |v: Option<&Value>, path: &str| v.and_then(|v| v.pointer(path)).and_then(Value::as_u64).unwrap_or(0) as f64;
        let input = usage.input_token_details.as_ref();
        let output = usage.output_token_details.as_ref();
        let (audio_in, cached_text, cached_audio) = (
            n(input, "/audio_tokens"),
            n(input, "/cached_tokens_details/text_tokens"),
            n(input, "/cached_tokens_details/audio_tokens"),
        );
        // Older usage gives only a cached total: take it as text (cheaper for every model).
        let cached_text = if cached_text + cached_audio == 0.0 { n(input, "/cached_tokens") } else { cached_text };
        let text_in = (usage.input_tokens as f64 - audio_in).max(0.0);
        let audio_out = n(output, "/audio_tokens");
        let text_out = (usage.output_tokens as f64 - audio_out).max(0.0);
        let per = |tokens: f64, rate: f64| tokens.max(0.0) * rate / 1e6;
        per(text_in - cached_text, self.text_in)
            + per(cached_text.min(text_in), self.text_in_cached)
            + per(audio_in - cached_audio, self.audio_in)
            + per(cached_audio.min(audio_in), self.audio_in_cached)
            + per(text_out, self.text_out)
            + per(audio_out, self.audio_out)
    }
}

/// Enough digits to see a small session move: $0.0042, $0.123, $12.35. In integers: Rust's float
/// formatting with a precision would add some 13 KB to the WASM core for these three lines.
pub fn dollars(usd: f64) -> String {
    let places = if usd < 0.01 {
        4
    } else if usd < 1.0 {
        3
    } else {
        2
    };
    let scale = 10u64.pow(places);
    // Half a unit rounds up, as people round a price (12.345 → 12.35), whatever the binary digits.
    let units = (usd.max(0.0) * scale as f64 + 1e-6).round() as u64;
    format!("${}.{:0width$}", units / scale, units % scale, width = places as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_known_realtime_model_has_a_price_and_snapshots_find_their_family() {
        for model in crate::session::KNOWN_MODELS.iter().filter(|m| !m.starts_with("gpt-audio")) {
            assert!(price_of(model).is_some(), "{model} has no price");
        }
        assert_eq!(price_of("gpt-audio-mini"), None, "no audio rates published: no made-up price");
        assert_eq!(price_of("gpt-realtime-next"), None);
        assert_eq!(price_of("gpt-realtime-2025-8-28"), None);
        assert_eq!(price_of("gpt-realtime-2025-08-28"), Some(REALTIME));
        assert_eq!(price_of("gpt-realtime-2.1-mini"), Some(REALTIME_MINI));
        assert_eq!(price_of("gpt-4o-mini-realtime-preview-2024-12-17"), Some(PREVIEW_MINI));
        assert_eq!(price_of("gpt-realtimeX"), None);
        assert_eq!(price_of("someone-elses-model"), None);
        for (name, p) in PRICES {
            assert_eq!(p.check(), Ok(()), "{name}");
        }
    }

    #[test]
    fn a_voice_turn_is_priced_by_its_parts() {
        // 1,000 input tokens: 600 audio (100 of them cached), 400 text (300 cached); 500 output:
        // 450 audio, 50 text. gpt-realtime.
        let usage = Usage {
            total_tokens: 1500,
            input_tokens: 1000,
            output_tokens: 500,
            input_token_details: Some(json!({"text_tokens": 400, "audio_tokens": 600, "cached_tokens": 400,
                "cached_tokens_details": {"text_tokens": 300, "audio_tokens": 100}})),
            output_token_details: Some(json!({"text_tokens": 50, "audio_tokens": 450})),
        };
        let want = (100.0 * 4.0 + 300.0 * 0.4 + 500.0 * 32.0 + 100.0 * 0.4 + 50.0 * 16.0 + 450.0 * 64.0) / 1e6;
        assert!((REALTIME.cost_usd(&usage) - want).abs() < 1e-12, "{} vs {want}", REALTIME.cost_usd(&usage));
        // No details: all text.
        let bare = Usage { total_tokens: 1500, input_tokens: 1000, output_tokens: 500, ..Default::default() };
        assert!((REALTIME.cost_usd(&bare) - (1000.0 * 4.0 + 500.0 * 16.0) / 1e6).abs() < 1e-12);
        // Details that do not add up never give a negative cost.
        let odd = Usage {
            input_tokens: 10,
            input_token_details: Some(json!({"audio_tokens": 50, "cached_tokens_details": {"audio_tokens": 90}})),
            ..Default::default()
        };
        assert!(REALTIME.cost_usd(&odd) >= 0.0);
    }

    #[test]
    fn odd_rates_are_named() {
        let bad = Price { audio_out: f64::NAN, ..REALTIME };
        assert!(bad.check().unwrap_err().contains("audio_out"));
        let bad = Price { text_in: -1.0, ..REALTIME };
        assert!(bad.check().unwrap_err().contains("text_in"));
    }
}
