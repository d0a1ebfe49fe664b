//! The one secure random source of this crate: the operating system's CSPRNG through `ring`.

use ring::rand::{SecureRandom as _, SystemRandom};

/// Fills `buf` with random bytes from the operating system.
///
/// # Panics
/// When the operating system's random source fails, which on supported platforms only happens
/// when it is not available at all (the same behaviour as `rand_core::OsRng`).
pub(crate) fn fill(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    SystemRandom::new()
        .fill(buf)
        .expect("the operating system's random source failed");
}

/// [`rand_core`] view of [`fill`], for the `rsa` crate (OAEP padding, key generation).
#[cfg(feature = "public-key")]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemRng;

#[cfg(feature = "public-key")]
impl rand_core::RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        fill(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        fill(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        SystemRandom::new().fill(dest).map_err(|_| {
            rand_core::Error::new(std::io::Error::other("system random source failed"))
        })
    }
}

#[cfg(feature = "public-key")]
impl rand_core::CryptoRng for SystemRng {}
