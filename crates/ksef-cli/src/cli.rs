//! The command line: global options, the subcommands and the dispatch.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{self, Ctx};
use crate::config::ConnectionArgs;
use crate::connect::Connection;
use crate::demo;
use crate::error::{CliError, CliResult, EXIT_CODES, ErrorKind};
use crate::output::{Format, Report};

const AFTER_HELP: &str = "\
Configuration: flags, then environment variables (KSEF_ENV, KSEF_BASE_URL, KSEF_NIP, KSEF_TOKEN,
KSEF_TOKEN_FILE, KSEF_CERT, KSEF_KEY, KSEF_PKCS12, KSEF_KEY_PASSWORD, KSEF_TEST_CERT, KSEF_PROFILE),
then the named profile of ~/.config/ksef/config.toml. Every command logs in afresh; access and
refresh tokens are never written to disk.

Try it offline: `ksef demo`, or `ksef emulator` in one terminal and
`KSEF_BASE_URL=http://127.0.0.1:8080/v2 ksef testdata person --random` in another.";

/// KSeF 2.0 (Krajowy System e-Faktur) from the command line: send and receive e-invoices,
/// manage tokens, permissions and certificates — against TEST, DEMO, production or the local
/// emulator.
#[derive(Debug, Parser)]
#[command(name = "ksef", version, after_help = format!("{AFTER_HELP}\n\n{EXIT_CODES}"))]
pub struct Cli {
    /// Output format: readable text, or one JSON document on stdout for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Connection and credentials.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the whole flow end to end: test data, XAdES login, online and batch sessions, UPOs,
    /// export and incremental sync, a QR code — on the embedded emulator unless --base-url is given.
    Demo(demo::DemoArgs),
    /// Runs the local KSeF emulator (the API under /v2); `ksef emulator --help` lists its options
    /// (the same as the `ksef-emulator` binary's).
    #[command(disable_help_flag = true)]
    Emulator {
        /// The emulator's options, e.g. --listen 127.0.0.1:8080 --data-dir DIR --config FILE.json.
        #[arg(allow_hyphen_values = true, trailing_var_arg = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// Logs in and shows the authentication; lists and ends authentication sessions.
    Auth(commands::auth::Args),
    /// Sends invoice files in an online session, waits for their KSeF numbers, saves UPOs.
    Send(commands::send::Args),
    /// Sends a directory of invoices in a batch session (resumable).
    Batch(commands::batch::Args),
    /// Shows sessions and the status of sessions and invoices.
    Status(commands::status::Args),
    /// Downloads UPOs (confirmations of receipt) of invoices or sessions and reports who signed
    /// them (exit code 8 when a signature does not verify); `--file` checks saved UPOs.
    Upo(commands::upo::Args),
    /// Downloads invoices by KSeF number.
    Download(commands::download::Args),
    /// Searches invoice metadata.
    Query(commands::query::Args),
    /// Exports invoices as an encrypted package and unpacks it into a directory.
    Export(commands::export::Args),
    /// Incrementally synchronises invoices into a directory (resumable; run it on a schedule).
    Sync(commands::sync::Args),
    /// Makes KOD I / KOD II verification links and QR codes (PNG/SVG).
    Qr(commands::qr::Args),
    /// FA(3) invoices offline: validate files, fill a template, show a summary, render as
    /// PDF/HTML.
    Invoice(commands::invoice::Args),
    /// Manages KSeF tokens.
    Tokens(commands::tokens::Args),
    /// Grants, revokes and queries permissions.
    Permissions(commands::permissions::Args),
    /// KSeF certificates: limits, CSR + enrolment, query, download, revoke.
    Certs(commands::certs::Args),
    /// Collective identifiers: generate one for a group of invoices, list them, show their
    /// invoices, find those of an invoice.
    Collective(commands::collective::Args),
    /// Shows and (on TEST) changes limits.
    Limits(commands::limits::Args),
    /// Creates and removes test data (TEST environment and emulator only).
    Testdata(commands::testdata::Args),
    /// Shows KSeF availability and announcements (the "Latarnia" status service).
    Lighthouse(commands::lighthouse::Args),
    /// Prints shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

async fn emulator(args: Vec<String>) -> CliResult {
    match ksef_emulator::cli::run(&args).await {
        0 => Ok(()),
        2 => Err(CliError::new(
            ErrorKind::Usage,
            "bad emulator arguments (see ksef emulator --help)",
        )),
        _ => Err(CliError::failure("the emulator stopped with an error")),
    }
}

async fn dispatch(command: Command, ctx: &Ctx, report: &mut Report) -> CliResult {
    match command {
        Command::Demo(args) => demo::run(args, ctx, report).await,
        Command::Emulator { args } => emulator(args).await,
        Command::Auth(args) => commands::auth::run(args, ctx, report).await,
        Command::Send(args) => commands::send::run(args, ctx, report).await,
        Command::Batch(args) => commands::batch::run(args, ctx, report).await,
        Command::Status(args) => commands::status::run(args, ctx, report).await,
        Command::Upo(args) => commands::upo::run(args, ctx, report).await,
        Command::Download(args) => commands::download::run(args, ctx, report).await,
        Command::Query(args) => commands::query::run(args, ctx, report).await,
        Command::Export(args) => commands::export::run(args, ctx, report).await,
        Command::Sync(args) => commands::sync::run(args, ctx, report).await,
        Command::Qr(args) => commands::qr::run(args, ctx, report).await,
        Command::Invoice(args) => commands::invoice::run(args, ctx, report),
        Command::Tokens(args) => commands::tokens::run(args, ctx, report).await,
        Command::Permissions(args) => commands::permissions::run(args, ctx, report).await,
        Command::Certs(args) => commands::certs::run(args, ctx, report).await,
        Command::Collective(args) => commands::collective::run(args, ctx, report).await,
        Command::Limits(args) => commands::limits::run(args, ctx, report).await,
        Command::Testdata(args) => commands::testdata::run(args, ctx, report).await,
        Command::Lighthouse(args) => commands::lighthouse::run(args, ctx, report).await,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ksef", &mut script);
            crate::output::write_stdout(&script);
            Ok(())
        }
    }
}

/// Runs a parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let mut report = Report::new(cli.output);
    let ctx = Ctx {
        conn: Connection::new(cli.connection),
        format: cli.output,
    };
    match dispatch(cli.command, &ctx, &mut report).await {
        Ok(()) => {
            report.finish();
            ExitCode::SUCCESS
        }
        Err(error) => {
            let code = error.kind.exit_code();
            report.fail(&error);
            ExitCode::from(code)
        }
    }
}
