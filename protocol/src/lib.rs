//! The single source of truth for what crosses Hark's boundaries:
//! - [`events`]: the OpenAI Realtime events on the `oai-events` data channel (client and server),
//! - [`session`]: the session configuration the companion sends upstream (GA shape, beta fallback),
//! - [`tools`]: every tool's name, description, JSON schema and typed, validated arguments,
//! - [`sdp`]: the checks an SDP offer must pass before anyone spends an upstream call on it,
//! - [`color`]: CSS color validation shared by the core, the local peer's grammar and the tests,
//! - [`prices`]: what each realtime model costs per 1M tokens (the cost meter's one table),
//! - [`json`]: the one way the WASM core reads JSON text into a type (text, then tree),
//! - [`number`]: decimal numbers in words and CSS, without the standard float parser's tables,
//! - `schema_check` (feature `schema-check`, tests only): checks against OpenAI's published
//!   Realtime schemas, vendored in `schemas/`.
//!
//! The wasm core, the companion, the local peer and the tests all use these definitions.

pub mod color;
pub mod events;
pub mod json;
pub mod number;
pub mod prices;
#[cfg(any(test, feature = "schema-check"))]
pub mod schema_check;
pub mod sdp;
pub mod session;
pub mod tools;

/// The data channel label OpenAI's Realtime API uses for events.
pub const EVENTS_CHANNEL: &str = "oai-events";
