//! One Z3 context per search, so that a search's proposals depend on its own runs only.
//!
//! The z3 crate makes every object in a thread-local context. Shared by the searches one
//! thread runs, that context's term numbering (and with it Z3's variable order) carries over
//! from search to search, and the runs a search takes would depend on the searches its thread
//! ran before: the same SUT and failure spec gave 34 runs in one process and 43 in another.
//! Each [`crate::Proposer`] therefore owns a fresh context and enters it for every call.
//!
//! The only unsafe code of the crate is here: the z3 crate's `with_z3_context` insists that
//! its callback be `Send`, although it runs it at once on the calling thread.
#![allow(unsafe_code)]

use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Moves a value into or out of [`z3::with_z3_context`]'s callback, which must be `Send` and
/// `Sync` so that Z3 objects do not leak between contexts. The callback runs at once on the
/// calling thread, and the values moved are the proposer's own, made in its own context.
struct SameThread<T>(T);

// SAFETY: a `SameThread` never leaves the thread that made it: `with_z3_context` calls its
// callback synchronously, on the calling thread.
unsafe impl<T> Send for SameThread<T> {}
// SAFETY: as above; there is no second thread to share it with.
unsafe impl<T> Sync for SameThread<T> {}

impl<T> SameThread<T> {
    fn into_inner(self) -> T {
        self.0
    }
}

/// The raw contexts of the live proposers, so that [`interrupt_solvers`] can reach them from
/// another thread. Keyed by a serial number; a proposer removes itself before its context is
/// freed, under the same lock the interrupt takes.
static LIVE: Mutex<BTreeMap<u64, RawContext>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[derive(Clone, Copy)]
struct RawContext(NonNull<z3_sys::_Z3_context>);

// SAFETY: only `Z3_interrupt` is called through it from another thread, which Z3 allows (it is
// what the z3 crate's `ContextHandle` does), and only while the context is registered (alive).
unsafe impl Send for RawContext {}

/// A fresh Z3 context, registered for [`interrupt_solvers`] while it lives.
pub(crate) struct SolverContext {
    context: z3::Context,
    id: u64,
}

impl SolverContext {
    pub(crate) fn new() -> Self {
        let context = z3::with_z3_config(&z3::Config::new(), || {
            SameThread(z3::Context::thread_local())
        })
        .into_inner();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let raw = RawContext(context.get_z3_context());
        live().insert(id, raw);
        SolverContext { context, id }
    }

    /// Runs `f` with this context as the thread's Z3 context: every Z3 object `f` makes is
    /// made in it.
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let f = SameThread(f);
        z3::with_z3_context(&self.context, move || SameThread(f.into_inner()())).into_inner()
    }
}

impl Drop for SolverContext {
    fn drop(&mut self) {
        live().remove(&self.id);
    }
}

fn live() -> std::sync::MutexGuard<'static, BTreeMap<u64, RawContext>> {
    // A panic while the lock was held cannot leave the map half-updated (one insert or remove).
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Cancels every solver check in progress, in every thread, and makes every later
/// [`crate::Proposer::propose`] answer [`crate::Proposals::Unknown`] at once. For a signal
/// handler's thread: Ctrl-C ends a search with its partial report instead of waiting for a
/// long check to time out. There is no way back: the process is stopping.
pub fn interrupt_solvers() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    for raw in live().values() {
        // SAFETY: the context is registered, hence alive (see `LIVE`); Z3_interrupt may be
        // called from any thread.
        unsafe { z3_sys::Z3_interrupt(raw.0) };
    }
}

/// Whether [`interrupt_solvers`] was called.
pub(crate) fn solvers_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
