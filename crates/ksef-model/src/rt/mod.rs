//! Hand-written support code for the generated types: date and time handling, base64 payloads,
//! validated ("constrained") strings, whole-value validation and path encoding.
//!
//! The generated modules use these items; they are public so that users can name them.

pub mod base64;
pub mod constrained;
pub mod datetime;
#[cfg(feature = "fs")]
pub mod fs;
pub mod path;
pub mod validate;

pub use self::base64::{Base64Data, Base64Error};
pub use self::constrained::{ConstraintError, SpecConstrained};
pub use self::datetime::DateTimeError;
pub use self::validate::{Invalid, Rule, Validate, ValidationError};

/// Formats a value as a path or query parameter.
pub trait ToParam {
    /// The textual form sent on the wire.
    fn to_param(&self) -> String;
}

macro_rules! to_param_display {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn to_param(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
to_param_display!(i32, i64, u32, u64, f64, bool, String);

impl ToParam for str {
    fn to_param(&self) -> String {
        self.to_owned()
    }
}

impl ToParam for time::OffsetDateTime {
    fn to_param(&self) -> String {
        datetime::format_date_time(self)
    }
}

impl ToParam for time::Date {
    fn to_param(&self) -> String {
        datetime::format_date(self)
    }
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
}
