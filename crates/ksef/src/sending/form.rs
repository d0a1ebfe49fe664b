//! The invoice schemas a session can carry.

use ksef_model::FormCode;

/// The invoice schema of a session (`formCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum InvoiceForm {
    /// FA(2) — `FA (2)/1-0E/FA` (TEST only since 2026).
    Fa2,
    /// FA(3) — `FA (3)/1-0E/FA`.
    Fa3,
    /// PEF(3) — `PEF (3)/2-1/PEF` (online sessions only).
    Pef3,
    /// PEF_KOR(3) — `PEF_KOR (3)/2-1/PEF` (online sessions only).
    PefKor3,
    /// FA_RR(1) — `FA_RR (1)/1-1E/FA_RR`.
    FaRr1,
}

impl InvoiceForm {
    /// `(systemCode, schemaVersion, value)`.
    pub fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            InvoiceForm::Fa2 => ("FA (2)", "1-0E", "FA"),
            InvoiceForm::Fa3 => ("FA (3)", "1-0E", "FA"),
            InvoiceForm::Pef3 => ("PEF (3)", "2-1", "PEF"),
            InvoiceForm::PefKor3 => ("PEF_KOR (3)", "2-1", "PEF"),
            InvoiceForm::FaRr1 => ("FA_RR (1)", "1-1E", "FA_RR"),
        }
    }

    /// The `formCode` object.
    pub fn form_code(self) -> FormCode {
        let (system, version, value) = self.parts();
        FormCode::new(system.to_owned(), version.to_owned(), value.to_owned())
    }

    /// Whether batch sessions accept this schema (FA(2), FA(3), FA_RR(1)).
    pub fn allowed_in_batch(self) -> bool {
        matches!(
            self,
            InvoiceForm::Fa2 | InvoiceForm::Fa3 | InvoiceForm::FaRr1
        )
    }
}
