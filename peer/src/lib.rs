//! Local realtime peer (see docs/architecture.md).
