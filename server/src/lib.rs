//! Companion (see docs/architecture.md).
