//! Streaming adapters agree with the buffer API and compute the right digests.

use std::io::{Read, Write};

use ksef_crypto::symmetric::{
    DecryptError, Digests, FileDigest, Sha256Hasher, SymmetricKey, encrypted_len,
};

const CHUNK: usize = 1024 * 1024;

fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
        .collect()
}

fn sizes() -> Vec<usize> {
    vec![
        0,
        1,
        15,
        16,
        17,
        1000,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        CHUNK + 16,
        2 * CHUNK + 5,
    ]
}

fn expected_digests(plain: &[u8], cipher: &[u8]) -> Digests {
    Digests {
        plain: FileDigest::of(plain),
        cipher: FileDigest::of(cipher),
    }
}

fn encrypt_with_writer(
    key: &SymmetricKey,
    plain: &[u8],
    piece: usize,
    parallel: bool,
) -> (Vec<u8>, Digests) {
    let mut w = key
        .encrypting_writer(Vec::new())
        .with_parallel_hashing(parallel);
    for p in plain.chunks(piece.max(1)) {
        w.write_all(p).unwrap();
    }
    w.finish().unwrap()
}

fn read_all<R: Read>(mut r: R, piece: usize) -> (R, Vec<u8>) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; piece];
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            return (r, out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn writers_and_readers_match_buffer_api() {
    let key = SymmetricKey::generate();
    for len in sizes() {
        let plain = data(len);
        let cipher = key.encrypt(&plain);
        assert_eq!(cipher.len() as u64, encrypted_len(len as u64));
        let want = expected_digests(&plain, &cipher);
        for (piece, parallel) in [
            (1usize, true),
            (7, false),
            (4096, true),
            (1 << 20, true),
            (1 << 20, false),
        ] {
            if piece < 16 && len > 20_000 {
                continue;
            }
            let (ct, d) = encrypt_with_writer(&key, &plain, piece, parallel);
            assert_eq!(ct, cipher, "writer len={len} piece={piece}");
            assert_eq!(d, want, "writer digests len={len} piece={piece}");

            let reader = key
                .encrypting_reader(&plain[..])
                .with_parallel_hashing(parallel);
            let (reader, ct) = read_all(reader, piece.max(3));
            assert_eq!(ct, cipher, "reader len={len} piece={piece}");
            assert_eq!(reader.finish().unwrap().1, want);

            let mut dw = key
                .decrypting_writer(Vec::new())
                .with_parallel_hashing(parallel);
            for p in cipher.chunks(piece.max(1)) {
                dw.write_all(p).unwrap();
            }
            let (pt, d) = dw.finish().unwrap();
            assert_eq!(pt, plain, "decrypting writer len={len} piece={piece}");
            assert_eq!(d, want);

            let dr = key
                .decrypting_reader(&cipher[..])
                .with_parallel_hashing(parallel);
            let (dr, pt) = read_all(dr, piece.max(3));
            assert_eq!(pt, plain, "decrypting reader len={len} piece={piece}");
            assert_eq!(dr.finish().unwrap().1, want);
        }
    }
}

#[test]
fn decrypt_rejects_bad_lengths_and_padding() {
    let key = SymmetricKey::generate();
    let mut cipher = key.encrypt(&data(CHUNK + 100));
    // Truncated (not block aligned).
    let truncated = &cipher[..cipher.len() - 3];
    let mut w = key.decrypting_writer(Vec::new());
    w.write_all(truncated).unwrap();
    let err = w.finish().unwrap_err();
    assert_eq!(
        DecryptError::from_io(&err),
        Some(&DecryptError::NotBlockAligned {
            len: truncated.len() as u64
        })
    );
    let mut r = key.decrypting_reader(truncated);
    let mut sink = Vec::new();
    let err = r.read_to_end(&mut sink).unwrap_err();
    assert!(matches!(
        DecryptError::from_io(&err),
        Some(DecryptError::NotBlockAligned { .. })
    ));
    // Once failed, the reader keeps failing and cannot be finished.
    assert!(r.read(&mut [0u8; 10]).is_err());
    assert!(r.finish().is_err());

    // Empty.
    let err = key.decrypting_writer(Vec::new()).finish().unwrap_err();
    assert_eq!(DecryptError::from_io(&err), Some(&DecryptError::Empty));

    // Corrupted last block: bad padding.
    let last = cipher.len() - 1;
    cipher[last] ^= 0xA5;
    let mut w = key.decrypting_writer(Vec::new());
    w.write_all(&cipher).unwrap();
    let err = w.finish().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(DecryptError::from_io(&err), Some(&DecryptError::BadPadding));
    assert_eq!(key.decrypt(&cipher), Err(DecryptError::BadPadding));
    // The ciphertext's digest is still given, so a caller can check its announced hash first.
    let mut w = key.decrypting_writer(Vec::new());
    w.write_all(&cipher).unwrap();
    let (digest, decrypted) = w.finish_verifying().unwrap();
    assert_eq!(digest, FileDigest::of(&cipher));
    assert_eq!(decrypted.unwrap_err(), DecryptError::BadPadding);

    // Wrong key.
    let other = SymmetricKey::generate();
    let good = key.encrypt(b"some invoice");
    assert!(other.decrypt(&good).is_err() || other.decrypt(&good).unwrap() != b"some invoice");
}

#[test]
fn padding_is_only_accepted_at_the_true_end() {
    // Two ciphertexts glued together: the first one's padding block sits in the middle and must
    // be decrypted as data, not taken as the end.
    let key = SymmetricKey::generate();
    let first = key.encrypt(&data(40));
    let second = key.encrypt(&data(CHUNK + 3));
    let glued: Vec<u8> = first.iter().chain(&second).copied().collect();
    let buffer = key.decrypt(&glued).unwrap();
    assert_eq!(buffer.len(), glued.len() - (16 - (CHUNK + 3) % 16));
    assert_eq!(&buffer[..40], &data(40)[..]);
    assert_eq!(&buffer[40..48], &[8u8; 8]);
    let (dr, streamed) = read_all(key.decrypting_reader(&glued[..]), 1000);
    assert_eq!(streamed, buffer);
    assert_eq!(dr.finish().unwrap().1.plain.size, buffer.len() as u64);
    let mut w = key.decrypting_writer(Vec::new());
    for p in glued.chunks(5000) {
        w.write_all(p).unwrap();
    }
    assert_eq!(w.finish().unwrap().0, buffer);
}

#[test]
fn readers_must_be_read_to_the_end_before_finish() {
    let key = SymmetricKey::generate();
    let plain = data(100);
    let mut r = key.encrypting_reader(&plain[..]);
    let mut buf = [0u8; 10];
    r.read_exact(&mut buf).unwrap();
    assert!(r.finish().is_err());
}

#[test]
fn sha256_hasher_of_reader() {
    let plain = data(3 * CHUNK + 11);
    let d = Sha256Hasher::digest_reader(&plain[..]).unwrap();
    assert_eq!(d, FileDigest::of(&plain));
    let mut h = Sha256Hasher::new();
    std::io::copy(&mut &plain[..], &mut h).unwrap();
    assert_eq!(h.size(), plain.len() as u64);
    assert_eq!(h.finish(), d);
    assert_eq!(d.sha256_base64().len(), 44);
}

struct FailingWriter;
impl Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk full"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn writer_errors_poison_the_adapter() {
    let key = SymmetricKey::generate();
    let mut w = key.encrypting_writer(FailingWriter);
    assert!(w.write_all(&data(CHUNK * 2)).is_err());
    assert!(w.write(b"x").is_err());
    assert!(w.finish().is_err());
}
