//! Hashing of a byte stream that is handed over in owned chunks, optionally on a helper thread.
//!
//! The streaming adapters run the cipher on the caller's thread and give finished chunks (the
//! ciphertext when encrypting; both sides when decrypting) to a [`ChunkHasher`]. Once a stream is
//! large enough to be worth it, the hasher moves its SHA-256 state to a dedicated thread and
//! hashes the chunks there, in order, while the caller processes the next chunk. Memory stays
//! bounded: chunks come from a small pool of reused buffers, and when all are in flight the
//! caller waits for the hashing thread.
//!
//! Each byte is still read once by the cipher and once by each hash; the data is never re-read
//! from its source.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

use super::digest::{FileDigest, Sha256Hasher};

/// Chunks in flight towards a hashing thread, beyond the one it is hashing.
const QUEUE_DEPTH: usize = 2;
/// Buffers a pool may allocate in total (queued + being hashed + being filled).
const MAX_BUFFERS: usize = QUEUE_DEPTH + 2;

/// Hashes a stream given as a sequence of owned chunks and recycles the chunk buffers.
pub(crate) struct ChunkHasher {
    state: State,
    /// Chunk size: buffers grow up to this capacity.
    chunk: usize,
    /// Whether moving to a thread is allowed.
    parallel: bool,
}

/// Capacity of a freshly allocated buffer.
const INITIAL_CAPACITY: usize = 16 * 1024;
/// A chunk at least this long moves hashing to a helper thread (when allowed).
const PARALLEL_THRESHOLD: usize = 128 * 1024;

enum State {
    Inline {
        hasher: Sha256Hasher,
        spare: Vec<Vec<u8>>,
    },
    Threaded(Worker),
    /// The hashing thread died; the digest is lost.
    Broken,
}

struct Worker {
    tx: SyncSender<Vec<u8>>,
    recycled: Receiver<Vec<u8>>,
    handle: JoinHandle<FileDigest>,
    allocated: usize,
}

impl ChunkHasher {
    /// A hasher whose buffers hold `chunk` bytes; with `parallel`, full chunks are hashed on a
    /// helper thread.
    pub(crate) fn new(chunk: usize, parallel: bool) -> Self {
        Self {
            state: State::Inline {
                hasher: Sha256Hasher::new(),
                spare: Vec::new(),
            },
            chunk,
            parallel,
        }
    }

    /// Allows or forbids hashing on a helper thread (only effective before the first chunk).
    pub(crate) fn set_parallel(&mut self, parallel: bool) {
        self.parallel = parallel;
    }

    /// An empty buffer with capacity for one chunk, reused when possible. May wait for the
    /// hashing thread when the pool is exhausted.
    pub(crate) fn take_buffer(&mut self) -> Vec<u8> {
        // Small streams (a single invoice) never need a whole chunk; buffers grow on demand
        // and keep their capacity when recycled.
        let initial = self.chunk.min(INITIAL_CAPACITY);
        let reused = match &mut self.state {
            State::Inline { spare, .. } => spare.pop(),
            State::Threaded(worker) => match worker.recycled.try_recv() {
                Ok(buf) => Some(buf),
                Err(TryRecvError::Empty) if worker.allocated >= MAX_BUFFERS => {
                    // All buffers are queued: wait for the thread to hand one back.
                    worker.recycled.recv().ok()
                }
                Err(_) => None,
            },
            State::Broken => None,
        };
        match reused {
            Some(mut buf) => {
                buf.clear();
                buf
            }
            None => {
                if let State::Threaded(worker) = &mut self.state {
                    worker.allocated += 1;
                }
                Vec::with_capacity(initial)
            }
        }
    }

    /// Hashes `buf` after everything given before it, then recycles the buffer.
    pub(crate) fn submit(&mut self, buf: Vec<u8>) {
        if self.parallel && buf.len() >= PARALLEL_THRESHOLD {
            self.go_parallel();
        }
        self.hash(buf);
    }

    /// The hash state, when this hasher stays on the caller's thread for good (helper threads
    /// forbidden): the caller may then feed it directly and hand the buffers back with
    /// [`ChunkHasher::recycle`].
    pub(crate) fn stitchable(&mut self) -> Option<&mut Sha256Hasher> {
        match &mut self.state {
            State::Inline { hasher, .. } if !self.parallel => Some(hasher),
            _ => None,
        }
    }

    /// Returns a buffer whose bytes were already fed through [`ChunkHasher::stitchable`].
    pub(crate) fn recycle(&mut self, buf: Vec<u8>) {
        if let State::Inline { spare, .. } = &mut self.state
            && spare.len() < 2
        {
            spare.push(buf);
        }
    }

    /// Like [`ChunkHasher::submit`] for the last chunk of a stream: never starts a thread just
    /// for it.
    pub(crate) fn submit_last(&mut self, buf: Vec<u8>) {
        self.hash(buf);
    }

    fn hash(&mut self, buf: Vec<u8>) {
        match &mut self.state {
            State::Inline { hasher, spare } => {
                hasher.update(&buf);
                if spare.len() < 2 {
                    spare.push(buf);
                }
            }
            State::Threaded(worker) => {
                if worker.tx.send(buf).is_err() {
                    self.state = State::Broken;
                }
            }
            State::Broken => {}
        }
    }

    /// Waits for all submitted chunks to be hashed and returns the digest.
    pub(crate) fn finish(self) -> std::io::Result<FileDigest> {
        match self.state {
            State::Inline { hasher, .. } => Ok(hasher.finish()),
            State::Threaded(worker) => {
                drop(worker.tx);
                worker.handle.join().map_err(|_| broken())
            }
            State::Broken => Err(broken()),
        }
    }

    /// Moves the hash state to a helper thread (once). Stays inline if no thread can be spawned.
    fn go_parallel(&mut self) {
        let State::Inline { hasher, .. } = &self.state else {
            return;
        };
        let (tx, rx) = sync_channel::<Vec<u8>>(QUEUE_DEPTH);
        let (recycle_tx, recycled) = sync_channel::<Vec<u8>>(MAX_BUFFERS);
        // Cloning the state (a few dozen bytes) keeps it here should the spawn fail.
        let mut moved = hasher.clone();
        let spawned = std::thread::Builder::new()
            .name("ksef-sha256".into())
            .spawn(move || {
                while let Ok(buf) = rx.recv() {
                    moved.update(&buf);
                    // The pool may be gone or full; then the buffer is simply freed.
                    let _ = recycle_tx.try_send(buf);
                }
                moved.finish()
            });
        if let Ok(handle) = spawned {
            // The inline spare buffers are freed; the one being submitted counts as allocated.
            self.state = State::Threaded(Worker {
                tx,
                recycled,
                handle,
                allocated: 1,
            });
        }
    }
}

fn broken() -> std::io::Error {
    std::io::Error::other("the SHA-256 hashing thread stopped unexpectedly")
}
