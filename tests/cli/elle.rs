//! CLI tests for this area (filled in by its issue).
