//! The memory allocator every syndic binary links: mimalloc, with the one setting syndic's
//! pipelines need changed.
//!
//! A binary declares the allocator and calls [`tune`] first thing in `main`:
//!
//! ```no_run
//! #[global_allocator]
//! static GLOBAL: syndic_alloc::Allocator = syndic_alloc::Allocator;
//!
//! fn main() {
//!     syndic_alloc::tune();
//!     // ...
//! }
//! ```
//!
//! ## Why mimalloc, and why tuned
//! The service and the bulk paths allocate per document on many threads, where mimalloc beats
//! the system allocator (docs/serve.md). mimalloc gives the pages of freed memory back to the
//! kernel 10 ms after they fall free (its `purge_delay`). The batch pipeline frees a chunk of
//! texts and sketches every ten or so milliseconds and allocates the next one at once, so with
//! that default the same memory is given back and faulted in again, zeroed by the kernel, chunk
//! after chunk: at 100k news documents about 3,000–6,000 page faults and 0.3–0.7 s of system
//! time, where a delay of one second leaves 260 faults and 0.2 s (`perf stat -e page-faults
//! syndic-bench run CORPUS -o OUT`; the same as `MIMALLOC_PURGE_DELAY=1000` in the
//! environment). Memory still goes back to the kernel, a second after it falls free instead of
//! 10 ms; the peak grows by about 10 MB at 100k documents.
//!
//! This is the only crate of the workspace with `unsafe` code: one call into mimalloc's C API
//! with no pointer arguments.

#![deny(unsafe_code)]

/// mimalloc, as the global allocator type.
pub use mimalloc::MiMalloc as Allocator;

/// How long freed memory stays with the process before mimalloc gives it back, milliseconds.
pub const PURGE_DELAY_MS: i64 = 1000;

/// mimalloc's `mi_option_purge_delay` (the libmimalloc-sys bindings name no constant for it):
/// its place in mimalloc 2's `mi_option_t`, checked by a test against the option's default.
const OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`] (see the crate docs), unless the
/// environment sets `MIMALLOC_PURGE_DELAY`, which still wins. Call it first thing in `main`.
pub fn tune() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table. It takes no
    // pointers, and mimalloc allows options to be set at any time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(OPTION_PURGE_DELAY, PURGE_DELAY_MS as _);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The purge delay mimalloc uses now, milliseconds.
    fn purge_delay_ms() -> i64 {
        // SAFETY: `mi_option_get` reads an integer from mimalloc's option table; no pointers.
        #[allow(unsafe_code)]
        let value = unsafe { libmimalloc_sys::mi_option_get(OPTION_PURGE_DELAY) };
        #[allow(
            clippy::useless_conversion,
            reason = "C's long is 32 bits on Windows, 64 elsewhere"
        )]
        i64::from(value)
    }

    /// The option numbers around `purge_delay` hold their documented defaults, so the number
    /// names the right option in the bundled mimalloc. (`MIMALLOC_*` variables in the
    /// environment would change these defaults; the test suite sets none.)
    #[test]
    #[allow(unsafe_code)]
    fn the_option_number_is_purge_delay() {
        // SAFETY: reads integers from mimalloc's option table.
        let (eager_commit_delay, use_numa_nodes) = unsafe {
            (
                libmimalloc_sys::mi_option_get(libmimalloc_sys::mi_option_eager_commit_delay),
                libmimalloc_sys::mi_option_get(libmimalloc_sys::mi_option_use_numa_nodes),
            )
        };
        assert_eq!(
            libmimalloc_sys::mi_option_eager_commit_delay + 1,
            OPTION_PURGE_DELAY
        );
        assert_eq!(
            libmimalloc_sys::mi_option_use_numa_nodes - 1,
            OPTION_PURGE_DELAY
        );
        assert_eq!((eager_commit_delay, use_numa_nodes), (1, 0));
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay_ms(), 10, "mimalloc's default purge delay");
            tune();
            assert_eq!(purge_delay_ms(), PURGE_DELAY_MS);
        }
    }
}
