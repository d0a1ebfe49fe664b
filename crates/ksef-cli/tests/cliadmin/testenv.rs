//! `ksef limits` and `ksef testdata` on the emulator.

use crate::support::{TestEnv, assert_success};
use crate::{code, json_of, stderr};

#[test]
fn limits_show_set_and_reset() {
    let env = TestEnv::start();
    let shown = env.json(&["limits", "show"]);
    let default_online = shown["context"]["onlineSession"]["maxInvoices"].clone();
    assert!(default_online.is_number(), "{shown}");
    assert!(shown["rateLimits"]["invoiceSend"]["perSecond"].is_number());

    let set = env.json(&["limits", "set-session", "--online-max-invoices", "7"]);
    assert_eq!(set["context"]["onlineSession"]["maxInvoices"], 7);
    assert_eq!(
        set["context"]["batchSession"], shown["context"]["batchSession"],
        "unset values stay"
    );
    let reset = env.json(&["limits", "reset-session"]);
    assert_eq!(
        reset["context"]["onlineSession"]["maxInvoices"],
        default_online
    );

    let rate = env.json(&[
        "limits",
        "set-rate",
        "--category",
        "invoice-send",
        "--per-second",
        "3",
    ]);
    assert_eq!(rate["rateLimits"]["invoiceSend"]["perSecond"], 3);
    assert_eq!(rate["rateLimits"]["other"], shown["rateLimits"]["other"]);
    let reset = env.json(&["limits", "reset-rate"]);
    assert_eq!(reset["rateLimits"], shown["rateLimits"]);

    let cert = env.json(&["limits", "set-certificate", "--max-certificates", "3"]);
    assert_eq!(
        cert["subject"]["certificate"]["maxCertificates"], 3,
        "{cert}"
    );
    env.json(&["limits", "reset-certificate"]);

    let output = env.ksef().args(["limits", "set-rate"]).output().unwrap();
    assert_eq!(code(&output), Some(3));
    let output = env
        .ksef()
        .args(["--env", "prod", "limits", "reset-rate"])
        .env_remove("KSEF_BASE_URL")
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("TEST"));
}

#[test]
fn testdata_random_person_can_log_in() {
    let env = TestEnv::start();
    let output = env
        .bare()
        .args(["--output", "json", "testdata", "person", "--random"])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "person", "--random"]);
    let person = json_of(&output);
    let nip = person["nip"].as_str().unwrap().to_owned();
    let pesel = person["pesel"].as_str().unwrap().to_owned();
    assert!(ksef::model::Nip::new(nip.as_str()).is_ok());
    assert!(person["login"].as_str().unwrap().contains(&pesel));

    let as_person = || {
        let mut cmd = env.bare();
        cmd.env("KSEF_NIP", &nip)
            .env("KSEF_TEST_CERT", format!("pesel:{pesel}"));
        cmd
    };
    let output = as_person().args(["limits", "show"]).output().unwrap();
    assert_success(&output, &["limits", "show (new person)"]);

    // Block and unblock the context; a blocked context refuses logins.
    let output = as_person().args(["testdata", "block"]).output().unwrap();
    assert_success(&output, &["testdata", "block"]);
    let output = as_person().args(["limits", "show"]).output().unwrap();
    assert_eq!(code(&output), Some(4), "{}", stderr(&output));
    let output = as_person().args(["testdata", "unblock"]).output().unwrap();
    assert_success(&output, &["testdata", "unblock"]);

    // Test permissions and the attachment permission.
    let other = ksef::crypto::identifiers::generate::random_pesel(&mut rand::thread_rng());
    let to = format!("pesel:{}", other.as_str());
    let output = as_person()
        .args(["--output", "json", "testdata", "grant", "--to", &to])
        .args(["--permission", "invoice-read"])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "grant"]);
    assert_eq!(json_of(&output)["granted"][0], "InvoiceRead");
    let output = as_person()
        .args(["testdata", "revoke", "--to", &to])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "revoke"]);
    let output = as_person()
        .args(["testdata", "attachment"])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "attachment"]);
    let attachments = env.json(&["permissions", "query", "attachments"]);
    assert!(attachments["attachments"].is_object(), "{attachments}");

    let output = env
        .bare()
        .args([
            "--output",
            "json",
            "testdata",
            "subject",
            "--random",
            "--type",
            "vat-group",
        ])
        .args(["--subunit", &env.nip])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "subject", "--random"]);
    let group = json_of(&output)["nip"].as_str().unwrap().to_owned();
    let output = env
        .bare()
        .args(["testdata", "subject", "--remove", "--nip", &group])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "subject", "--remove"]);
    let output = env
        .bare()
        .args(["testdata", "subject", "--random"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3), "--type is required to create");

    let output = env
        .bare()
        .args(["testdata", "person", "--remove", "--nip", &nip])
        .output()
        .unwrap();
    assert_success(&output, &["testdata", "person", "--remove"]);
    let output = env.bare().args(["testdata", "person"]).output().unwrap();
    assert_eq!(code(&output), Some(3));
    assert!(stderr(&output).contains("--random"), "{}", stderr(&output));
    let output = env
        .bare()
        .args(["testdata", "person", "--random", "--remove"])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(2));
}
