//! The cost meter: the session's tokens so far, from the usage in each `response.done`, and what
//! they cost at the companion's price for the model (`hark_protocol::prices`). Shown in the
//! overlay, so the person sees what a session spends while it runs.

use hark_protocol::events::Usage;
use hark_protocol::prices::{dollars, Price};
use serde::Serialize;

/// What the overlay shows; `text` is the line itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meter {
    pub tokens: u64,
    /// USD; `None` when the model has no known price.
    pub cost_usd: Option<f64>,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct CostMeter {
    price: Option<Price>,
    model: Option<String>,
    tokens: u64,
    cost_usd: f64,
    /// The companion's daily budget line ("Today: $0.12 of the $1.00 daily budget"), if it has one.
    budget: Option<String>,
}

impl CostMeter {
    /// A price that fails its check counts as none: no made-up cost.
    pub fn new(price: Option<Price>, model: Option<String>) -> CostMeter {
        CostMeter { price: price.filter(|p| p.check().is_ok()), model, ..Default::default() }
    }

    /// One response's usage: the meter after it.
    pub fn add(&mut self, usage: &Usage) -> Meter {
        // `total_tokens` is the spec's sum; a server that leaves it out still has its parts.
        let tokens = usage.total_tokens.max(usage.input_tokens.saturating_add(usage.output_tokens));
        self.tokens = self.tokens.saturating_add(tokens);
        if let Some(p) = &self.price {
            self.cost_usd += p.cost_usd(usage);
        }
        self.meter()
    }

    /// The companion's words on today's budget, shown after the session's own figures.
    pub fn set_budget(&mut self, summary: &str) -> Meter {
        let summary = summary.trim();
        self.budget = (!summary.is_empty()).then(|| summary.chars().take(300).collect());
        self.meter()
    }

    pub fn meter(&self) -> Meter {
        let tokens = grouped(self.tokens);
        let (cost_usd, mut text) = match &self.price {
            Some(_) => {
                (Some(self.cost_usd), format!("This session: {tokens} tokens, about {}", dollars(self.cost_usd)))
            }
            None => {
                let model = self.model.as_deref().map(str::trim).filter(|m| !m.is_empty());
                let why = match model {
                    Some(m) => format!("no price known for {m}; add one in the companion's config"),
                    None => "no price known for this model".into(),
                };
                (None, format!("This session: {tokens} tokens ({why})"))
            }
        };
        if let Some(budget) = &self.budget {
            text.push_str(". ");
            text.push_str(budget);
        }
        Meter { tokens: self.tokens, cost_usd, text }
    }
}

/// 1234567 → "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_protocol::prices::price_of;
    use serde_json::json;

    fn usage(input: u64, output: u64) -> Usage {
        Usage {
            total_tokens: input + output,
            input_tokens: input,
            output_tokens: output,
            input_token_details: Some(json!({"text_tokens": input, "audio_tokens": 0})),
            output_token_details: Some(json!({"text_tokens": 0, "audio_tokens": output})),
        }
    }

    #[test]
    fn tokens_and_cost_add_up_over_responses() {
        let mut m = CostMeter::new(price_of("gpt-realtime"), Some("gpt-realtime".into()));
        m.add(&usage(1000, 0));
        let shown = m.add(&usage(234, 1000));
        assert_eq!(shown.tokens, 2234);
        // 1,234 text in at $4/1M + 1,000 audio out at $64/1M.
        let want = (1234.0 * 4.0 + 1000.0 * 64.0) / 1e6;
        assert!((shown.cost_usd.unwrap() - want).abs() < 1e-12);
        assert_eq!(shown.text, "This session: 2,234 tokens, about $0.069");
    }

    #[test]
    fn without_a_price_the_tokens_still_count_and_the_words_say_why() {
        let mut m = CostMeter::new(None, Some("my-model".into()));
        let shown = m.add(&usage(10, 5));
        assert_eq!((shown.tokens, shown.cost_usd), (15, None));
        assert!(shown.text.contains("no price known for my-model"), "{}", shown.text);
        // A broken price is no price.
        let broken = Price { text_in: f64::NAN, ..price_of("gpt-realtime").unwrap() };
        assert_eq!(CostMeter::new(Some(broken), None).add(&usage(1, 1)).cost_usd, None);
    }

    #[test]
    fn the_companions_budget_line_follows_the_sessions_figures() {
        let mut m = CostMeter::new(price_of("gpt-realtime"), Some("gpt-realtime".into()));
        m.add(&usage(1000, 0));
        let shown = m.set_budget(" Today: $0.12 of the $1.00 daily budget ");
        assert_eq!(shown.text, "This session: 1,000 tokens, about $0.0040. Today: $0.12 of the $1.00 daily budget");
        // The next response keeps the line; an empty one removes it.
        assert!(m.add(&usage(10, 0)).text.ends_with("daily budget"));
        assert_eq!(m.set_budget("").text, "This session: 1,010 tokens, about $0.0040");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12_345_678), "12,345,678");
        assert_eq!(dollars(0.0042), "$0.0042");
        assert_eq!(dollars(0.1234), "$0.123");
        assert_eq!(dollars(12.345), "$12.35");
    }
}
