//! `ksef testdata`: test persons and subjects, permissions, the attachment permission and
//! context blocking — on the TEST environment and the emulator only. These calls need no login.

mod access;

use ksef::crypto::identifiers::generate::{random_nip, random_pesel};
use ksef::model::{
    BlockContextAuthenticationRequest, Nip, PersonCreateRequest, PersonRemoveRequest, Pesel,
    SubjectCreateRequest, SubjectRemoveRequest, SubjectType as ApiSubjectType, Subunit,
    UnblockContextAuthenticationRequest,
};
use serde_json::json;

use crate::commands::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::Report;

pub use access::{AttachmentArgs, GrantArgs, RevokeArgs};

/// Options of `ksef testdata`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef testdata`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Creates (default) or removes a test person: a PESEL with a company NIP it owns. With
    /// --random, valid identifiers are generated and printed, ready for --test-cert login.
    Person(PersonArgs),
    /// Creates (default) or removes a test subject (enforcement authority, VAT group, local
    /// government unit) with optional subunits.
    Subject(SubjectArgs),
    /// Grants permissions in the context --nip directly (no asynchronous operation).
    Grant(GrantArgs),
    /// Revokes all permissions granted with `testdata grant` to a person or entity in the
    /// context --nip.
    Revoke(RevokeArgs),
    /// Allows (default) or forbids the subject --nip to send invoices with attachments.
    Attachment(AttachmentArgs),
    /// Blocks authentication in the context (--nip or --context): logins end with status 480.
    Block,
    /// Unblocks authentication in the context (--nip or --context).
    Unblock,
}

/// Options of `ksef testdata person`.
#[derive(Debug, clap::Args)]
pub struct PersonArgs {
    /// Create the person (the default).
    #[arg(long, conflicts_with = "remove")]
    pub create: bool,
    /// Remove the person with the NIP --nip.
    #[arg(long)]
    pub remove: bool,
    /// The person's PESEL (for --create; generated with --random).
    #[arg(long, value_name = "PESEL")]
    pub pesel: Option<String>,
    /// Generate a valid random NIP (ignoring --nip/KSEF_NIP) and, unless --pesel is given, a
    /// random PESEL.
    #[arg(long, conflicts_with = "remove")]
    pub random: bool,
    /// The person is a bailiff (komornik).
    #[arg(long)]
    pub bailiff: bool,
    /// The person is deceased.
    #[arg(long)]
    pub deceased: bool,
    /// A description of the test data (5–256 characters).
    #[arg(long, default_value = "ksef-cli test person", value_name = "TEXT")]
    pub description: String,
}

/// A kind of test subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SubjectKind {
    /// An enforcement authority (organ egzekucyjny).
    EnforcementAuthority,
    /// A VAT group.
    VatGroup,
    /// A local government unit (JST).
    Jst,
}

/// Options of `ksef testdata subject`.
#[derive(Debug, clap::Args)]
pub struct SubjectArgs {
    /// Create the subject --nip (the default).
    #[arg(long, conflicts_with = "remove")]
    pub create: bool,
    /// Remove the subject --nip.
    #[arg(long)]
    pub remove: bool,
    /// The kind of subject (required for --create).
    #[arg(long = "type", value_enum)]
    pub kind: Option<SubjectKind>,
    /// A subunit's NIP (repeatable; VAT group members, JST units).
    #[arg(long = "subunit", value_name = "NIP")]
    pub subunits: Vec<String>,
    /// Generate a valid random NIP (ignoring --nip/KSEF_NIP).
    #[arg(long, conflicts_with = "remove")]
    pub random: bool,
    /// A description of the test data (5–256 characters).
    #[arg(long, default_value = "ksef-cli test subject", value_name = "TEXT")]
    pub description: String,
}

/// Runs `ksef testdata`.
pub async fn run(args: Args, ctx: &Ctx, report: &mut Report) -> CliResult {
    let env = ctx.conn.environment()?;
    if !env.is_test() {
        return Err(CliError::config(
            "test data exists on the TEST environment and the emulator only (use --env test or \
             --base-url)",
        ));
    }
    match args.action {
        Action::Person(a) => person(a, ctx, report).await,
        Action::Subject(a) => subject(a, ctx, report).await,
        Action::Grant(a) => access::grant(a, ctx, report).await,
        Action::Revoke(a) => access::revoke(a, ctx, report).await,
        Action::Attachment(a) => access::attachment(a, ctx, report).await,
        Action::Block | Action::Unblock => {
            let context = access::context_identifier(ctx)?;
            let testdata = ctx.conn.client()?.testdata();
            let blocking = matches!(args.action, Action::Block);
            if blocking {
                let request = BlockContextAuthenticationRequest::new()
                    .with_context_identifier(context.clone());
                testdata.block_context(request).send().await?;
            } else {
                let request = UnblockContextAuthenticationRequest::new()
                    .with_context_identifier(context.clone());
                testdata.unblock_context(request).send().await?;
            }
            report.show(
                if blocking { "blocked" } else { "unblocked" },
                json!(format!("{}:{}", context.r#type, context.value)),
            );
            Ok(())
        }
    }
}

fn nip(value: &str, flag: &str) -> CliResult<Nip> {
    Nip::new(value).map_err(|e| CliError::config(format!("{flag}: {e}")))
}

/// The NIP of `--nip`/`KSEF_NIP`/the profile, if any.
fn given_nip(ctx: &Ctx) -> CliResult<Option<String>> {
    Ok(ctx.conn.settings()?.nip)
}

fn required_nip(ctx: &Ctx, what: &str) -> CliResult<Nip> {
    let value = given_nip(ctx)?
        .ok_or_else(|| CliError::config(format!("give the NIP of the {what} with --nip")))?;
    nip(&value, "--nip")
}

fn check_description(text: &str) -> CliResult {
    if (5..=256).contains(&text.chars().count()) {
        Ok(())
    } else {
        Err(CliError::config(
            "--description must have 5 to 256 characters",
        ))
    }
}

async fn person(a: PersonArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let testdata = ctx.conn.client()?.testdata();
    if a.remove {
        let nip = required_nip(ctx, "person to remove")?;
        testdata
            .remove_person(PersonRemoveRequest::new(nip.clone()))
            .send()
            .await?;
        report.show("removed", json!({"nip": nip.as_str()}));
        return Ok(());
    }
    check_description(&a.description)?;
    // The generator is thread-local: it is gone before the first await, so the command can run
    // on any worker thread.
    let (nip_text, pesel_text) = {
        let mut rng = rand::thread_rng();
        let nip_text = if a.random {
            random_nip(&mut rng).as_str().to_owned()
        } else {
            given_nip(ctx)?
                .ok_or_else(|| CliError::config("give --nip and --pesel, or --random"))?
        };
        let pesel_text = match &a.pesel {
            Some(p) => p.clone(),
            None if a.random => random_pesel(&mut rng).as_str().to_owned(),
            None => return Err(CliError::config("give --pesel (or --random)")),
        };
        (nip_text, pesel_text)
    };
    let pesel =
        Pesel::new(pesel_text.as_str()).map_err(|e| CliError::config(format!("--pesel: {e}")))?;
    let mut request = PersonCreateRequest::new(
        nip(&nip_text, "--nip")?,
        pesel,
        a.bailiff,
        a.description.clone(),
    );
    if a.deceased {
        request.is_deceased = Some(true);
    }
    testdata.create_person(request).send().await?;
    report.show("pesel", json!(pesel_text));
    report.show("nip", json!(nip_text));
    let env = ctx.conn.environment()?;
    let target = match &env {
        ksef::Environment::Custom { api, .. } => format!("KSEF_BASE_URL={api}"),
        _ => "KSEF_ENV=test".to_owned(),
    };
    let login = format!("{target} KSEF_NIP={nip_text} KSEF_TEST_CERT=pesel:{pesel_text} ksef auth");
    report.line(format!(
        "Log in as this person in the company's context:\n  {login}"
    ));
    report.field("login", json!(login));
    Ok(())
}

async fn subject(a: SubjectArgs, ctx: &Ctx, report: &mut Report) -> CliResult {
    let testdata = ctx.conn.client()?.testdata();
    if a.remove {
        let nip = required_nip(ctx, "subject to remove")?;
        testdata
            .remove_subject(SubjectRemoveRequest::new(nip.clone()))
            .send()
            .await?;
        report.show("removed", json!({"nip": nip.as_str()}));
        return Ok(());
    }
    check_description(&a.description)?;
    let kind = a
        .kind
        .ok_or_else(|| CliError::config("give the subject's --type"))?;
    let nip_text = if a.random {
        random_nip(&mut rand::thread_rng()).as_str().to_owned()
    } else {
        given_nip(ctx)?.ok_or_else(|| CliError::config("give --nip (or --random)"))?
    };
    let mut subunits = Vec::new();
    for s in &a.subunits {
        subunits.push(Subunit::new(nip(s, "--subunit")?, a.description.clone()));
    }
    let mut request = SubjectCreateRequest::new(
        nip(&nip_text, "--nip")?,
        match kind {
            SubjectKind::EnforcementAuthority => ApiSubjectType::EnforcementAuthority,
            SubjectKind::VatGroup => ApiSubjectType::VatGroup,
            SubjectKind::Jst => ApiSubjectType::Jst,
        },
        a.description.clone(),
    );
    if !subunits.is_empty() {
        request.subunits = Some(subunits);
    }
    testdata.create_subject(request).send().await?;
    report.show("nip", json!(nip_text));
    report.show("subunits", json!(a.subunits));
    Ok(())
}
