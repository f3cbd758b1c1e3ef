//! Idle stop: a session nobody uses for the person's chosen time ends by itself, so an open
//! microphone neither costs money nor listens to the room all afternoon. Use is the person
//! speaking (the server heard speech), typing a command or answering Hark's question, and the
//! model speaking to them (a long read-aloud is the person listening, not idling).

/// Idle stop's default (the options page's "Stop after … minutes without use").
pub const DEFAULT_IDLE_MINUTES: f64 = 5.0;

/// Use of the session against the host's clock (ms), which reaches the core with each tick.
#[derive(Debug, Default)]
pub struct IdleWatch {
    /// `None`: never stop.
    limit_ms: Option<f64>,
    last_use: Option<f64>,
    used_since_tick: bool,
    fired: bool,
}

impl IdleWatch {
    /// `minutes`: the person's option; `None` takes the default, 0 (or less, or not a number)
    /// means never.
    pub fn new(minutes: Option<f64>) -> IdleWatch {
        let minutes = minutes.unwrap_or(DEFAULT_IDLE_MINUTES);
        let limit_ms = (minutes.is_finite() && minutes > 0.0).then_some(minutes * 60_000.0);
        IdleWatch { limit_ms, ..Default::default() }
    }

    /// The minutes the session waits, for the words when it stops.
    pub fn minutes(&self) -> Option<f64> {
        self.limit_ms.map(|ms| ms / 60_000.0)
    }

    /// Someone used the session (the next tick dates it).
    pub fn touch(&mut self) {
        self.used_since_tick = true;
    }

    /// True once: the limit has passed since the last use (the first tick counts as one).
    pub fn on_tick(&mut self, now_ms: f64) -> bool {
        let Some(limit) = self.limit_ms else { return false };
        if self.fired {
            return false;
        }
        match self.last_use {
            Some(last) if !self.used_since_tick => {
                self.fired = now_ms - last >= limit;
                self.fired
            }
            _ => {
                self.last_use = Some(now_ms);
                self.used_since_tick = false;
                false
            }
        }
    }
}

/// "5 minutes", "1 minute", "30 seconds": how long the words say the session waited.
pub fn duration_words(minutes: f64) -> String {
    if minutes < 1.0 {
        let s = (minutes * 60.0).round().max(1.0) as u64;
        return format!("{s} second{}", if s == 1 { "" } else { "s" });
    }
    let m = (minutes * 10.0).round() / 10.0;
    if m == 1.0 {
        "1 minute".into()
    } else if m.fract() == 0.0 {
        format!("{} minutes", m as u64)
    } else {
        format!("{m} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_once_after_the_limit_without_use() {
        let mut w = IdleWatch::new(Some(1.0));
        assert!(!w.on_tick(0.0));
        assert!(!w.on_tick(59_999.0));
        assert!(w.on_tick(60_000.0));
        assert!(!w.on_tick(120_000.0), "a stop is said once");
    }

    #[test]
    fn use_starts_the_wait_again() {
        let mut w = IdleWatch::new(Some(1.0));
        w.on_tick(0.0);
        w.on_tick(50_000.0);
        w.touch();
        assert!(!w.on_tick(55_000.0));
        assert!(!w.on_tick(114_000.0), "55 s + 59 s: still within the minute since the use");
        assert!(w.on_tick(115_000.0));
    }

    #[test]
    fn zero_odd_or_missing_minutes() {
        for never in [Some(0.0), Some(-3.0), Some(f64::NAN), Some(f64::INFINITY)] {
            let mut w = IdleWatch::new(never);
            w.on_tick(0.0);
            assert!(!w.on_tick(1e12), "{never:?} means never");
            assert_eq!(w.minutes(), None);
        }
        assert_eq!(IdleWatch::new(None).minutes(), Some(DEFAULT_IDLE_MINUTES));
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_words(5.0), "5 minutes");
        assert_eq!(duration_words(1.0), "1 minute");
        assert_eq!(duration_words(2.5), "2.5 minutes");
        assert_eq!(duration_words(0.1), "6 seconds");
    }
}
