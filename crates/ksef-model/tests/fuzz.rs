//! Fuzz-style property tests: decoding arbitrary JSON (or arbitrary bytes) into any generated
//! type never panics — it either decodes or returns an error.

use ksef_model::catalogue::Operation as _;
use ksef_model::operations::OPERATIONS;
use ksef_model::registry;
use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::String),
        // Strings that look like the API's values.
        prop_oneof![
            Just("2025-07-11T12:23:56.0154302+00:00".to_owned()),
            Just("2025-07-11T12:23:56".to_owned()),
            Just("5265877635".to_owned()),
            Just("Online".to_owned()),
            Just("EbrK4cOSjW4hEpJaHU71YXSOZZmqP5++dK9nLgTzgV4=".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z]{1,12}",
                    Just("status".to_owned()),
                    Just("referenceNumber".to_owned()),
                    Just("code".to_owned()),
                    Just("invoices".to_owned()),
                    Just("timestamp".to_owned()),
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_schema_decodes_or_errors(value in arb_json()) {
        for (schema, _) in registry::SCHEMAS {
            let _ = registry::round_trip_schema(schema, value.clone());
        }
        for op in OPERATIONS {
            let _ = registry::round_trip_response(op.name, value.clone());
        }
    }

    #[test]
    fn any_bytes_decode_or_error(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = ksef_model::operations::GetSessionsByReferenceNumber::decode_response(&bytes);
        let _ = ksef_model::operations::PostAuthChallenge::decode_response(&bytes);
        let _ = ksef_model::operations::GetInvoicesExportsByReferenceNumber::decode_response(&bytes);
    }
}
