//! An ordered parallel map with bounded memory, for the per-invoice work of a package
//! (read, check, hash, compress) while one thread writes the results in order.
//!
//! Worker `k` of `n` takes items `k`, `k + n`, `k + 2n`, … and hands each result to its own
//! bounded channel; the consumer takes item `i` from channel `i % n`, so results arrive in
//! input order without a reorder buffer. At most `n * (depth + 1)` results exist at a time, so
//! memory is bounded by the item size, never by the item count. The first error (from a worker
//! or from the consumer) stops everything: the consumer returns, its receivers are dropped and
//! every worker stops at its next hand-over.

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
}
