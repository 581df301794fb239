//! The scan threads: a rayon pool with stacks large enough for syn's recursion, sized
//! without starting rayon's global pool.

#[cfg(feature = "parallel")]
use std::sync::OnceLock;
use std::sync::{Mutex, PoisonError};

use crate::par as rayon; // rayon, or one scan thread without the `parallel` feature

/// The stack size of the scan threads: syn recurses on nested code (expressions, types,
/// `else if` chains), and a file must never overflow a stack.
pub(crate) const SCAN_STACK: usize = 64 << 20;

/// How many scan threads to run: as many as the rayon pool this is called on has, else as many
/// as rayon's global pool would have (`RAYON_NUM_THREADS`, else one per CPU), found without
/// starting that pool: its threads would sit idle next to the scan threads, and starting them
/// costs a short run more than it saves. The count outside a pool is read once per process, as
/// rayon reads its own (the CPU count comes from cgroup files).
#[cfg(feature = "parallel")]
pub(crate) fn scan_threads() -> usize {
    static OUTSIDE_A_POOL: OnceLock<usize> = OnceLock::new();
    if rayon::current_thread_index().is_some() {
        return rayon::current_num_threads();
    }
    *OUTSIDE_A_POOL.get_or_init(|| {
        std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
            .unwrap_or(1)
    })
}

/// One scan thread: this build has no `parallel` feature.
#[cfg(not(feature = "parallel"))]
pub(crate) fn scan_threads() -> usize {
    rayon::current_num_threads()
}

/// A pool of `threads` scan threads with large stacks, built once per thread count and kept
/// for the life of the process; `None` if threads cannot be started.
fn pool(threads: usize) -> Option<&'static rayon::ThreadPool> {
    static POOLS: Mutex<Vec<(usize, &'static rayon::ThreadPool)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Some(pool);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(SCAN_STACK)
        .thread_name(|i| format!("plux-scan-{i}"))
        .build()
        .ok()?;
    let pool: &'static rayon::ThreadPool = Box::leak(Box::new(pool));
    pools.push((threads, pool));
    Some(pool)
}

/// Runs `op` on the scan threads (as many as [`scan_threads`]); inline when called on them
/// already.
pub(crate) fn on_scan_threads<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    match pool(scan_threads()) {
        Some(pool) => pool.install(op),
        None => op(),
    }
}

#[cfg(all(test, feature = "parallel"))]
mod tests {
    use super::*;

    #[test]
    fn inside_a_rayon_pool_the_scan_runs_on_as_many_threads_as_it_has() {
        let outer = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let (threads, scan_pool_size) =
            outer.install(|| (scan_threads(), on_scan_threads(rayon::current_num_threads)));
        assert_eq!((threads, scan_pool_size), (3, 3));
    }

    #[test]
    fn scan_threads_run_with_large_stacks_and_nest_inline() {
        let (name, nested) = on_scan_threads(|| {
            let name = std::thread::current().name().map(str::to_owned);
            // Called on a scan thread already: runs right here, no second hand-over.
            let nested = on_scan_threads(|| std::thread::current().name().map(str::to_owned));
            (name, nested)
        });
        assert!(name.as_deref().is_some_and(|n| n.starts_with("plux-scan-")));
        assert_eq!(name, nested);
    }
}
