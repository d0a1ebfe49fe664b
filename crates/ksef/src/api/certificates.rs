//! KSeF certificates (`/certificates`): limits, enrollment, query, retrieval, revocation.

use ksef_model::operations::{
    GetCertificatesEnrollmentsByReferenceNumber, GetCertificatesEnrollmentsData,
    GetCertificatesLimits, PostCertificatesByCertificateSerialNumberRevoke,
    PostCertificatesEnrollments, PostCertificatesQuery, PostCertificatesRetrieve,
    PutTestdataCertificatesBySerialNumber,
};
use ksef_model::{
    CertificateSerialNumber, EnrollCertificateRequest, ReferenceNumber,
    RetrieveCertificatesRequest, TestDataUpdateCertificateRequest,
};

use crate::call::Call;
use crate::client::AuthenticatedClient;
use crate::executor::Executor;

/// KSeF certificates of the authenticated subject. Get it with
/// [`AuthenticatedClient::certificates`].
#[derive(Debug, Clone)]
pub struct Certificates {
    exec: Executor,
}

impl AuthenticatedClient {
    /// KSeF certificates (`/certificates`).
    pub fn certificates(&self) -> Certificates {
        Certificates {
            exec: self.executor(),
        }
    }
}

impl Certificates {
    /// `GET /certificates/limits`: how many certificates may still be enrolled.
    pub fn limits(&self) -> Call<GetCertificatesLimits> {
        Call::new(self.exec.clone(), GetCertificatesLimits::new())
    }

    /// `GET /certificates/enrollments/data`: the subject data to put into the certificate
    /// signing request.
    pub fn enrollment_data(&self) -> Call<GetCertificatesEnrollmentsData> {
        Call::new(self.exec.clone(), GetCertificatesEnrollmentsData::new())
    }

    /// `POST /certificates/enrollments`: submits a certificate signing request.
    pub fn enroll(&self, request: EnrollCertificateRequest) -> Call<PostCertificatesEnrollments> {
        Call::new(self.exec.clone(), PostCertificatesEnrollments::new(request))
    }

    /// `GET /certificates/enrollments/{referenceNumber}`: the status of an enrollment.
    pub fn enrollment_status(
        &self,
        reference_number: ReferenceNumber,
    ) -> Call<GetCertificatesEnrollmentsByReferenceNumber> {
        Call::new(
            self.exec.clone(),
            GetCertificatesEnrollmentsByReferenceNumber::new(reference_number),
        )
    }

    /// `POST /certificates/query`: the metadata of certificates (filter with
    /// `.with(|r| r.body = Some(..))`, stream with `.items()`).
    pub fn query(&self) -> Call<PostCertificatesQuery> {
        Call::new(self.exec.clone(), PostCertificatesQuery::new())
    }

    /// `POST /certificates/retrieve`: the certificates (DER) with the given serial numbers.
    pub fn retrieve(&self, request: RetrieveCertificatesRequest) -> Call<PostCertificatesRetrieve> {
        Call::new(self.exec.clone(), PostCertificatesRetrieve::new(request))
    }

    /// `POST /certificates/{certificateSerialNumber}/revoke`: revokes a certificate (give a
    /// reason with `.with(|r| r.body = Some(..))`).
    pub fn revoke(
        &self,
        serial_number: CertificateSerialNumber,
    ) -> Call<PostCertificatesByCertificateSerialNumberRevoke> {
        Call::new(
            self.exec.clone(),
            PostCertificatesByCertificateSerialNumberRevoke::new(serial_number),
        )
    }

    /// `PUT /testdata/certificates/{serialNumber}` (TEST only): changes a certificate of the
    /// authenticated subject; `validTo` may only move the end of validity earlier (to test
    /// what happens when a certificate expires).
    pub fn update_test_certificate(
        &self,
        serial_number: CertificateSerialNumber,
        request: TestDataUpdateCertificateRequest,
    ) -> Call<PutTestdataCertificatesBySerialNumber> {
        Call::new(
            self.exec.clone(),
            PutTestdataCertificatesBySerialNumber::new(serial_number, request),
        )
    }
}
