//! Hark core (see docs/architecture.md).
