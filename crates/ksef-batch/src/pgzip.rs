//! Parallel gzip for tar.gz packages.
//!
//! The input is cut into blocks of [`BLOCK`] bytes. Each block is compressed on a worker thread
//! as raw deflate primed with the last 32 KiB of the block before it (so matches across the
//! boundary are still found, as pigz does) and ended with a sync flush, which leaves the output
//! byte-aligned and not final; the last block is ended normally. Concatenated in order, the
//! blocks are therefore one deflate stream, framed as one gzip member (RFC 1952): a 10-byte
//! header and a trailer with the CRC-32 and size of the whole input. Any gzip reader reads it.
//! At most a few blocks per worker are in memory at a time.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use flate2::{Compress, Compression, FlushCompress, Status};

/// Input bytes per block.
const BLOCK: usize = 1 << 20;
/// Dictionary carried from one block to the next (the deflate window).
const WINDOW: usize = 32 * 1024;
/// Blocks queued per worker beyond the one it compresses.
const DEPTH: usize = 2;

/// Gzip header: magic, deflate, no flags, no modification time, no extra flags, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

struct Job {
    data: Vec<u8>,
    dictionary: Vec<u8>,
    last: bool,
}

struct Worker {
    jobs: SyncSender<Job>,
    done: Receiver<io::Result<Vec<u8>>>,
    handle: JoinHandle<()>,
}

/// Writes a gzip stream into `inner`, compressing blocks in parallel.
pub(crate) struct ParallelGzWriter<W: Write> {
    inner: W,
    workers: Vec<Worker>,
    /// Worker index of every block sent and not yet written, in order.
    pending: VecDeque<usize>,
    next: usize,
    block: Vec<u8>,
    /// The last [`WINDOW`] bytes of the block sent before, to prime the next one.
    dictionary: Vec<u8>,
    crc: flate2::Crc,
    header_written: bool,
}

impl<W: Write> ParallelGzWriter<W> {
    /// A writer with `threads` workers.
    pub(crate) fn new(inner: W, level: Compression, threads: usize) -> io::Result<Self> {
        let mut workers = Vec::new();
        for _ in 0..threads.max(1) {
            let (jobs, job_rx) = sync_channel::<Job>(DEPTH);
            let (done_tx, done) = sync_channel(DEPTH + 1);
            let handle = std::thread::Builder::new()
                .name("ksef-gzip".into())
                .spawn(move || compress_blocks(level, &job_rx, &done_tx))?;
            workers.push(Worker { jobs, done, handle });
        }
        Ok(Self {
            inner,
            workers,
            pending: VecDeque::new(),
            next: 0,
            block: Vec::with_capacity(BLOCK),
            dictionary: Vec::new(),
            crc: flate2::Crc::new(),
            header_written: false,
        })
    }

    /// Sends the current block to the next worker; writes finished blocks while too many wait.
    fn send_block(&mut self, last: bool) -> io::Result<()> {
        if !self.header_written {
            self.inner.write_all(&HEADER)?;
            self.header_written = true;
        }
        let data = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK));
        let tail = data
            .get(data.len().saturating_sub(WINDOW)..)
            .unwrap_or_default()
            .to_vec();
        let job = Job {
            data,
            dictionary: std::mem::replace(&mut self.dictionary, tail),
            last,
        };
        let index = self.next % self.workers.len();
        self.next += 1;
        self.workers[index].jobs.send(job).map_err(|_| stopped())?;
        self.pending.push_back(index);
        while self.pending.len() > self.workers.len() * DEPTH {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        if let Some(index) = self.pending.pop_front() {
            let out = self.workers[index].done.recv().map_err(|_| stopped())??;
            self.inner.write_all(&out)?;
        }
        Ok(())
    }

    /// Compresses what is left, writes the trailer and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.send_block(true)?;
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        self.inner.write_all(&self.crc.sum().to_le_bytes())?;
        self.inner.write_all(&self.crc.amount().to_le_bytes())?;
        let workers = std::mem::take(&mut self.workers);
        for worker in workers {
            drop(worker.jobs);
            let _ = worker.handle.join();
        }
        Ok(self.inner)
    }
}

fn stopped() -> io::Error {
    io::Error::other("a gzip compression thread stopped")
}

impl<W: Write> Write for ParallelGzWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = BLOCK - self.block.len();
        let n = room.min(buf.len());
        self.block.extend_from_slice(&buf[..n]);
        self.crc.update(&buf[..n]);
        if self.block.len() == BLOCK {
            self.send_block(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A worker: compresses blocks until the job channel closes.
fn compress_blocks(
    level: Compression,
    jobs: &Receiver<Job>,
    done: &SyncSender<io::Result<Vec<u8>>>,
) {
    let mut compress = Compress::new(level, false);
    while let Ok(job) = jobs.recv() {
        let result = compress_block(&mut compress, &job);
        if done.send(result).is_err() {
            return;
        }
    }
}

fn compress_block(compress: &mut Compress, job: &Job) -> io::Result<Vec<u8>> {
    compress.reset();
    if !job.dictionary.is_empty() {
        compress
            .set_dictionary(&job.dictionary)
            .map_err(io::Error::other)?;
    }
    let flush = if job.last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(job.data.len() + job.data.len() / 8 + 64);
    let start = compress.total_in();
    loop {
        let consumed = usize::try_from(compress.total_in() - start).unwrap_or(usize::MAX);
        let input = job.data.get(consumed..).unwrap_or_default();
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(64));
        }
        let status = compress
            .compress_vec(input, &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = compress.total_in() - start == job.data.len() as u64;
        let room_left = out.capacity() > out.len();
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete once all input is in and it left output room unused.
            Status::Ok | Status::BufError if !job.last && all_in && room_left => return Ok(out),
            Status::Ok | Status::BufError => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gzip(data: &[u8], threads: usize) -> Vec<u8> {
        let mut gz = ParallelGzWriter::new(Vec::new(), Compression::new(6), threads).unwrap();
        // Uneven writes, as tar makes them.
        for chunk in data.chunks(70_001) {
            gz.write_all(chunk).unwrap();
        }
        gz.finish().unwrap()
    }

    #[test]
    fn one_gzip_member_that_any_reader_reads() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let text: Vec<u8> = (0..2 * BLOCK + BLOCK / 2)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Compressible text with some noise, repeating across block boundaries.
                if seed.is_multiple_of(7) {
                    b'a' + (seed % 26) as u8
                } else {
                    b"<FaWiersz>"[i % 10]
                }
            })
            .collect();
        for len in [0, 1, BLOCK, BLOCK + 1, text.len()] {
            for threads in [1, 3] {
                let packed = gzip(&text[..len], threads);
                assert_eq!(&packed[..3], &[0x1f, 0x8b, 8]);
                let mut back = Vec::new();
                flate2::read::GzDecoder::new(packed.as_slice())
                    .read_to_end(&mut back)
                    .unwrap();
                assert!(back == text[..len], "{len} bytes on {threads} threads");
            }
        }
        // Priming each block with the previous one's window keeps the size of one stream.
        let parallel = gzip(&text, 2).len() as f64;
        let mut single = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        single.write_all(&text).unwrap();
        let single = single.finish().unwrap().len() as f64;
        assert!(parallel <= single * 1.005, "{parallel} vs {single}");
    }
}
