//! The daily budget the companion enforces: what today's calls cost, kept in a small file next to
//! the pairing token (written atomically), so a restart forgets nothing.
//!
//! A call's cost comes from two sources: the usage in each `response.done` the companion reads on
//! the call's sideband connection, and the cumulative cost the extension reports from its own
//! meter. A call counts at the larger of the two: while the sideband is up they agree; when it
//! drops, the reports carry on. Nothing is counted twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{Local, NaiveDate, TimeDelta};
use hark_protocol::events::Usage;
use hark_protocol::prices::{dollars, Price};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The spend file's name, in the pairing token's folder.
pub const SPEND_FILE_NAME: &str = "daily-spend.json";

#[derive(Debug, Error)]
pub enum BudgetError {
    #[error(
        "cannot read the spend file {path}: {detail}. It holds today's spend for the daily budget; \
fix it or delete it (today's spend then starts at $0)"
    )]
    Unreadable { path: PathBuf, detail: String },
    #[error("cannot write the spend file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// One call's spend today (USD).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct CallSpend {
    /// From `response.done` usage read on the sideband.
    #[serde(default)]
    sideband_usd: f64,
    /// The extension's meter, cumulative for the call.
    #[serde(default)]
    reported_usd: f64,
    /// What the call had cost when the day began (a call that runs past midnight).
    #[serde(default)]
    before_today_usd: f64,
    /// Its sideband is lost: the reports count it (not kept across restarts).
    #[serde(skip)]
    sideband_lost: bool,
    #[serde(skip)]
    live: bool,
}

impl CallSpend {
    fn today_usd(&self) -> f64 {
        (self.sideband_usd.max(self.reported_usd) - self.before_today_usd).max(0.0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct SpendFile {
    day: NaiveDate,
    calls: BTreeMap<String, CallSpend>,
}

/// What `/api/status` and `/api/usage` say about the budget.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BudgetDoc {
    pub limit_usd: f64,
    pub spent_usd: f64,
    pub exhausted: bool,
    /// The day the spend counts for (the companion's local date).
    pub day: String,
    /// Calls counted from the extension's reports because their sideband was lost.
    pub from_reports: Vec<String>,
    /// One line for the overlay: "Today: $0.12 of the $1.00 daily budget".
    pub summary: String,
    /// Set when spent: what happened and what the person can do.
    pub message: Option<String>,
}

/// The budget, shared by the routes and the sideband tasks.
#[derive(Debug)]
pub struct Budget {
    limit_usd: f64,
    price: Price,
    path: PathBuf,
    today: fn() -> NaiveDate,
    state: Mutex<SpendFile>,
}

/// The companion's local date.
pub fn local_today() -> NaiveDate {
    Local::now().date_naive()
}

impl Budget {
    /// Loads today's spend from `path` (none yet: $0). A file from an earlier day starts the day
    /// at $0; a file that cannot be read is an error, not a reset.
    pub fn load(limit_usd: f64, price: Price, path: PathBuf) -> Result<Budget, BudgetError> {
        Budget::load_with_clock(limit_usd, price, path, local_today)
    }

    pub fn load_with_clock(
        limit_usd: f64,
        price: Price,
        path: PathBuf,
        today: fn() -> NaiveDate,
    ) -> Result<Budget, BudgetError> {
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<SpendFile>(&bytes)
                .map_err(|e| BudgetError::Unreadable { path: path.clone(), detail: e.to_string() })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SpendFile { day: today(), calls: BTreeMap::new() },
            Err(e) => return Err(BudgetError::Unreadable { path, detail: e.to_string() }),
        };
        let budget = Budget { limit_usd, price, path, today, state: Mutex::new(state) };
        budget.with_state(|_| Keep(()));
        Ok(budget)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on today's state (rolling over to a new day first); saves when `f` says it changed.
    fn with_state<T>(&self, f: impl FnOnce(&mut SpendFile) -> T) -> T
    where
        T: Changed,
    {
        let mut st = self.state.lock().expect("budget lock");
        let today = (self.today)();
        let mut changed = false;
        if st.day != today {
            // A new day: calls still running carry on with what they cost so far set aside.
            st.calls.retain(|_, c| c.live);
            for c in st.calls.values_mut() {
                c.before_today_usd = c.sideband_usd.max(c.reported_usd);
            }
            st.day = today;
            changed = true;
        }
        let out = f(&mut st);
        if changed || out.changed() {
            if let Err(e) = self.save(&st) {
                tracing::error!(error = %e, "the daily spend was not saved");
            }
        }
        out
    }

    /// Written to a temporary file in the same folder, then renamed over the old one: a crash
    /// leaves either the old spend or the new, never half of one.
    fn save(&self, st: &SpendFile) -> Result<(), BudgetError> {
        let err = |source| BudgetError::Write { path: self.path.clone(), source };
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(st).expect("the spend serializes");
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(err)?;
            f.write_all(&text).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(err)
    }

    fn spent(st: &SpendFile) -> f64 {
        st.calls.values().map(CallSpend::today_usd).sum()
    }

    fn exhausted_at(&self, spent: f64) -> bool {
        spent >= self.limit_usd
    }

    /// Whether a new session may start: `Err` with the budget's words when today's is spent.
    pub fn admit(&self) -> Result<(), BudgetDoc> {
        let doc = self.doc();
        if doc.exhausted {
            Err(doc)
        } else {
            Ok(())
        }
    }

    /// A call was set up (its sideband is being attached).
    pub fn call_started(&self, call_id: &str) {
        self.with_state(|st| {
            st.calls.entry(call_id.to_owned()).or_default().live = true;
            Save(true)
        });
    }

    /// The call has ended (its sideband closed normally, or it was hung up).
    pub fn call_ended(&self, call_id: &str) {
        self.with_state(|st| {
            if let Some(c) = st.calls.get_mut(call_id) {
                c.live = false;
            }
            Save(false)
        });
    }

    /// The call's sideband is lost (`true`) or back (`false`).
    pub fn sideband_lost(&self, call_id: &str, lost: bool) {
        self.with_state(|st| {
            st.calls.entry(call_id.to_owned()).or_default().sideband_lost = lost;
            Save(false)
        });
    }

    /// One `response.done`'s usage read on the call's sideband. Returns whether the budget is
    /// now spent.
    pub fn sideband_usage(&self, call_id: &str, usage: &Usage) -> bool {
        let cost = self.price.cost_usd(usage);
        self.with_state(|st| {
            st.calls.entry(call_id.to_owned()).or_default().sideband_usd += cost;
            Spent { spent: self.exhausted_at(Self::spent(st)), changed: cost > 0.0 }
        })
        .spent
    }

    /// The extension's meter for the call (cumulative USD). Returns whether the budget is now
    /// spent. Reports for calls the companion never set up today are ignored; a report for one
    /// set up before a restart marks it live again (it is hung up with the others).
    pub fn reported(&self, call_id: &str, cumulative_usd: f64) -> bool {
        self.with_state(|st| {
            // A report that adds nothing (the same meter again, or a call not set up today) is
            // not written to disk.
            let changed = match st.calls.get_mut(call_id) {
                Some(c) => {
                    c.live = true;
                    let grew = cumulative_usd > c.reported_usd;
                    c.reported_usd = c.reported_usd.max(cumulative_usd);
                    grew
                }
                None => false,
            };
            Spent { spent: self.exhausted_at(Self::spent(st)), changed }
        })
        .spent
    }

    /// Calls set up today and not known to have ended.
    pub fn live_calls(&self) -> Vec<String> {
        self.with_state(|st| Keep(st.calls.iter().filter(|(_, c)| c.live).map(|(id, _)| id.clone()).collect())).0
    }

    pub fn doc(&self) -> BudgetDoc {
        self.with_state(|st| {
            let spent = Self::spent(st);
            let exhausted = self.exhausted_at(spent);
            let from_reports = st
                .calls
                .iter()
                .filter(|(_, c)| c.live && c.sideband_lost)
                .map(|(id, _)| id.clone())
                .collect::<Vec<_>>();
            let limit = dollars(self.limit_usd);
            let mut summary = format!("Today: {} of the {limit} daily budget", dollars(spent));
            if !from_reports.is_empty() {
                summary.push_str(
                    " (the companion lost its own line to the model for this call; it counts it from Hark's meter)",
                );
            }
            let message = exhausted.then(|| {
                let tomorrow = st.day + TimeDelta::days(1);
                if self.limit_usd <= 0.0 {
                    "The companion's daily budget is $0, so it starts no sessions. Raise daily_budget_usd in \
companion.toml (or --daily-budget-usd) and restart hark-companion."
                        .to_owned()
                } else {
                    format!(
                        "Today's budget of {limit} is spent ({} used). New sessions can start from {tomorrow} \
00:00 (the companion's clock). To go on today, raise daily_budget_usd in companion.toml (or \
--daily-budget-usd) and restart hark-companion.",
                        dollars(spent)
                    )
                }
            });
            Keep(BudgetDoc {
                limit_usd: self.limit_usd,
                spent_usd: spent,
                exhausted,
                day: st.day.to_string(),
                from_reports,
                summary,
                message,
            })
        })
        .0
    }
}

/// Whether a state change must be saved.
trait Changed {
    fn changed(&self) -> bool;
}
struct Save(bool);
impl Changed for Save {
    fn changed(&self) -> bool {
        self.0
    }
}
/// A cost may have been added (saved when it was); carries whether the budget is spent.
struct Spent {
    spent: bool,
    changed: bool,
}
impl Changed for Spent {
    fn changed(&self) -> bool {
        self.changed
    }
}
/// A read.
struct Keep<T>(T);
impl<T> Changed for Keep<T> {
    fn changed(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_protocol::prices::price_of;
    use std::sync::atomic::{AtomicI64, Ordering};

    fn usage(input: u64, output: u64) -> Usage {
        Usage { total_tokens: input + output, input_tokens: input, output_tokens: output, ..Default::default() }
    }

    // gpt-realtime, text only: 1,000 in + 1,000 out = $0.004 + $0.016 = $0.02.
    const TURN: (u64, u64) = (1000, 1000);

    static DAY_OFFSET: AtomicI64 = AtomicI64::new(0);
    fn clock() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap() + TimeDelta::days(DAY_OFFSET.load(Ordering::SeqCst))
    }
    fn fixed() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
    }

    fn budget(dir: &Path, limit: f64, today: fn() -> NaiveDate) -> Budget {
        Budget::load_with_clock(limit, price_of("gpt-realtime").unwrap(), dir.join(SPEND_FILE_NAME), today).unwrap()
    }

    #[test]
    fn spend_adds_up_until_the_budget_is_spent_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let b = budget(dir.path(), 0.05, fixed);
        b.call_started("rtc_a");
        assert!(!b.sideband_usage("rtc_a", &usage(TURN.0, TURN.1)));
        assert!(!b.sideband_usage("rtc_a", &usage(TURN.0, TURN.1)));
        assert!(b.admit().is_ok());
        assert!(b.sideband_usage("rtc_a", &usage(TURN.0, TURN.1)), "$0.06 of $0.05");
        let doc = b.admit().unwrap_err();
        assert!((doc.spent_usd - 0.06).abs() < 1e-9, "{doc:?}");
        assert!(doc.message.as_deref().unwrap().contains("2026-12-06 00:00"), "{doc:?}");
        // A restart reads the same spend.
        drop(b);
        let b = budget(dir.path(), 0.05, fixed);
        assert!(b.admit().is_err());
        assert!((b.doc().spent_usd - 0.06).abs() < 1e-9);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from(SPEND_FILE_NAME)]);
    }

    #[test]
    fn the_sideband_and_the_reports_are_never_counted_twice() {
        let dir = tempfile::tempdir().unwrap();
        let b = budget(dir.path(), 1.0, fixed);
        b.call_started("rtc_a");
        b.sideband_usage("rtc_a", &usage(TURN.0, TURN.1));
        b.reported("rtc_a", 0.02);
        assert!((b.doc().spent_usd - 0.02).abs() < 1e-9);
        // The sideband drops; the extension's meter goes on.
        b.sideband_lost("rtc_a", true);
        b.reported("rtc_a", 0.05);
        let doc = b.doc();
        assert!((doc.spent_usd - 0.05).abs() < 1e-9, "{doc:?}");
        assert_eq!(doc.from_reports, vec!["rtc_a".to_owned()]);
        assert!(doc.summary.contains("Hark's meter"), "{}", doc.summary);
        // An older (smaller) report does not lower it; a report for a call never set up counts nothing.
        b.reported("rtc_a", 0.01);
        b.reported("rtc_unknown", 5.0);
        assert!((b.doc().spent_usd - 0.05).abs() < 1e-9);
    }

    #[test]
    fn a_budget_of_zero_starts_nothing_and_says_how_to_change_it() {
        let dir = tempfile::tempdir().unwrap();
        let doc = budget(dir.path(), 0.0, fixed).admit().unwrap_err();
        assert!(doc.message.unwrap().contains("daily budget is $0"));
    }

    #[test]
    fn a_new_day_starts_at_zero_and_a_call_across_midnight_counts_only_its_new_part() {
        let dir = tempfile::tempdir().unwrap();
        DAY_OFFSET.store(0, Ordering::SeqCst);
        let b = budget(dir.path(), 0.05, clock);
        b.call_started("rtc_done");
        b.sideband_usage("rtc_done", &usage(TURN.0, TURN.1));
        b.call_ended("rtc_done");
        b.call_started("rtc_night");
        assert!(b.sideband_usage("rtc_night", &usage(2 * TURN.0, 2 * TURN.1)));
        DAY_OFFSET.store(1, Ordering::SeqCst);
        let doc = b.doc();
        assert!(!doc.exhausted && doc.spent_usd.abs() < 1e-9, "{doc:?}");
        assert_eq!(doc.day, "2026-12-06");
        b.sideband_usage("rtc_night", &usage(TURN.0, TURN.1));
        assert!((b.doc().spent_usd - 0.02).abs() < 1e-9);
        assert_eq!(b.live_calls(), vec!["rtc_night".to_owned()]);
    }

    #[test]
    fn an_unreadable_spend_file_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SPEND_FILE_NAME), b"{not json").unwrap();
        let e = Budget::load(1.0, price_of("gpt-realtime").unwrap(), dir.path().join(SPEND_FILE_NAME)).unwrap_err();
        assert!(e.to_string().contains("delete it"), "{e}");
    }
}
