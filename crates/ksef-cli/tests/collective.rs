//! Collective identifiers end to end: invoices sent through the SDK to the emulator, an
//! identifier generated through the SDK and one through `ksef collective generate`, then listed,
//! opened and looked up by KSeF number with the CLI.

mod support;

use std::time::Duration;

use ksef::InvoiceForm;
use ksef::crypto::identifiers::CollectiveIdentifierNumber;
use ksef::model::{
    CollectiveIdentifierInvoice, CollectiveIdentifierInvoicePayment, CurrencyCode,
    GenerateCollectiveIdentifierRequest, KsefNumber,
};
use serde_json::Value;
use support::TestEnv;

#[test]
fn collective_identifiers_from_the_sdk_to_the_emulator_to_the_cli() {
    let env = TestEnv::start();
    let (numbers, by_sdk) = env.rt.block_on(async {
        let session = env.login().await;
        let online = session.open_online(InvoiceForm::Fa3).await.unwrap();
        let invoices: Vec<Vec<u8>> = (1..=3)
            .map(|n| support::invoice(&env.nip, &format!("FV/CI/{n}")).into_bytes())
            .collect();
        let numbers: Vec<String> = online
            .send_all(&invoices, 3, Duration::from_secs(60))
            .await
            .into_iter()
            .map(|r| r.unwrap().ksef_number.as_str().to_owned())
            .collect();
        online.close().await.unwrap();
        let mut first = CollectiveIdentifierInvoice::new(KsefNumber::new_unchecked(&numbers[0]));
        first.payment = Some(CollectiveIdentifierInvoicePayment::new(
            100.0,
            CurrencyCode::Pln,
        ));
        let second = CollectiveIdentifierInvoice::new(KsefNumber::new_unchecked(&numbers[1]));
        let made = session
            .collective_identifiers()
            .generate(GenerateCollectiveIdentifierRequest::new(vec![
                first, second,
            ]))
            .send()
            .await
            .unwrap();
        (numbers, made.collective_identifier_number)
    });
    CollectiveIdentifierNumber::parse(&by_sdk).expect("a well-formed identifier");

    let with_payment = format!("{},12.50,EUR,Rata 2, część", numbers[2]);
    let made = env.json(&["collective", "generate", &numbers[0], &with_payment]);
    let by_cli = made["collectiveIdentifierNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        CollectiveIdentifierNumber::parse(&by_cli).unwrap().nip(),
        env.nip
    );

    let listed = env.json(&["collective", "list", "--mine"]);
    assert_eq!(listed["count"], 2);
    let ids: Vec<&str> = listed["collectiveIdentifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["collectiveIdentifierNumber"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&by_sdk.as_str()) && ids.contains(&by_cli.as_str()));
    let two = env.json(&["collective", "list", "--number", &by_cli]);
    assert_eq!(two["collectiveIdentifiers"][0]["invoiceCount"], 2);

    let shown = env.json(&["collective", "invoices", &by_cli, &by_sdk]);
    assert_eq!(shown["count"], 4);
    let rows = shown["invoices"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|i| i["ksefNumber"] == numbers[2].as_str())
        .unwrap();
    assert_eq!(row["payment"]["currency"], "EUR");
    assert_eq!(row["payment"]["amount"], 12.5);
    assert_eq!(row["description"], "Rata 2, część");

    let of_first = env.json(&["collective", "of", &numbers[0]]);
    assert_eq!(of_first["count"], 2);
    let of_last = env.json(&["collective", "of", &numbers[2]]);
    assert_eq!(
        of_last["collectiveIdentifiers"][0]["collectiveIdentifierNumber"],
        by_cli.as_str()
    );

    // Text output lists them too.
    let output = env
        .ksef()
        .args(["collective", "of", &numbers[0]])
        .output()
        .unwrap();
    support::assert_success(&output, &["collective", "of"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(&by_sdk) && text.contains(&by_cli), "{text}");

    // The context's limit of invoices per identifier, set and shown through the CLI.
    let set = env.json(&["limits", "set-session", "--collective-max-invoices", "2"]);
    assert_eq!(set["context"]["collectiveIdentifier"]["maxInvoices"], 2);
    let output = env
        .ksef()
        .args([
            "collective",
            "generate",
            &numbers[0],
            &numbers[1],
            &numbers[2],
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("21405"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn bad_collective_input_fails_clearly() {
    let env = TestEnv::start();
    let known = "5265877635-20250826-0100001AF629-AF";
    // The same invoice twice, one invoice only, a bad identifier: usage errors before any call.
    for args in [
        vec!["collective", "generate", known, known],
        vec!["collective", "generate", known],
        vec![
            "collective",
            "invoices",
            "1111111111-IZ202607-65ED02180000-E8",
        ],
        vec![
            "collective",
            "generate",
            known,
            "5265877635-20250826-0100001AF629-AF,10",
        ],
    ] {
        let output = env.ksef().args(&args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Invoices KSeF does not hold: the server's refusal (71001) with its code.
    let nip = ksef::crypto::identifiers::Nip::parse(&env.nip).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let unknown = |b: u8| {
        ksef::crypto::identifiers::KsefNumber::compose(&nip, today, [b, 1, 2, 3, 4, 5])
            .unwrap()
            .as_str()
            .to_owned()
    };
    let output = env
        .ksef()
        .args([
            "--output",
            "json",
            "collective",
            "generate",
            &unknown(1),
            &unknown(2),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let all = format!("{report} {}", String::from_utf8_lossy(&output.stderr));
    assert!(all.contains("71001"), "{all}");
}
