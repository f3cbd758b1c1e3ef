//! Hark core (see docs/architecture.md): the session logic that runs in the extension's session
//! host. Pure, synchronous modules that map inputs (realtime events, page results, typed text) to
//! [`action::Action`]s; the JS glue performs the actions. [`wasm`] is the thin wasm-bindgen facade.

pub mod action;
pub mod calls;
pub mod case;
pub mod confirm;
pub mod errors;
pub mod few;
pub mod idle;
pub mod labels;
pub mod language;
pub mod meter;
pub mod page;
pub mod session;
pub mod snapshot;
pub mod tree;
pub mod voice;
pub mod wasm;

pub use action::{Action, UiUpdate};
pub use session::{Session, SessionOptions};
