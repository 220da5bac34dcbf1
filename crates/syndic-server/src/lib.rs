//! The syndic HTTP service (filled in by the live-index work).
