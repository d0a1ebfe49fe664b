//! Issue 14: the spec's exception and status code tables as names.

use ksef_model::{ExceptionCode, status};

#[test]
fn exception_codes_round_trip_through_their_numbers() {
    for &code in ExceptionCode::ALL {
        assert_eq!(ExceptionCode::from(code.code()), code);
        assert_eq!(i64::from(code), code.code());
        assert!(
            code.description().is_some_and(|d| !d.is_empty()),
            "{code:?}"
        );
        assert_ne!(code, ExceptionCode::Unknown(code.code()));
    }
    assert_eq!(ExceptionCode::from(21470), ExceptionCode::UnknownPublicKey);
    assert_eq!(ExceptionCode::UnknownPublicKey.code(), 21470);
    assert_eq!(ExceptionCode::SessionStatusForbidsOperation.code(), 21180);
    assert_eq!(ExceptionCode::ValidationError.to_string(), "21405");
}

#[test]
fn an_unlisted_exception_code_is_kept_as_unknown() {
    let code = ExceptionCode::from(99_999);
    assert_eq!(code, ExceptionCode::Unknown(99_999));
    assert_eq!(code.code(), 99_999);
    assert_eq!(code.description(), None);
    assert_eq!(code.to_string(), "99999");
    assert!(!ExceptionCode::ALL.contains(&code));
}

#[test]
fn status_codes_carry_the_spec_numbers() {
    assert_eq!(status::session::PROCESSING, 150);
    assert_eq!(status::session::CLOSED, 170);
    assert_eq!(status::session::PROCESSED, 200);
    assert_eq!(status::session_invoice::DUPLICATE, 440);
    assert_eq!(status::invoice_export::EXPIRED, 210);
    assert_eq!(status::authentication_operation::IN_PROGRESS, 100);
}
