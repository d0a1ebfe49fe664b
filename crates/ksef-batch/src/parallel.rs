//! An ordered parallel map with bounded memory, for the per-invoice work of a package
//! (read, check, hash, compress) while one thread writes the results in order.
//!
//! Worker `k` of `n` takes items `k`, `k + n`, `k + 2n`, … and hands each result to its own
//! bounded channel; the consumer takes item `i` from channel `i % n`, so results arrive in
//! input order without a reorder buffer. At most `n * (depth + 1)` results exist at a time, so
//! memory is bounded by the item size, never by the item count. The first error (from a worker
//! or from the consumer) stops everything: the consumer returns, its receivers are dropped and
//! every worker stops at its next hand-over.
//!
//! [`scatter`] is the other direction: one thread produces the items in order (walking an
//! archive) and workers process them, with the same bounded hand-over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

/// Results a worker may queue ahead of the consumer.
const DEPTH: usize = 4;

/// Runs `work(state, i)` for `i` in `0..count` on `threads` threads, each with its own `state`
/// made by `init` on that thread (buffers, a compressor), and `consume(i, result)` on the calling
/// thread in order of `i`. Returns the first error.
pub(crate) fn map_in_order<S, T, E>(
    count: usize,
    threads: usize,
    init: impl Fn() -> Result<S, E> + Sync,
    work: impl Fn(&mut S, usize) -> Result<T, E> + Sync,
    mut consume: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    E: Send + From<std::io::Error>,
{
    let threads = threads.clamp(1, count.max(1));
    std::thread::scope(|scope| {
        let mut receivers = Vec::with_capacity(threads);
        for k in 0..threads {
            let (tx, rx) = sync_channel::<Result<T, E>>(DEPTH);
            receivers.push(rx);
            let (init, work) = (&init, &work);
            std::thread::Builder::new()
                .name(format!("ksef-batch-{k}"))
                .spawn_scoped(scope, move || {
                    let mut state = match init() {
                        Ok(state) => state,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    };
                    for i in (k..count).step_by(threads) {
                        let result = work(&mut state, i);
                        let failed = result.is_err();
                        if tx.send(result).is_err() || failed {
                            break;
                        }
                    }
                })?;
        }
        consume_in_order(count, &receivers, &mut consume)
        // `receivers` is dropped here, before the scope joins the workers: a worker blocked on a
        // full channel then sees the consumer gone and stops.
    })
}

/// Runs `work(state, item)` on `threads` threads for every item that `produce` hands to its
/// `send` argument (on the calling thread), each worker with its own `state` made by `init`;
/// returns what `produce` returned and the results in the order the items were sent.
///
/// Item `j` goes to worker `j % threads` through a channel of [`DEPTH`] items, so at most
/// `threads * (DEPTH + 1)` items exist at a time. The first error stops everything: after a
/// worker's error `send` returns `false` (the producer should return), after the producer's error
/// the workers stop at their next item; the producer's error wins, then the first worker's.
pub(crate) fn scatter<S, T, R, P, E>(
    threads: usize,
    init: impl Fn() -> Result<S, E> + Sync,
    work: impl Fn(&mut S, T) -> Result<R, E> + Sync,
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> Result<P, E>,
) -> Result<(P, Vec<R>), E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let threads = threads.max(1);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(threads);
        let mut handles = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (tx, rx) = sync_channel::<T>(DEPTH);
            senders.push(tx);
            let (init, work, stop) = (&init, &work, &stop);
            handles.push(scope.spawn(move || -> Result<Vec<R>, E> {
                let mut state = init().inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
                let mut out = Vec::new();
                // Ends when the producer is done and drops the sender.
                for item in rx {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let result = work(&mut state, item);
                    out.push(result.inspect_err(|_| stop.store(true, Ordering::Relaxed))?);
                }
                Ok(out)
            }));
        }
        let mut sent = 0usize;
        let produced = produce(&mut |item| {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            let delivered = senders[sent % threads].send(item).is_ok();
            sent += 1;
            delivered
        });
        if produced.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        drop(senders);
        let mut per_worker = Vec::with_capacity(threads);
        let mut failed = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(results)) => per_worker.push(results.into_iter()),
                Ok(Err(e)) => {
                    failed.get_or_insert(e);
                    per_worker.push(Vec::new().into_iter());
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        let produced = produced?;
        if let Some(e) = failed {
            return Err(e);
        }
        let mut results = Vec::with_capacity(sent);
        for j in 0..sent {
            results.extend(per_worker[j % threads].next());
        }
        Ok((produced, results))
    })
}

fn consume_in_order<T, E: From<std::io::Error>>(
    count: usize,
    receivers: &[Receiver<Result<T, E>>],
    consume: &mut impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    for i in 0..count {
        let rx = &receivers[i % receivers.len()];
        match rx.recv() {
            Ok(Ok(item)) => consume(i, item)?,
            Ok(Err(e)) => return Err(e),
            // Only a panicking worker drops its sender early; the scope re-raises the panic.
            Err(_) => return Err(std::io::Error::other("a packaging thread stopped").into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_stops_at_the_first_error() {
        for threads in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            map_in_order(
                100,
                threads,
                || Ok(()),
                |_, i| Ok::<_, std::io::Error>(i * 2),
                |i, v| {
                    assert_eq!(v, i * 2);
                    seen.push(i);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, (0..100).collect::<Vec<_>>());

            let mut consumed = 0;
            let err = map_in_order(
                1_000,
                threads,
                || Ok(()),
                |_, i| {
                    if i == 37 {
                        Err(std::io::Error::other("item 37"))
                    } else {
                        Ok(i)
                    }
                },
                |_, _| {
                    consumed += 1;
                    Ok(())
                },
            )
            .unwrap_err();
            assert_eq!(err.to_string(), "item 37");
            assert_eq!(consumed, 37);
        }
        let err = map_in_order(
            50,
            2,
            || Ok(()),
            |_, i| Ok::<_, std::io::Error>(i),
            |i, _| {
                if i == 3 {
                    Err(std::io::Error::other("consumer"))
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "consumer");
        map_in_order(
            0,
            4,
            || Ok(()),
            |_, i| Ok::<_, std::io::Error>(i),
            |_, _| unreachable!(),
        )
        .unwrap();
    }

    #[test]
    fn scatter_keeps_order_and_stops_at_the_first_error() {
        for threads in [1, 2, 3] {
            let (produced, results) = scatter(
                threads,
                || Ok(0usize),
                |seen, i: usize| {
                    *seen += 1;
                    Ok::<_, String>(i * 3)
                },
                |send| {
                    for i in 0..100 {
                        assert!(send(i));
                    }
                    Ok("done")
                },
            )
            .unwrap();
            assert_eq!(produced, "done");
            assert_eq!(results, (0..100).map(|i| i * 3).collect::<Vec<_>>());

            let mut refused = false;
            let err = scatter(
                threads,
                || Ok(()),
                |_, i: usize| {
                    if i == 7 {
                        Err(format!("item {i}"))
                    } else {
                        Ok(i)
                    }
                },
                |send| {
                    for i in 0..10_000 {
                        if !send(i) {
                            refused = true;
                            break;
                        }
                    }
                    Ok(())
                },
            )
            .unwrap_err();
            assert_eq!(err, "item 7");
            assert!(refused);

            let err = scatter(
                threads,
                || Ok(()),
                |_, i: usize| Ok::<_, String>(i),
                |send| {
                    send(1);
                    Err::<(), _>("producer".to_owned())
                },
            )
            .unwrap_err();
            assert_eq!(err, "producer");
        }
    }
}
