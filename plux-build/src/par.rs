//! The part of rayon's API the scanner uses, for builds without the `parallel` feature (build
//! scripts, which should compile as few crates as possible): one scan thread with the
//! requested stack, jobs run one after the other on it. With the feature, `crate::par` is
//! rayon itself.

use std::cell::RefCell;
use std::convert::Infallible;
use std::panic;
use std::sync::{Mutex, PoisonError};
use std::thread;

/// One thread: jobs run in sequence.
pub(crate) fn current_num_threads() -> usize {
    1
}

/// Builds a [`ThreadPool`]; only the stack size matters.
#[derive(Default)]
pub(crate) struct ThreadPoolBuilder {
    stack_size: Option<usize>,
}

impl ThreadPoolBuilder {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn num_threads(self, _threads: usize) -> Self {
        self
    }

    pub(crate) fn stack_size(self, bytes: usize) -> Self {
        Self {
            stack_size: Some(bytes),
        }
    }

    pub(crate) fn thread_name(self, _name: impl FnMut(usize) -> String) -> Self {
        self
    }

    pub(crate) fn build(self) -> Result<ThreadPool, Infallible> {
        Ok(ThreadPool {
            stack_size: self.stack_size,
        })
    }
}

/// Runs work on a fresh thread with the pool's stack size.
pub(crate) struct ThreadPool {
    stack_size: Option<usize>,
}

impl ThreadPool {
    /// Runs `op` on a thread of this pool's stack size (inline if no thread can be started).
    pub(crate) fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        let op = Mutex::new(Some(op));
        let take = || op.lock().unwrap_or_else(PoisonError::into_inner).take();
        thread::scope(|s| {
            let mut builder = thread::Builder::new().name("plux-scan".into());
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let spawned = builder.spawn_scoped(s, || take().map(|op| op()));
            let result = match spawned {
                Ok(handle) => handle.join().unwrap_or_else(|p| panic::resume_unwind(p)),
                Err(_) => None,
            };
            match result {
                Some(result) => result,
                // The thread did not start: `op` is still here.
                None => take().map_or_else(|| unreachable!("`op` ran without a result"), |op| op()),
            }
        })
    }
}

type Job<'s> = Box<dyn FnOnce(&Scope<'s>) + Send + 's>;

/// Jobs spawned by [`scope`] and by each other; they run before [`scope`] returns.
pub(crate) struct Scope<'s> {
    jobs: RefCell<Vec<Job<'s>>>,
}

impl<'s> Scope<'s> {
    /// Queues `job`.
    pub(crate) fn spawn(&self, job: impl FnOnce(&Scope<'s>) + Send + 's) {
        self.jobs.borrow_mut().push(Box::new(job));
    }
}

/// Runs `op`, then every job it (and they) spawned.
pub(crate) fn scope<'s, R>(op: impl FnOnce(&Scope<'s>) -> R) -> R {
    let scope = Scope {
        jobs: RefCell::new(Vec::new()),
    };
    let out = op(&scope);
    loop {
        let job = scope.jobs.borrow_mut().pop();
        let Some(job) = job else { break };
        job(&scope);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_jobs_and_the_jobs_they_spawn_all_run() {
        let seen = Mutex::new(Vec::new());
        scope(|s| {
            for i in 0..3 {
                let seen = &seen;
                s.spawn(move |s| {
                    seen.lock().unwrap().push(i);
                    s.spawn(move |_| seen.lock().unwrap().push(10 + i));
                });
            }
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 10, 11, 12]);
    }

    #[test]
    fn install_runs_on_a_thread_with_the_requested_stack() {
        let pool = ThreadPoolBuilder::new()
            .stack_size(64 << 20)
            .build()
            .unwrap();
        // Deep enough to overflow a default 2 MiB thread stack in a debug build.
        fn depth(n: usize) -> usize {
            std::hint::black_box(&[0u8; 4096]);
            if n == 0 { 0 } else { 1 + depth(n - 1) }
        }
        assert_eq!(pool.install(|| depth(2000)), 2000);
    }
}
