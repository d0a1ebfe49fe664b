//! A package file that is being written part by part while it is read: the parts of an export
//! are decrypted concurrently, each into its own place in one file, and the unpacker reads the
//! file from the start without waiting for the whole download.
//!
//! [`Arrivals`] keeps, for every part, how many of its bytes have been written to the file (its
//! watermark). Each part writes through an [`ArrivalWriter`], which raises the watermark only by
//! what its inner writer reported written — bytes still in a buffer above it never count. An
//! [`ArrivingReader`] reads the file in order and, when it reaches bytes not written yet, blocks
//! until the part holding them advances. [`Arrivals::abandon`] (a part failed, the download was
//! cancelled) wakes every waiting reader with an error, so a reader never waits for bytes that
//! will not come.
//!
//! Bytes read this way are not verified yet: a part's hash is known only when the part is
//! complete. What is built from them must stay provisional until every part has been verified
//! (the export stages its files and commits them only then).
//!
//! ```
//! use std::io::{Read, Seek, SeekFrom, Write};
//! use ksef_batch::arrival::Arrivals;
//!
//! # fn main() -> std::io::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("package");
//! std::fs::File::create(&path)?;
//! let arrivals = Arrivals::new(&[5, 6]);
//! let mut reader = arrivals.reader(std::fs::File::open(&path)?);
//! let reading = std::thread::spawn(move || {
//!     let mut all = String::new();
//!     reader.read_to_string(&mut all).map(|_| all)
//! });
//! // The second part arrives first; the reader waits for the first one.
//! for (part, bytes) in [(1, &b" world"[..]), (0, b"hello")] {
//!     let mut file = std::fs::OpenOptions::new().write(true).open(&path)?;
//!     file.seek(SeekFrom::Start(arrivals.start(part)))?;
//!     arrivals.writer(part, file).write_all(bytes)?;
//! }
//! assert_eq!(reading.join().unwrap()?, "hello world");
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The watermarks of the parts of one file, shared by the writers and the reader.
#[derive(Debug)]
pub struct Arrivals {
    /// Where each part starts in the file (parts are contiguous, in order).
    starts: Vec<u64>,
    /// Each part's size.
    sizes: Vec<u64>,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug)]
struct State {
    /// Bytes of each part written so far (never more than its size).
    written: Vec<u64>,
    abandoned: bool,
}

impl Arrivals {
    /// A file made of parts of `sizes` bytes, one after the other, none written yet.
    pub fn new(sizes: &[u64]) -> Arc<Self> {
        let mut starts = Vec::with_capacity(sizes.len());
        let mut end = 0u64;
        for &size in sizes {
            starts.push(end);
            end = end.saturating_add(size);
        }
        Arc::new(Self {
            starts,
            sizes: sizes.to_vec(),
            state: Mutex::new(State {
                written: vec![0; sizes.len()],
                abandoned: false,
            }),
            changed: Condvar::new(),
        })
    }

    /// The size of the whole file.
    pub fn total(&self) -> u64 {
        match (self.starts.last(), self.sizes.last()) {
            (Some(start), Some(size)) => start.saturating_add(*size),
            _ => 0,
        }
    }

    /// Where part `part` starts in the file.
    ///
    /// # Panics
    /// When there is no such part.
    pub fn start(&self, part: usize) -> u64 {
        self.starts[part]
    }

    /// Wraps `inner` (positioned at the start of part `part`) so that what it writes raises
    /// that part's watermark.
    pub fn writer<W: Write>(self: &Arc<Self>, part: usize, inner: W) -> ArrivalWriter<W> {
        ArrivalWriter {
            inner,
            arrivals: Arc::clone(self),
            part,
            written: 0,
        }
    }

    /// A reader of `file` (opened on the same file, at its start) that waits for the bytes it
    /// needs and ends at [`Arrivals::total`].
    pub fn reader(self: &Arc<Self>, file: File) -> ArrivingReader {
        ArrivingReader {
            file,
            arrivals: Arc::clone(self),
            position: 0,
        }
    }

    /// No more bytes will come: every waiting and future read fails. Idempotent; harmless once
    /// the readers are done.
    pub fn abandon(&self) {
        self.lock().abandoned = true;
        self.changed.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A writer that panicked while holding the lock left consistent numbers behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn advance(&self, part: usize, written: u64) {
        let mut state = self.lock();
        state.written[part] = written.min(self.sizes[part]);
        drop(state);
        self.changed.notify_all();
    }

    /// Blocks until the byte at `position` is written; returns where the written bytes from
    /// `position` on end (at most the end of its part), or `None` at the end of the file.
    fn wait_for(&self, position: u64) -> io::Result<Option<u64>> {
        // The last part starting at or before `position` holds it (empty parts hold nothing).
        let Some(part) = (0..self.starts.len())
            .rev()
            .find(|&k| self.starts[k] <= position && position < self.starts[k] + self.sizes[k])
        else {
            return Ok(None);
        };
        let start = self.starts[part];
        let mut state = self.lock();
        loop {
            if state.abandoned {
                return Err(io::Error::other("the package download stopped"));
            }
            let end = start + state.written[part];
            if end > position {
                return Ok(Some(end));
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A writer of one part: see [`Arrivals::writer`].
#[derive(Debug)]
pub struct ArrivalWriter<W> {
    inner: W,
    arrivals: Arc<Arrivals>,
    part: usize,
    written: u64,
}

impl<W: Write> Write for ArrivalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if n > 0 {
            self.written += n as u64;
            self.arrivals.advance(self.part, self.written);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader of the whole file that waits for bytes not yet written: see [`Arrivals::reader`].
#[derive(Debug)]
pub struct ArrivingReader {
    file: File,
    arrivals: Arc<Arrivals>,
    position: u64,
}

impl Read for ArrivingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let Some(end) = self.arrivals.wait_for(self.position)? else {
            return Ok(0);
        };
        let ready = usize::try_from(end - self.position).unwrap_or(usize::MAX);
        let want = buf.len().min(ready);
        let n = self.file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the package file is shorter than its parts have written",
            ));
        }
        self.position += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom};
    use std::time::Duration;

    use super::*;

    /// Parts written out of order and slowly, in small writes, are read back in order; an
    /// abandoned download wakes a waiting reader with an error.
    #[test]
    fn reads_what_the_parts_wrote_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("package");
        File::create(&path).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let sizes = [40_000u64, 0, 35_000, 25_000];
        let arrivals = Arrivals::new(&sizes);
        assert_eq!(arrivals.total(), 100_000);
        let reader = std::thread::spawn({
            let mut reader = arrivals.reader(File::open(&path).unwrap());
            move || {
                let mut out = Vec::new();
                reader.read_to_end(&mut out).map(|_| out)
            }
        });
        for part in [3usize, 0, 2, 1] {
            let start = arrivals.start(part);
            let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.seek(SeekFrom::Start(start)).unwrap();
            let mut writer = arrivals.writer(part, file);
            let bytes = &data[start as usize..(start + sizes[part]) as usize];
            for chunk in bytes.chunks(7_000) {
                writer.write_all(chunk).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        assert_eq!(reader.join().unwrap().unwrap(), data);

        let arrivals = Arrivals::new(&[10, 10]);
        let waiting = std::thread::spawn({
            let mut reader = arrivals.reader(File::open(&path).unwrap());
            move || reader.read_to_end(&mut Vec::new())
        });
        std::thread::sleep(Duration::from_millis(20));
        arrivals.abandon();
        let err = waiting.join().unwrap().unwrap_err();
        assert!(err.to_string().contains("stopped"), "{err}");
    }
}
