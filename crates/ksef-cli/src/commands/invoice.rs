//! `ksef invoice`: FA(3) files checked, made from templates and summarised offline, with
//! `ksef-invoice`. Nothing is sent to KSeF.

use std::path::PathBuf;

use ksef_invoice::Invoice;
use ksef_invoice::template::Template;
use ksef_invoice::totals::Totals;
use serde_json::{Value, json};

use crate::error::{CliError, CliResult, ErrorKind};
use crate::files::{expand_inputs, write_atomic};
use crate::output::{Report, write_stdout};

/// Options of `ksef invoice`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions of `ksef invoice`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Checks FA(3) files against every rule of the schema and the business rules (NIP check
    /// digits, totals against lines, dates, currency); names every problem with its element
    /// path. Exit code 5 when any file is invalid.
    Validate {
        /// Invoice files or glob patterns.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Fills a template's `#name#` placeholders (XML-escaped), validates the result and writes it
    /// to --out or standard output.
    New {
        /// The template file.
        #[arg(long, value_name = "FILE")]
        template: PathBuf,
        /// A placeholder's value: `--set nip=5260250274` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Where to write the invoice (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// A readable summary of an invoice: parties, lines, per-rate totals.
    Show {
        /// The invoice file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// PDF and/or HTML of an invoice as the official visualisation lays it out, with KOD I
    /// (and KOD II for --offline).
    Render(super::render::InvoiceArgs),
}

fn read(path: &std::path::Path) -> CliResult<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| CliError::config(format!("cannot read {}: {e}", path.display())))
}

/// Runs `ksef invoice`.
pub fn run(args: Args, ctx: &crate::commands::Ctx, report: &mut Report) -> CliResult {
    match args.action {
        Action::Render(args) => super::render::invoice(args, ctx, report),
        Action::Validate { files } => validate(&files, report),
        Action::New { template, set, out } => new(&template, &set, out, report),
        Action::Show { file } => show(&file, report),
    }
}

fn validate(inputs: &[String], report: &mut Report) -> CliResult {
    let files = expand_inputs(inputs)?;
    let mut results = Vec::new();
    let mut bad = 0;
    for path in &files {
        let errors: Vec<String> = match ksef_invoice::validate_xml(&read(path)?) {
            Ok(_) => Vec::new(),
            Err(e) => e.errors.iter().map(ToString::to_string).collect(),
        };
        if errors.is_empty() {
            report.line(format!("{}: valid", path.display()));
        } else {
            bad += 1;
            report.line(format!("{}: {} problem(s)", path.display(), errors.len()));
            for e in &errors {
                report.line(format!("  {e}"));
            }
        }
        results.push(json!({ "file": path.display().to_string(), "valid": errors.is_empty(), "errors": errors }));
    }
    report.field("files", Value::Array(results));
    if bad > 0 {
        return Err(CliError::rejected(format!(
            "{bad} of {} file(s) are not valid FA(3) invoices",
            files.len()
        )));
    }
    Ok(())
}

fn new(
    template: &std::path::Path,
    set: &[String],
    output: Option<PathBuf>,
    report: &mut Report,
) -> CliResult {
    let text = String::from_utf8(read(template)?)
        .map_err(|_| CliError::config(format!("{} is not UTF-8", template.display())))?;
    let values = set
        .iter()
        .map(|kv| {
            kv.split_once('=').ok_or_else(|| {
                CliError::new(
                    ErrorKind::Usage,
                    format!("--set {kv:?}: expected KEY=VALUE"),
                )
            })
        })
        .collect::<CliResult<Vec<_>>>()?;
    let invoice = Template::parse(&text)
        .fill(values)
        .map_err(|e| CliError::rejected(e.to_string()))?;
    let xml = invoice.to_xml();
    match output {
        Some(path) => {
            write_atomic(&path, &xml)?;
            report.line(format!(
                "{}: {} {} written",
                path.display(),
                invoice.fa.rodzaj_faktury,
                invoice.fa.p_2
            ));
            report.field("file", json!(path.display().to_string()));
        }
        None => write_stdout(&xml),
    }
    Ok(())
}

fn party(name: Option<&str>, id: String) -> String {
    match name {
        Some(n) => format!("{n} ({id})"),
        None => id,
    }
}

fn show(path: &std::path::Path, report: &mut Report) -> CliResult {
    let invoice = Invoice::from_xml(&read(path)?)
        .map_err(|e| CliError::rejected(format!("{}: {e}", path.display())))?;
    let fa = &invoice.fa;
    let seller = &invoice.podmiot1.dane_identyfikacyjne;
    let buyer = &invoice.podmiot2.dane_identyfikacyjne;
    let buyer_id = match &buyer.nip_or_kod_ue_or_kod_kraju {
        ksef_invoice::fa3::TPodmiot2NIPOrKodUEOrKodKraju::NIP(n) => format!("NIP {n}"),
        ksef_invoice::fa3::TPodmiot2NIPOrKodUEOrKodKraju::KodUE(k) => {
            format!("VAT {}{}", k.kod_ue, k.nr_vat_ue)
        }
        ksef_invoice::fa3::TPodmiot2NIPOrKodUEOrKodKraju::KodKraju(k) => format!("ID {}", k.nr_id),
        ksef_invoice::fa3::TPodmiot2NIPOrKodUEOrKodKraju::BrakID(_) => "no tax id".into(),
    };
    report.line(format!(
        "{} {} of {} ({})",
        fa.rodzaj_faktury, fa.p_2, fa.p_1, fa.kod_waluty
    ));
    report.line(format!(
        "seller: {}",
        party(Some(&seller.nazwa), format!("NIP {}", seller.nip))
    ));
    report.line(format!(
        "buyer:  {}",
        party(
            buyer.nazwa_group.as_ref().map(|g| g.nazwa.as_str()),
            buyer_id.clone()
        )
    ));
    let mut lines = Vec::new();
    for w in &fa.fa_wiersz {
        let value = w
            .p_11
            .or(w.p_11_a)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let rate = w
            .p_12
            .map(|r| r.as_str().to_owned())
            .unwrap_or_else(|| "-".into());
        let qty = w.p_8_b.map(|q| q.to_string()).unwrap_or_default();
        let text = format!(
            "{:>3}. {} × {} {} at {} = {value} ({rate}){}",
            w.nr_wiersza_fa,
            qty,
            w.p_7.as_deref().unwrap_or(""),
            w.p_8_a.as_deref().unwrap_or(""),
            w.p_9_a
                .or(w.p_9_b)
                .map(|p| p.to_string())
                .unwrap_or_default(),
            if w.stan_przed.is_some() {
                " [before]"
            } else {
                ""
            }
        );
        report.line(text);
        lines.push(json!({ "nr": w.nr_wiersza_fa, "name": w.p_7, "quantity": qty, "value": value, "rate": rate, "before": w.stan_przed.is_some() }));
    }
    let totals = Totals::of_invoice(fa);
    let mut per_rate = Vec::new();
    for (bucket, sum) in &totals.buckets {
        let field = bucket.field();
        let tax = if bucket.taxed() {
            format!(", {}: {}", field.replace("P_13", "P_14"), sum.vat)
        } else {
            String::new()
        };
        let pln = sum
            .vat_pln
            .map(|v| format!(" (PLN {v})"))
            .unwrap_or_default();
        report.line(format!("{field}: {}{tax}{pln}", sum.net));
        per_rate.push(json!({ "field": field, "net": sum.net.to_string(), "tax": sum.vat.to_string(), "tax_pln": sum.vat_pln.map(|v| v.to_string()) }));
    }
    report.line(format!("total (P_15): {} {}", fa.p_15, fa.kod_waluty));
    report.field(
        "invoice",
        json!({
            "kind": fa.rodzaj_faktury.as_str(), "number": fa.p_2, "issue_date": fa.p_1.to_string(), "currency": fa.kod_waluty.as_str(),
            "seller": { "nip": seller.nip, "name": seller.nazwa }, "buyer": buyer_id,
            "lines": lines, "totals": per_rate, "total": fa.p_15.to_string(),
        }),
    );
    Ok(())
}
