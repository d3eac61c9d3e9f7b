//! Cooperative cancellation of an analysis: the server runs each analysis
//! under a [`CancelToken`] and cancels it when the request times out or
//! its client goes away; the models look at [`cancelled`] between
//! paragraphs and windows and stop there, so a 5 MB text does not keep a
//! core busy long after its 503 (issue 10).
//!
//! The token is the calling thread's (set by [`run_cancellable`]), so the
//! [`crate::Detector`] trait needs no extra parameter and callers that
//! never cancel (the CLI, training) change nothing.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag shared between who runs an analysis and who may stop it.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token nobody has cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the analysis running under this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called: the analysis checks it between paragraphs and windows.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that cancels this token when dropped: held by the future
    /// that waits for the analysis, it stops the analysis when that future
    /// is dropped (a timeout, a client gone).
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its token when dropped (see [`CancelToken::cancel_on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop(CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

thread_local! {
    static CURRENT: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

/// Runs `f` with `token` as this thread's cancellation token (the previous
/// one is restored afterwards, also if `f` panics).
pub fn run_cancellable<R>(token: &CancelToken, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<CancelToken>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with_borrow_mut(|c| *c = previous);
        }
    }
    let previous = CURRENT.with_borrow_mut(|c| c.replace(token.clone()));
    let _restore = Restore(previous);
    f()
}

/// True when the analysis running on this thread has been cancelled
/// (never, outside [`run_cancellable`]). Cheap: one atomic load.
pub fn cancelled() -> bool {
    CURRENT.with_borrow(|c| c.as_ref().is_some_and(CancelToken::is_cancelled))
}

/// The message of the error a detector returns when it stopped early.
pub const CANCELLED: &str = "analysis cancelled (the request timed out or its client went away)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_running_thread_sees_its_token_and_it_is_restored() {
        assert!(!cancelled());
        let outer = CancelToken::new();
        let inner = CancelToken::new();
        inner.cancel();
        run_cancellable(&outer, || {
            assert!(!cancelled());
            run_cancellable(&inner, || assert!(cancelled()));
            assert!(!cancelled(), "the outer token is back");
            outer.cancel();
            assert!(cancelled());
            // Another thread has no token.
            std::thread::spawn(|| assert!(!cancelled())).join().unwrap();
        });
        assert!(!cancelled());
    }

    #[test]
    fn dropping_the_guard_cancels() {
        let t = CancelToken::new();
        {
            let _g = t.cancel_on_drop();
            assert!(!t.is_cancelled());
        }
        assert!(t.is_cancelled());
    }
}
