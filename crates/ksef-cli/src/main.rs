//! `ksef`: the KSeF 2.0 command-line tool.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use ksef_cli::demo::{DemoOptions, run};
use ksef_cli::output::{Format, Report};

/// KSeF 2.0 (Krajowy System e-Faktur) from the command line.
#[derive(Debug, Parser)]
#[command(name = "ksef", version, about, long_about = None)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the whole flow end to end: test data, XAdES login, online and batch sessions, UPOs,
    /// export and incremental sync, a QR code — on the embedded emulator unless --base-url is given.
    Demo {
        /// Another KSeF API root (e.g. https://api-test.ksef.mf.gov.pl/v2 or a proxy).
        #[arg(long, env = "KSEF_BASE_URL")]
        base_url: Option<String>,
        /// Where to write UPOs, synchronised invoices and the QR code.
        #[arg(long, default_value = "ksef-demo")]
        out: PathBuf,
        /// Invoices sent in the online session.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
        online: u16,
        /// Invoices sent in the batch session.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=10000))]
        batch: u16,
    },
    /// Runs the local KSeF emulator (the API under /v2).
    Emulator {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// A JSON configuration file (every field of the emulator's settings is optional).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Prints shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

async fn emulator(listen: std::net::SocketAddr, config: Option<PathBuf>) -> Result<(), String> {
    let mut settings = match config {
        Some(path) => ksef_emulator::EmulatorConfig::from_json_file(&path)?,
        None => ksef_emulator::EmulatorConfig::default(),
    };
    settings.listen = listen;
    let emulator = ksef_emulator::Emulator::start(settings)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "KSeF emulator: API at {} (Ctrl-C to stop)",
        emulator.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut report = Report::new(cli.output);
    let result = match cli.command {
        Command::Demo {
            base_url,
            out,
            online,
            batch,
        } => {
            let options = DemoOptions {
                base_url,
                out_dir: out,
                online_invoices: usize::from(online),
                batch_invoices: usize::from(batch),
            };
            run(options, &mut report).await
        }
        Command::Emulator { listen, config } => emulator(listen, config).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "ksef", &mut std::io::stdout());
            Ok(())
        }
    };
    match result {
        Ok(()) => {
            report.finish();
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
