//! Shared set-up of the examples (a module, not an example of its own).
//!
//! By default every example starts the embedded KSeF emulator on a free local port, so it needs
//! no credentials and no network. Set `KSEF_BASE_URL` to the API root of another server (an
//! emulator started with `cargo run -p ksef-cli -- emulator`, or the TEST environment) to run it
//! there instead.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use ksef::auth::{ContextIdentifier, XadesOptions};
use ksef::crypto::credentials::Credentials;
use ksef::crypto::csr::{CsrBundle, DnAttributes, csr_with_p256};
use ksef::crypto::test_certs::{self, PersonIdentifier, TestKeyType};
use ksef::model::rt::Base64Data;
use ksef::model::{
    CertificateName, CertificateSerialNumber, EnrollCertificateRequest, KsefCertificateType, Nip,
    PersonCreateRequest, Pesel,
};
use ksef::{AuthenticatedClient, Client};
use ksef_emulator::{Emulator, EmulatorConfig};

/// What `main` of an example returns: any error ends it with a non-zero exit code.
pub(crate) type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// The server the example talks to (keeps the embedded emulator running while alive).
pub(crate) struct Server {
    /// A client for it (not logged in).
    pub(crate) client: Client,
    /// Whether this is the embedded emulator.
    pub(crate) embedded: bool,
    emulator: Option<Emulator>,
}

impl Server {
    /// The embedded emulator with default settings, or `KSEF_BASE_URL` when set.
    pub(crate) async fn start() -> Result<Self> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Like [`Server::start`], with settings for the embedded emulator.
    pub(crate) async fn start_with(config: EmulatorConfig) -> Result<Self> {
        let (emulator, base_url) = match std::env::var("KSEF_BASE_URL") {
            Ok(url) if !url.trim().is_empty() => (None, url.trim().to_owned()),
            _ => {
                let emulator = Emulator::start(config).await?;
                let url = emulator.base_url();
                (Some(emulator), url)
            }
        };
        let embedded = emulator.is_some();
        println!(
            "KSeF API at {base_url}{}",
            if embedded { " (embedded emulator)" } else { "" }
        );
        let mut builder = Client::builder().base_url(base_url);
        if embedded {
            // The emulator answers at once: poll the authentication status more often.
            builder = builder.auth_poll_interval(Duration::from_millis(100));
        }
        Ok(Self {
            client: builder.build()?,
            embedded,
            emulator,
        })
    }

    /// Stops the embedded emulator (if any).
    pub(crate) async fn stop(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}

/// A test person created with `POST /testdata/person`: a PESEL and the NIP of their company
/// (the context they own).
pub(crate) struct Person {
    /// The NIP (the context).
    pub(crate) nip: String,
    /// The PESEL (in the certificate).
    pub(crate) pesel: String,
}

impl Person {
    /// The context of the person's company.
    pub(crate) fn context(&self) -> ContextIdentifier {
        ContextIdentifier::Nip(self.nip.clone())
    }
}

/// A random NIP and PESEL.
pub(crate) fn random_ids() -> (String, String) {
    (
        ksef::crypto::identifiers::Nip::random().as_str().to_owned(),
        ksef::crypto::identifiers::Pesel::random()
            .as_str()
            .to_owned(),
    )
}

/// Creates a random test person owning a company.
pub(crate) async fn create_person(client: &Client, description: &str) -> Result<Person> {
    let (nip, pesel) = random_ids();
    client
        .testdata()
        .create_person(PersonCreateRequest::new(
            Nip::new(nip.as_str())?,
            Pesel::new(pesel.as_str())?,
            false,
            description.to_owned(),
        ))
        .send()
        .await?;
    println!("test person: PESEL {pesel}, company NIP {nip}");
    Ok(Person { nip, pesel })
}

/// A self-signed TEST certificate of a person identified by PESEL (accepted on TEST and by the
/// emulator, never in production).
pub(crate) fn certificate(pesel: &str) -> Result<Credentials> {
    Ok(test_certs::person_certificate(
        "Jan",
        "Przykładowy",
        &PersonIdentifier::Pesel(pesel.to_owned()),
        TestKeyType::P256,
    )?)
}

/// Logs `person` in to their company's context with XAdES and a generated TEST certificate.
pub(crate) async fn login(client: &Client, person: &Person) -> Result<AuthenticatedClient> {
    let session = client
        .login_xades(
            &certificate(&person.pesel)?,
            person.context(),
            &XadesOptions::default(),
        )
        .await?;
    println!(
        "logged in with XAdES (authentication {})",
        session.reference_number()
    );
    Ok(session)
}

/// The usual start: a server, a fresh test person and their login.
pub(crate) async fn start_logged_in(
    description: &str,
) -> Result<(Server, Person, AuthenticatedClient)> {
    let server = Server::start().await?;
    let person = create_person(&server.client, description).await?;
    let session = login(&server.client, &person).await?;
    Ok((server, person, session))
}

const TEMPLATE: &str = include_str!("../../../../fixtures/invoices/fa3-basic.xml");
const TEMPLATE_SELLER: &str = "<NIP>5265877635</NIP>";

/// A valid FA(3) invoice of `seller` with the invoice number (`P_2`) `number`.
pub(crate) fn invoice(seller: &str, number: &str) -> Vec<u8> {
    let xml = TEMPLATE.replacen(TEMPLATE_SELLER, &format!("<NIP>{seller}</NIP>"), 1);
    let start = xml.find("<P_2>").map(|i| i + 5).unwrap_or(0);
    let end = xml[start..]
        .find("</P_2>")
        .map(|i| start + i)
        .unwrap_or(start);
    format!("{}{number}{}", &xml[..start], &xml[end..]).into_bytes()
}

/// The issue date (`P_1`) of the template invoice.
pub(crate) fn issue_date() -> time::Date {
    let start = TEMPLATE.find("<P_1>").map(|i| i + 5).unwrap_or(0);
    TEMPLATE
        .get(start..start + 10)
        .and_then(|d| ksef::model::rt::datetime::parse_date(d).ok())
        .unwrap_or_else(ksef::model::rt::datetime::warsaw_today)
}

/// A fresh output directory for example `name`: `<target>/<profile>/examples-output/<name>` next
/// to the example binary, or under the system temp dir when that cannot be found.
pub(crate) fn output_dir(name: &str) -> Result<PathBuf> {
    let base = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(Path::parent).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join("examples-output").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes `bytes` to `dir/name` and returns the path.
pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    Ok(path)
}

/// A random valid NIP (the stand-in of ksef2's `generate_nip()`).
pub(crate) fn nip() -> Nip {
    Nip::random()
}

/// A random valid PESEL (the stand-in of ksef2's `generate_pesel()`).
pub(crate) fn pesel() -> Pesel {
    Pesel::random()
}

/// A self-signed TEST certificate of a person identified by NIP (ksef2's
/// `generate_test_certificate(nip)`).
pub(crate) fn nip_certificate(nip: &Nip) -> Result<Credentials> {
    let who = PersonIdentifier::Nip(nip.as_str().to_owned());
    Ok(test_certs::person_certificate(
        "Jan",
        "Kowalski",
        &who,
        TestKeyType::P256,
    )?)
}

/// Enrolls a KSeF certificate of `kind` for the logged-in subject (a CSR with a new P-256 key and
/// the subject data KSeF returns) and waits until it is issued: its serial number and the CSR,
/// whose key pairs with the certificate.
pub(crate) async fn enroll_certificate(
    session: &AuthenticatedClient,
    kind: KsefCertificateType,
    name: &str,
) -> Result<(CertificateSerialNumber, CsrBundle)> {
    let certificates = session.certificates();
    let data = certificates.enrollment_data().send().await?;
    let subject = DnAttributes {
        common_name: Some(data.common_name),
        country_name: Some(data.country_name),
        given_name: data.given_name,
        surname: data.surname,
        serial_number: data.serial_number,
        unique_identifier: data.unique_identifier,
        organization_name: data.organization_name,
        organization_identifier: data.organization_identifier,
    };
    let csr = csr_with_p256(&subject)?;
    let request = EnrollCertificateRequest::new(
        CertificateName::new(name)?,
        kind,
        Base64Data::from_text(csr.base64()),
    );
    let enrollment = certificates.enroll(request).send().await?;
    let serial = session
        .wait_for_certificate(&enrollment.reference_number, Duration::from_secs(60))
        .await?;
    Ok((serial, csr))
}
