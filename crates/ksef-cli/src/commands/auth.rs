//! `ksef auth`: log in and show the result; list and end authentication sessions.
//!
//! Nothing is cached: access and refresh tokens stay in memory for the duration of one command.
//! `--print-token` hands the access token over on request (for `curl` while debugging).

use clap::{Subcommand, ValueEnum};
use futures::StreamExt as _;
use serde_json::json;

use crate::commands::Ctx;
use crate::connect::{Method, TestIdentity, context_text};
use crate::error::{CliError, CliResult};
use crate::output::Report;

/// Options of `ksef auth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do (default: login).
    #[command(subcommand)]
    pub action: Option<Action>,
}

/// The way to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoginMethod {
    /// Whatever is configured: a KSeF token, else a certificate, else a TEST certificate.
    Auto,
    /// A KSeF token (KSEF_TOKEN or --token-file).
    Token,
    /// XAdES with --cert/--key or --pkcs12.
    Xades,
    /// XAdES with a generated TEST certificate (--test-cert pesel:…|nip:…).
    TestCert,
}

/// `ksef auth` actions.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Logs in with the configured credentials and shows the authentication (checks a set-up).
    Login {
        /// Which credentials to use.
        #[arg(long, value_enum, default_value_t = LoginMethod::Auto)]
        method: LoginMethod,
        /// Also print the access token (a secret: valid for minutes, do not store it).
        #[arg(long)]
        print_token: bool,
    },
    /// Lists the active authentication sessions of the context.
    Sessions {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Ends an authentication session (its refresh token stops working).
    Logout {
        /// The authentication reference number to end (see `ksef auth sessions`).
        reference: String,
    },
}

fn choose(ctx: &Ctx, method: LoginMethod) -> CliResult<Method> {
    match method {
        LoginMethod::Auto => ctx.conn.method(),
        LoginMethod::Token => ctx
            .conn
            .token()?
            .map(Method::Token)
            .ok_or_else(|| CliError::config("--method token: set KSEF_TOKEN or --token-file")),
        LoginMethod::TestCert => match &ctx.conn.settings()?.test_cert {
            Some(id) => Ok(Method::TestCert(TestIdentity::parse(id)?)),
            None => Err(CliError::config(
                "--method test-cert: give --test-cert pesel:…|nip:… (TEST environment only)",
            )),
        },
        LoginMethod::Xades => {
            let settings = ctx.conn.settings()?;
            if settings.cert.is_none() && settings.pkcs12.is_none() {
                return Err(CliError::config(
                    "--method xades: give --cert (and --key) or --pkcs12",
                ));
            }
            // The certificate is used even when a KSeF token is configured too.
            Ok(Method::Xades(Box::new(ctx.conn.certificate_credentials()?)))
        }
    }
}

/// Runs `ksef auth`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    match args.action.unwrap_or(Action::Login {
        method: LoginMethod::Auto,
        print_token: false,
    }) {
        Action::Login {
            method,
            print_token,
        } => {
            let method = choose(ctx, method)?;
            let name = method.name();
            let env = ctx.conn.environment()?;
            report.progress(&format!("logging in to {} ({name})", env.api_url()));
            let session = ctx.conn.login_with(method).await?;
            let (token, access_until) = session.access_token().await?;
            report.show("api", json!(env.api_url()));
            report.show("method", json!(name));
            report.show("context", json!(context_text(&ctx.conn.context()?)));
            report.show("authentication", json!(session.reference_number()));
            report.show("accessValidUntil", json!(rfc3339(access_until)));
            let refresh_until = session.refresh_valid_until();
            report.show("refreshValidUntil", json!(rfc3339(refresh_until)));
            if print_token {
                report.show("accessToken", json!(token.expose()));
            }
            Ok(())
        }
        Action::Sessions { limit } => {
            let session = ctx.conn.login().await?;
            let items: Vec<_> = session
                .auth_sessions()
                .list()
                .items()
                .take(limit)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<_, _>>()?;
            report.line(format!("{} authentication session(s)", items.len()));
            report.show_serialized("sessions", &items);
            Ok(())
        }
        Action::Logout { reference } => {
            let session = ctx.conn.login().await?;
            let reference = ksef::model::ReferenceNumber::new(reference.as_str())
                .map_err(|e| CliError::config(format!("{reference:?}: {e}")))?;
            session
                .auth_sessions()
                .terminate(reference.clone())
                .send()
                .await?;
            report.show("ended", json!(reference.as_str()));
            Ok(())
        }
    }
}

/// RFC 3339 text of a timestamp.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
