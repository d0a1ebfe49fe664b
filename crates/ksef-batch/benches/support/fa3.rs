//! Test invoices for the benchmarks: FA(3) invoices built from the repository's
//! `fixtures/invoices/fa3-basic.xml`, each with its own number, dates, buyer and 15–28 invoice
//! lines (products, quantities, prices and VAT rates vary; totals add up), about 7.4 KB each —
//! the size and variety of real invoices, so that deflate has realistic work.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const PRODUCTS: &[&str] = &[
    "Usługa programistyczna",
    "Konsultacje wdrożeniowe",
    "Licencja oprogramowania – moduł księgowy",
    "Szkolenie stanowiskowe",
    "Papier biurowy A4, 500 arkuszy",
    "Toner do drukarki laserowej",
    "Monitor 27 cali",
    "Klawiatura bezprzewodowa",
    "Mysz optyczna",
    "Kabel HDMI 2 m",
    "Serwis urządzeń wielofunkcyjnych",
    "Abonament hostingowy – pakiet biznesowy",
    "Transport krajowy",
    "Kawa ziarnista 1 kg",
    "Woda mineralna 1,5 l",
    "Krzesło biurowe obrotowe",
    "Biurko regulowane elektrycznie",
    "Dysk SSD 1 TB",
    "Pamięć RAM 16 GB",
    "Router Wi-Fi 6",
    "Przegląd instalacji elektrycznej",
    "Usługa sprzątania biura",
    "Książka: Podatek VAT w praktyce",
    "Projekt graficzny materiałów reklamowych",
    "Tłumaczenie dokumentacji technicznej",
    "Wynajem sali konferencyjnej",
    "Catering na spotkanie zespołu",
    "Obsługa prawna – ryczałt miesięczny",
];
const UNITS: &[&str] = &["szt.", "godz.", "usł.", "kpl.", "opak.", "m-c"];
const BUYERS: &[&str] = &[
    "Nabywca Testowy S.A.",
    "Przedsiębiorstwo Handlowo-Usługowe Kowalski i Wspólnicy sp.j.",
    "Biuro Rachunkowe Nowak sp. z o.o.",
    "Zakład Produkcyjny Wiśniewski",
    "Hurtownia Spożywcza Zielony Koszyk sp. z o.o.",
    "Fundacja Rozwoju Przedsiębiorczości",
];
const CITIES: &[&str] = &[
    "30-001 Kraków",
    "00-950 Warszawa",
    "80-001 Gdańsk",
    "50-001 Wrocław",
    "60-001 Poznań",
    "90-001 Łódź",
];
/// VAT rates with the `P_13_x`/`P_14_x` index they are summed under.
const RATES: &[(u64, usize)] = &[(23, 1), (8, 2), (5, 3)];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A NIP with a valid check digit.
fn nip(rng: &mut Rng) -> String {
    const WEIGHTS: [u64; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    loop {
        let digits: Vec<u64> = (0..9)
            .map(|i| {
                if i == 0 {
                    1 + rng.below(9)
                } else {
                    rng.below(10)
                }
            })
            .collect();
        let check = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u64>() % 11;
        if check < 10 {
            let mut s: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            s.push(char::from(b'0' + check as u8));
            return s;
        }
    }
}

fn money(grosze: u64) -> String {
    format!("{}.{:02}", grosze / 100, grosze % 100)
}

fn replace_element(xml: &mut String, tag: &str, value: &str) {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("template has {open}"))
        + open.len();
    let end = start + xml[start..].find("</").expect("closed element");
    xml.replace_range(start..end, value);
}

/// Invoice number `n` (deterministic) from the `fa3-basic.xml` template.
pub(crate) fn invoice(template: &str, n: usize) -> String {
    invoice_with_lines(template, n, None)
}

/// Like [`invoice`], with `lines` invoice lines (about 255 bytes each) instead of 15–28.
pub(crate) fn invoice_with_lines(template: &str, n: usize, line_count: Option<u64>) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((n as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D)));
    let month = 1 + n % 12;
    let day = 1 + rng.below(28);
    let date = format!("2026-{month:02}-{day:02}");
    let mut xml = template.to_owned();
    replace_element(
        &mut xml,
        "DataWytworzeniaFa",
        &format!(
            "{date}T{:02}:{:02}:{:02}Z",
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
    );
    replace_element(&mut xml, "P_1", &date);
    replace_element(&mut xml, "P_2", &format!("FV/2026/{month:02}/{n:05}"));
    // The buyer (Podmiot2) is the second NIP/Nazwa/AdresL1 of the template.
    let buyer = xml.find("<Podmiot2>").expect("template has Podmiot2");
    let mut tail = xml.split_off(buyer);
    replace_element(&mut tail, "NIP", &nip(&mut rng));
    replace_element(&mut tail, "Nazwa", rng.pick(BUYERS));
    let street = format!(
        "ul. Handlowa {}/{}, {}",
        1 + rng.below(200),
        1 + rng.below(40),
        rng.pick(CITIES)
    );
    replace_element(&mut tail, "AdresL1", &street);
    xml.push_str(&tail);

    // Invoice lines replace the template's single line; totals per VAT rate follow them.
    let mut lines = String::new();
    let mut net = [0u64; 4];
    let random_count = 15 + rng.below(14);
    let count = line_count.unwrap_or(random_count);
    for line in 1..=count {
        let (rate, index) = RATES[rng.below(RATES.len() as u64) as usize];
        let quantity = 1 + rng.below(40);
        let price = 100 + rng.below(250_000);
        let value = quantity * price;
        net[index] += value;
        let _ = write!(
            lines,
            "\n    <FaWiersz>\n      <NrWierszaFa>{line}</NrWierszaFa>\n      <P_7>{}</P_7>\n      <Indeks>IDX-{:05}-{:03}</Indeks>\n      <P_8A>{}</P_8A>\n      <P_8B>{quantity}</P_8B>\n      <P_9A>{}</P_9A>\n      <P_11>{}</P_11>\n      <P_12>{rate}</P_12>\n    </FaWiersz>",
            rng.pick(PRODUCTS),
            rng.below(100_000),
            rng.below(1000),
            rng.pick(UNITS),
            money(price),
            money(value),
        );
    }
    let first = xml.find("\n    <FaWiersz>").expect("template has a line");
    let last = xml.rfind("</FaWiersz>").expect("closed line") + "</FaWiersz>".len();
    xml.replace_range(first..last, &lines);

    let mut totals = String::new();
    let mut gross = 0;
    for (rate, index) in RATES {
        let vat = (net[*index] * rate + 50) / 100;
        gross += net[*index] + vat;
        let _ = write!(
            totals,
            "<P_13_{index}>{}</P_13_{index}>\n    <P_14_{index}>{}</P_14_{index}>\n    ",
            money(net[*index]),
            money(vat)
        );
    }
    let _ = write!(totals, "<P_15>{}</P_15>", money(gross));
    let start = xml.find("<P_13_1>").expect("template has P_13_1");
    let end = xml.find("</P_15>").expect("template has P_15") + "</P_15>".len();
    xml.replace_range(start..end, &totals);
    xml
}

/// The template: the repository's `fixtures/invoices/fa3-basic.xml`.
pub(crate) fn template() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/invoices/fa3-basic.xml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes `count` invoices `FV-00000.xml`… into `dir` (kept if it already holds them) and
/// returns their paths in order.
pub(crate) fn generate(dir: &Path, count: usize) -> Vec<PathBuf> {
    let paths: Vec<PathBuf> = (0..count)
        .map(|n| dir.join(format!("FV-{n:05}.xml")))
        .collect();
    let marker = dir.join(format!(".complete-{count}"));
    if !marker.exists() {
        std::fs::create_dir_all(dir).expect("invoice directory");
        let template = template();
        for (n, path) in paths.iter().enumerate() {
            std::fs::write(path, invoice(&template, n)).expect("write invoice");
        }
        std::fs::write(&marker, b"").expect("marker");
    }
    paths
}

/// Where `cargo bench` keeps the generated invoices: under the workspace's `target/`.
pub(crate) fn default_dir(count: usize) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/bench-invoices/fa3-{count}"))
}
