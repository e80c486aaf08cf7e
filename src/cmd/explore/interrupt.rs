//! Ctrl-C, SIGTERM and SIGHUP end a search with its partial report (exit 3).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use faultline_ldfi::{BoundHit, ExploreReport, Verdict};

/// Set by SIGINT, SIGTERM or SIGHUP: the search stops before its next batch and the partial
/// report is printed (exit 3), so a CI timeout still leaves a report.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Makes SIGINT, SIGTERM and SIGHUP set [`INTERRUPTED`] and interrupt Z3, so that a long
/// solver check ends too instead of running to its timeout.
///
/// The signals are blocked (every thread started later inherits the mask) and taken by
/// `sigwait` on a thread of their own. A handler would not do: Z3 installs its own SIGINT
/// handler around each check, which cancels that one check and swallows the Ctrl-C.
///
/// Call it before any other thread starts. The interrupt cancels the check in progress of every
/// proposer and makes later ones return at once ([`faultline_ldfi::interrupt_solvers`]).
/// Signals after the first stay pending: the search is already stopping. If this fails, the search runs and a signal ends it the
/// default way, without a report.
pub(crate) fn install_interrupt_handler() {
    use nix::sys::signal::{SigSet, Signal};
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        signals.add(signal);
    }
    let warn = |err: &dyn std::fmt::Display| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: cannot take Ctrl-C and SIGTERM ({err}); they will end the search without a report"
        );
    };
    if let Err(err) = signals.thread_block() {
        warn(&err);
        return;
    }
    let waiter = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if signals.wait().is_ok() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                faultline_ldfi::interrupt_solvers();
            }
        });
    if let Err(err) = waiter {
        let _ = signals.thread_unblock();
        warn(&err);
    }
}

/// Labels a stop caused by the signal as an interruption. A Z3 check cut short by the
/// interrupt returns "unknown", which the search alone would report as a solver timeout.
pub(crate) fn note_interrupt(report: &mut ExploreReport) {
    if matches!(report.bound_hit, Some(BoundHit::SolverTimeout { .. })) {
        report.bound_hit = Some(BoundHit::Interrupted);
        report.inconclusive_reason = None;
    }
    if report.bound_hit == Some(BoundHit::Interrupted) && report.verdict != Verdict::Counterexample
    {
        report.verdict = Verdict::Inconclusive;
    }
}
