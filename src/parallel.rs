//! Work split between cores: the working tree's proposal files are read in consecutive
//! parts, one per core, and put back in order; the folder comparisons of a walk are taken
//! from both ends by two threads; the stretches of a pack file are taken in turn by every
//! core; and the files or stored proposals a command needs are read beside its history
//! walk.

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

/// Runs over `jobs` in stretches of `stretch` on two threads: `first` on this one takes
/// them from the front, `other` on a thread of its own from the back, each through the
/// iterator it is given, until they meet. Where the work grows along the jobs, both end
/// together, each on neighbouring jobs. Each gives one result per stretch it took, in the
/// order it took them; the results come back in the order of the stretches. With fewer
/// than `alone` jobs, or one core, `first` takes them all.
pub(crate) fn from_both_ends<T: Sync, R: Send>(
    jobs: &[T],
    alone: usize,
    stretch: usize,
    first: impl FnOnce(&mut dyn Iterator<Item = &[T]>) -> Vec<R>,
    other: impl FnOnce(&mut dyn Iterator<Item = &[T]>) -> Vec<R> + Send,
) -> Vec<R> {
    let stretches: Vec<&[T]> = jobs.chunks(stretch.max(1)).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if jobs.len() < alone || cores < 2 {
        return first(&mut stretches.iter().copied());
    }
    // The next stretch from the front, and one past the last left at the back.
    let ends = std::sync::Mutex::new((0, stretches.len()));
    let take = |from_front: bool| {
        let mut ends = ends.lock().unwrap_or_else(|e| e.into_inner());
        let (front, back) = &mut *ends;
        if *front >= *back {
            return None;
        }
        let k = match from_front {
            true => std::mem::replace(front, *front + 1),
            false => {
                *back -= 1;
                *back
            }
        };
        stretches.get(k).copied()
    };
    std::thread::scope(|s| {
        let other = s.spawn(|| other(&mut std::iter::from_fn(|| take(false))));
        let mut out = first(&mut std::iter::from_fn(|| take(true)));
        let mut from_back = join(other);
        from_back.reverse();
        out.extend(from_back);
        out
    })
}

/// Runs `first` on this thread and `others` on one more thread per other core, up to eight
/// in all (this thread alone when `alone`), and gives each run's result, this thread's
/// first: for work the runs share out among themselves, such as stretches taken from a
/// counter in turn. `first` may do what only this thread can, such as telling progress.
pub(crate) fn on_each_core<R: Send>(
    alone: bool,
    first: impl FnOnce() -> R,
    others: impl Fn() -> R + Sync,
) -> Vec<R> {
    let cores = match alone {
        true => 1,
        false => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    };
    std::thread::scope(|s| {
        let others = &others;
        let spawned: Vec<_> = (1..cores).map(|_| s.spawn(others)).collect();
        let mut out = vec![first()];
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
    fn work_from_both_ends_comes_back_in_the_order_of_the_jobs() {
        let jobs: Vec<u32> = (0..1000).collect();
        for (alone, stretch) in [(1, 7), (1, 1), (1, 5000), (2000, 7)] {
            let each = |taken: &mut dyn Iterator<Item = &[u32]>| -> Vec<Vec<u32>> {
                taken.map(<[u32]>::to_vec).collect()
            };
            let out = super::from_both_ends(&jobs, alone, stretch, each, each);
            let again: Vec<u32> = out.into_iter().flatten().collect();
            assert_eq!(again, jobs, "alone {alone}, stretch {stretch}");
        }
    }

    #[test]
    fn work_on_each_core_shares_out_what_is_taken_in_turn() {
        let next = std::sync::atomic::AtomicUsize::new(0);
        for alone in [true, false] {
            next.store(0, std::sync::atomic::Ordering::Relaxed);
            let work = || {
                let mut taken = Vec::new();
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if k >= 1000 {
                        return taken;
                    }
                    taken.push(k);
                }
            };
            let here = std::thread::current().id();
            let mut runs = super::on_each_core(
                alone,
                || (std::thread::current().id(), work()),
                || (std::thread::current().id(), work()),
            );
            assert_eq!(runs.first().map(|(id, _)| *id), Some(here));
            assert!(runs.iter().skip(1).all(|(id, _)| *id != here));
            let runs: Vec<Vec<usize>> = runs.drain(..).map(|(_, taken)| taken).collect();
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
