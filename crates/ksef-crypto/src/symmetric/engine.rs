//! Chunk-level AES-256-CBC: many blocks per call (the key schedule stays in registers), the CBC
//! chaining state carried between calls, and PKCS#7 only on the true last block.

use aes::Block;
use aes::cipher::block_padding::{Pkcs7, RawPadding};
use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut};

use super::{Aes256CbcDec, Aes256CbcEnc, BLOCK_LEN, DecryptError};

/// Encrypts a stream chunk by chunk.
pub(crate) struct ChunkEncryptor {
    cbc: Aes256CbcEnc,
}

impl ChunkEncryptor {
    pub(crate) fn new(cbc: Aes256CbcEnc) -> Self {
        Self { cbc }
    }

    /// Encrypts `input` (a multiple of 16 bytes; any tail is left out) and appends the result to
    /// `out`. Returns the number of input bytes consumed.
    pub(crate) fn blocks(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        let n = input.len() - input.len() % BLOCK_LEN;
        let start = out.len();
        out.resize(start + n, 0);
        let (Some(src), Some(dst)) = (input.get(..n), out.get_mut(start..)) else {
            return 0;
        };
        if let Ok(buf) = InOutBuf::new(src, dst) {
            let (blocks, _tail) = buf.into_chunks();
            self.cbc.encrypt_blocks_inout_mut(blocks);
        }
        n
    }

    /// Pads and encrypts the final partial block (`tail.len() < 16`, possibly empty) and appends
    /// it to `out`.
    pub(crate) fn finish(mut self, tail: &[u8], out: &mut Vec<u8>) {
        let mut block = [0u8; BLOCK_LEN];
        let pos = tail.len().min(BLOCK_LEN - 1);
        if let (Some(dst), Some(src)) = (block.get_mut(..pos), tail.get(..pos)) {
            dst.copy_from_slice(src);
        }
        Pkcs7::raw_pad(&mut block, pos);
        let mut block = Block::from(block);
        self.cbc.encrypt_block_mut(&mut block);
        out.extend_from_slice(&block);
    }
}

/// Decrypts a stream chunk by chunk.
pub(crate) struct ChunkDecryptor {
    cbc: Aes256CbcDec,
}

impl ChunkDecryptor {
    pub(crate) fn new(cbc: Aes256CbcDec) -> Self {
        Self { cbc }
    }

    /// Decrypts whole blocks of `input` (any tail is left out), appending to `out`. The caller
    /// must keep back the last block of the stream for [`ChunkDecryptor::finish`].
    pub(crate) fn blocks(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        let n = input.len() - input.len() % BLOCK_LEN;
        let start = out.len();
        out.resize(start + n, 0);
        let (Some(src), Some(dst)) = (input.get(..n), out.get_mut(start..)) else {
            return 0;
        };
        if let Ok(buf) = InOutBuf::new(src, dst) {
            let (blocks, _tail) = buf.into_chunks();
            self.cbc.decrypt_blocks_inout_mut(blocks);
        }
        n
    }

    /// Decrypts the last blocks of the stream (`last` must be a non-empty multiple of 16 bytes)
    /// and strips the PKCS#7 padding, appending the plaintext to `out`. `total_len` is the whole
    /// ciphertext length, for the error message.
    pub(crate) fn finish(
        mut self,
        last: &[u8],
        out: &mut Vec<u8>,
        total_len: u64,
    ) -> Result<(), DecryptError> {
        if total_len == 0 {
            return Err(DecryptError::Empty);
        }
        if last.is_empty() || last.len() % BLOCK_LEN != 0 {
            return Err(DecryptError::NotBlockAligned { len: total_len });
        }
        let start = out.len();
        self.blocks(last, out);
        let Some(final_block) = out.len().checked_sub(BLOCK_LEN).and_then(|i| out.get(i..)) else {
            return Err(DecryptError::BadPadding);
        };
        let data_len = Pkcs7::raw_unpad(final_block)
            .map_err(|_| DecryptError::BadPadding)?
            .len();
        let keep = out.len() - BLOCK_LEN + data_len;
        debug_assert!(keep >= start);
        out.truncate(keep);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symmetric::SymmetricKey;

    #[test]
    fn chunked_equals_buffer() {
        let key = SymmetricKey::from_parts([1; 32], [2; 16]);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut enc = ChunkEncryptor::new(key.cbc_encryptor());
        let mut out = Vec::new();
        let mut pos = 0;
        for step in [16usize, 48, 160, 320] {
            pos += enc.blocks(&data[pos..pos + step], &mut out);
        }
        let rest = &data[pos..];
        let used = enc.blocks(rest, &mut out);
        enc.finish(&rest[used..], &mut out);
        assert_eq!(out, key.encrypt(&data));

        let mut dec = ChunkDecryptor::new(key.cbc_decryptor());
        let mut plain = Vec::new();
        let held = out.len() - 16;
        dec.blocks(&out[..held - 32], &mut plain);
        dec.finish(&out[held - 32..], &mut plain, out.len() as u64)
            .unwrap();
        assert_eq!(plain, data);
    }
}
