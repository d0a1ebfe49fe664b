//! Shared by the `ksef` benchmarks: the emulator runs in a child process (this benchmark binary
//! in `server` mode), so that the CPU time and peak RSS measured are the client's alone.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "../../tests/emulator_support/mod.rs"]
mod emulator_support;
#[path = "../../../ksef-batch/benches/support/mod.rs"]
pub(crate) mod support;

/// The context (seller) NIP of the benchmarks; the invoice fixtures are issued by it.
#[allow(unused_imports)]
pub(crate) use emulator_support::{NIP, store_invoice};

/// Child side: runs an emulator without rate limits, lets `seed` fill it, prints its URL and
/// serves until stdin closes.
pub(crate) fn serve(seed: impl FnOnce(&ksef_emulator::Emulator)) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let emulator = ksef_emulator::Emulator::start(emulator_support::fast())
            .await
            .expect("emulator starts");
        seed(&emulator);
        announce(&emulator.base_url());
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await;
    });
}

#[allow(clippy::print_stdout)]
fn announce(url: &str) {
    println!("BASE_URL {url}");
}

/// Parent side: an emulator child started with `args` (which must lead to [`serve`]).
pub(crate) struct Server {
    child: Child,
    /// Its base URL.
    pub(crate) base_url: String,
}

impl Server {
    pub(crate) fn start(args: &[&str]) -> Self {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("server starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base_url = loop {
            let line = lines.next().expect("the server starts").expect("line");
            if let Some(url) = line.strip_prefix("BASE_URL ") {
                break url.to_owned();
            }
        };
        Self { child, base_url }
    }

    /// CPU seconds the emulator process has used so far.
    pub(crate) fn cpu_seconds(&self) -> f64 {
        support::process_cpu_seconds(&self.child.id().to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A client logged in to `base_url` as the owner of [`NIP`], without throttling.
pub(crate) async fn login(base_url: &str) -> ksef::AuthenticatedClient {
    let client = ksef::Client::builder()
        .base_url(base_url.to_owned())
        .throttle(ksef::http::ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .auth_poll_interval(Duration::from_millis(20))
        .build()
        .expect("client");
    emulator_support::login_owner(&client).await
}

/// CPU seconds used by this process so far.
pub(crate) fn cpu_seconds() -> f64 {
    support::cpu_seconds()
}
