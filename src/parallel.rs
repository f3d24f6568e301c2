//! Work split between cores: the folder comparisons of a walk and the working tree's
//! proposal files are each read in consecutive parts, one per core, and put back in order;
//! the stretches of a pack file are taken in turn by every core; and the files or stored
//! proposals a command needs are read beside its history walk.

use std::thread::ScopedJoinHandle;

/// Runs `there` on a thread of its own while `here` runs on this one, and gives both
/// results; a panic on the other thread is passed on.
pub(crate) fn beside<A: Send, B>(
    there: impl FnOnce() -> A + Send,
    here: impl FnOnce() -> B,
) -> (A, B) {
    std::thread::scope(|s| {
        let there = s.spawn(there);
        let here = here();
        (join(there), here)
    })
}

/// The result of a thread, its panic passed on.
fn join<T>(thread: ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Runs `first` on the first of consecutive parts of `jobs` on this thread and `others` on
/// each other part on a thread of its own, one part per core (all on this thread below
/// `alone` jobs), and gives each part's result in the order of the parts.
pub(crate) fn on_every_core<T: Sync, R: Send>(
    jobs: &[T],
    alone: usize,
    first: impl FnOnce(&[T]) -> R,
    others: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let threads = match jobs.len() < alone {
        true => 1,
        false => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };
    let size = jobs.len().div_ceil(threads).max(1);
    let mut parts = jobs.chunks(size);
    let head = parts.next().unwrap_or_default();
    std::thread::scope(|s| {
        let others = &others;
        let spawned: Vec<_> = parts.map(|part| s.spawn(move || others(part))).collect();
        let mut out = vec![first(head)];
        out.extend(spawned.into_iter().map(join));
        out
    })
}

/// Runs `work` on every core (this thread and one more per other core, up to eight; this
/// thread alone when `alone`), and gives each run's result: for work the runs share out
/// among themselves, such as stretches taken from a counter in turn.
pub(crate) fn on_each_core<R: Send>(alone: bool, work: impl Fn() -> R + Sync) -> Vec<R> {
    let cores = match alone {
        true => 1,
        false => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };
    std::thread::scope(|s| {
        let work = &work;
        let spawned: Vec<_> = (1..cores).map(|_| s.spawn(work)).collect();
        let mut out = vec![work()];
        out.extend(spawned.into_iter().map(join));
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn work_on_every_core_comes_back_in_the_order_of_the_jobs() {
        let jobs: Vec<u32> = (0..1000).collect();
        for alone in [1, 999, 1000, 1001] {
            let parts = super::on_every_core(
                &jobs,
                alone,
                |part| (0, part.to_vec()),
                |part| (1, part.to_vec()),
            );
            let threads = parts.iter().filter(|(k, _)| *k == 1).count();
            assert_eq!(parts.first().map(|(k, _)| *k), Some(0));
            assert_eq!(threads + 1, parts.len());
            if alone > jobs.len() {
                assert_eq!(parts.len(), 1);
            }
            let again: Vec<u32> = parts.into_iter().flat_map(|(_, p)| p).collect();
            assert_eq!(again, jobs, "below {alone}");
        }
    }

    #[test]
    fn work_on_each_core_shares_out_what_is_taken_in_turn() {
        let next = std::sync::atomic::AtomicUsize::new(0);
        for alone in [true, false] {
            next.store(0, std::sync::atomic::Ordering::Relaxed);
            let runs = super::on_each_core(alone, || {
                let mut taken = Vec::new();
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if k >= 1000 {
                        return taken;
                    }
                    taken.push(k);
                }
            });
            assert!(!runs.is_empty() && (!alone || runs.len() == 1));
            let mut all: Vec<usize> = runs.into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..1000).collect::<Vec<_>>());
        }
    }

    #[test]
    fn work_beside_gives_both_results_and_passes_a_panic_on() {
        assert_eq!(super::beside(|| 6 * 7, || "here"), (42, "here"));
        let panicked =
            std::panic::catch_unwind(|| super::beside(|| -> u32 { panic!("boom") }, || 1));
        assert!(panicked.is_err());
    }
}
