//! Each format's fixture (made-up entries in the real format) imported field by field, and
//! each format's malformed files refused with their location and without personal data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use kyc_lists::{import, ImportError, Location};
use kyc_screening::{
    EntityKind, EntryName, EntryTopic, Identifier, ListEntry, ListFormat, NameStrength, PartialDate,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).expect("UTF-8 fixture")
}

fn primary(full: &str) -> EntryName {
    EntryName {
        full: full.to_owned(),
        strength: NameStrength::Primary,
    }
}

fn strong(full: &str) -> EntryName {
    EntryName {
        full: full.to_owned(),
        strength: NameStrength::Strong,
    }
}

fn weak(full: &str) -> EntryName {
    EntryName {
        full: full.to_owned(),
        strength: NameStrength::Weak,
    }
}

fn ymd(year: i32, month: u32, day: u32) -> PartialDate {
    PartialDate {
        year,
        month: Some(month),
        day: Some(day),
    }
}

fn ym(year: i32, month: u32) -> PartialDate {
    PartialDate {
        year,
        month: Some(month),
        day: None,
    }
}

fn y(year: i32) -> PartialDate {
    PartialDate {
        year,
        month: None,
        day: None,
    }
}

fn id(kind: &str, number: &str, country: Option<&str>) -> Identifier {
    Identifier {
        kind: kind.to_owned(),
        number: number.to_owned(),
        country: country.map(str::to_owned),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a date")
}

/// Every name in the fixtures: no error message may contain one.
const FIXTURE_NAMES: &[&str] = &[
    "VARGOS",
    "Tiberio",
    "MELDAN",
    "Tibor",
    "EL TIBO",
    "OSTRAVEL",
    "SEA MARLOW",
    "KORVIN",
    "Edda",
    "ORVAL",
    "PENDRAKE",
    "Pendi",
    "MIRA",
    "TALBOT",
    "NESSARO",
    "Lidia",
    "Varnova",
    "Lidka",
    "Talbruk",
    "Kolvenic",
    "Haldor",
    "Venska",
    "Ferryman",
    "Velmora",
    "Dravic",
];

fn assert_no_names(error: &ImportError) {
    let message = error.to_string();
    for name in FIXTURE_NAMES {
        assert!(
            !message.to_lowercase().contains(&name.to_lowercase()),
            "`{message}` quotes `{name}`"
        );
    }
}

/// The fixture list as both OFAC formats must read it.
fn ofac_entries() -> Vec<ListEntry> {
    let sanctions = vec![EntryTopic::Sanctions];
    vec![
        ListEntry {
            entry_id: "9001".to_owned(),
            kind: EntityKind::Person,
            topics: sanctions.clone(),
            names: vec![
                primary("VARGOS MELDANE, Tiberio Anselm"),
                strong("VARGOS, Tibor"),
                strong("MELDANÉ, Anselm T."),
                weak("EL TIBO"),
            ],
            birth_dates: vec![ymd(1960, 1, 12), ym(1961, 1), y(1962), y(1964), y(1965)],
            birth_places: strings(&["Velmora, Iran"]),
            countries: strings(&["IR", "RU", "TR"]),
            identifiers: vec![
                id("Passport", "A1234567", Some("IR")),
                id("National ID No.", "0012345678", Some("IR")),
            ],
            programs: strings(&["SDGT", "IRAN"]),
        },
        ListEntry {
            entry_id: "9002".to_owned(),
            kind: EntityKind::Organization,
            topics: sanctions.clone(),
            names: vec![
                primary("OSTRAVEL TRADING & SHIPPING CO. LTD."),
                strong("OSTRAVEL TORG"),
            ],
            birth_dates: vec![y(2001)],
            birth_places: vec![],
            countries: strings(&["RU"]),
            identifiers: vec![
                id("Tax ID No.", "7700000001", Some("RU")),
                id("Registration Number", "1027700000001", Some("RU")),
            ],
            programs: strings(&["RUSSIA-EO14024"]),
        },
        ListEntry {
            entry_id: "9003".to_owned(),
            kind: EntityKind::Vessel,
            topics: sanctions.clone(),
            names: vec![primary("SEA MARLOW")],
            birth_dates: vec![],
            birth_places: vec![],
            countries: strings(&["PA"]),
            identifiers: vec![id(
                "Vessel Registration Identification",
                "IMO 9000001",
                None,
            )],
            programs: strings(&["IRAN"]),
        },
        ListEntry {
            entry_id: "9004".to_owned(),
            kind: EntityKind::Aircraft,
            topics: sanctions.clone(),
            names: vec![primary("EP-XQZ")],
            birth_dates: vec![],
            birth_places: vec![],
            countries: vec![],
            identifiers: vec![id(
                "Aircraft Manufacturer's Serial Number (MSN)",
                "1023409999",
                None,
            )],
            programs: strings(&["DPRK3"]),
        },
        ListEntry {
            entry_id: "9005".to_owned(),
            kind: EntityKind::Person,
            topics: sanctions,
            names: vec![primary("KORVIN, Edda")],
            birth_dates: vec![ymd(1971, 9, 2)],
            birth_places: vec![],
            countries: strings(&["KP", "XK"]),
            identifiers: vec![id("Passport", "P1 000 22", None)],
            programs: strings(&["DPRK3"]),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// OFAC SDN.XML

#[test]
fn ofac_xml_is_read_field_by_field() {
    let file = fixture("sdn.xml");
    let version = import(ListFormat::OfacSdnXml, None, &[&file]).expect("imports");
    assert_eq!(version.list, "ofac_sdn");
    assert_eq!(version.format, ListFormat::OfacSdnXml);
    assert_eq!(version.published_on, Some(date(2026, 12, 1)));
    assert_eq!(
        version.content_hash,
        "540034dbfdff577029b4c18bff716ae7a5269a1c16700455ecf84093d9b9130b"
    );
    let expected = ofac_entries();
    assert_eq!(version.entries.len(), expected.len());
    for (got, want) in version.entries.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

#[test]
fn the_operator_may_name_the_list() {
    let file = fixture("sdn.xml");
    let version = import(ListFormat::OfacSdnXml, Some("ofac_sdn_test"), &[&file]).expect("ok");
    assert_eq!(version.list, "ofac_sdn_test");
}

#[test]
fn the_old_namespace_and_no_namespace_read_the_same() {
    let text = fixture_text("sdn.xml");
    let new = import(ListFormat::OfacSdnXml, None, &[text.as_bytes()]).expect("ok");
    for namespace in ["http://tempuri.org/sdnList.xsd", ""] {
        let other = text.replace(
            "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML",
            namespace,
        );
        let old = import(ListFormat::OfacSdnXml, None, &[other.as_bytes()]).expect("ok");
        assert_eq!(old.entries, new.entries);
        assert_eq!(old.published_on, new.published_on);
    }
}

fn ofac_xml_error(text: &str) -> ImportError {
    let error = import(ListFormat::OfacSdnXml, None, &[text.as_bytes()]).expect_err("refused");
    assert_no_names(&error);
    error
}

fn element_path(error: &ImportError) -> String {
    let location = match error {
        ImportError::NotThisFormat { location, .. }
        | ImportError::Malformed { location, .. }
        | ImportError::Missing { location, .. }
        | ImportError::Invalid { location, .. }
        | ImportError::UnknownCode { location, .. }
        | ImportError::WrongColumnCount { location, .. } => location,
        ImportError::WrongFileCount { .. } => panic!("no location in {error:?}"),
    };
    match location {
        Location::Element { path, .. } | Location::Offset { path, .. } => path.clone(),
        Location::Line { .. } => panic!("not an XML location: {location:?}"),
    }
}

#[test]
fn a_truncated_ofac_xml_is_refused_where_it_stops() {
    let text = fixture_text("sdn.xml");
    let cut = text.find("<uid>90024</uid>").expect("in the fixture");
    let error = ofac_xml_error(&text[..cut + 8]);
    assert!(matches!(&error, ImportError::Malformed { .. }), "{error:?}");
    assert!(
        element_path(&error).starts_with("sdnList/sdnEntry[1]/dateOfBirthList/dateOfBirthItem[4]"),
        "{error}"
    );
    let Location::Offset { line, .. } = location_of(&error) else {
        panic!("{error:?}");
    };
    assert!(line > 100, "{error}");
}

fn location_of(error: &ImportError) -> Location {
    match error {
        ImportError::NotThisFormat { location, .. }
        | ImportError::Malformed { location, .. }
        | ImportError::Missing { location, .. }
        | ImportError::Invalid { location, .. }
        | ImportError::UnknownCode { location, .. }
        | ImportError::WrongColumnCount { location, .. } => location.clone(),
        ImportError::WrongFileCount { .. } => panic!("no location in {error:?}"),
    }
}

#[test]
fn an_ofac_xml_entry_without_uid_is_refused() {
    let text = fixture_text("sdn.xml").replace("<uid>9002</uid>", "");
    let error = ofac_xml_error(&text);
    assert!(
        matches!(
            &error,
            ImportError::Missing {
                what: "uid",
                entry_id: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(element_path(&error), "sdnList/sdnEntry[2]");
    assert!(
        error.to_string().contains("sdnList/sdnEntry[2] (line "),
        "{error}"
    );
}

#[test]
fn an_ofac_xml_entry_without_name_is_refused() {
    let text = fixture_text("sdn.xml").replace("<lastName>SEA MARLOW</lastName>", "");
    let error = ofac_xml_error(&text);
    assert_eq!(
        error,
        ImportError::Missing {
            location: location_of(&error),
            what: "lastName",
            entry_id: Some("9003".to_owned()),
        }
    );
    assert_eq!(element_path(&error), "sdnList/sdnEntry[3]");
}

#[test]
fn an_unknown_sdn_type_is_refused_and_named() {
    let text = fixture_text("sdn.xml").replace(
        "<sdnType>Aircraft</sdnType>",
        "<sdnType>Spacecraft</sdnType>",
    );
    let error = ofac_xml_error(&text);
    assert!(
        matches!(&error, ImportError::UnknownCode { what: "sdnType", found, entry_id: Some(id), .. }
            if found == "Spacecraft" && id == "9004"),
        "{error:?}"
    );
    assert_eq!(element_path(&error), "sdnList/sdnEntry[4]/sdnType");
}

#[test]
fn an_ofac_xml_date_that_is_not_a_date_is_refused() {
    let text = fixture_text("sdn.xml").replace(
        "<dateOfBirth>Jan 1961</dateOfBirth>",
        "<dateOfBirth>32 Jan 1961</dateOfBirth>",
    );
    let error = ofac_xml_error(&text);
    assert!(
        matches!(&error, ImportError::Invalid { what: "date of birth", entry_id: Some(id), .. } if id == "9001"),
        "{error:?}"
    );
    assert_eq!(
        element_path(&error),
        "sdnList/sdnEntry[1]/dateOfBirthList/dateOfBirthItem[2]/dateOfBirth"
    );
    // The date itself is personal data.
    assert!(!error.to_string().contains("1961"), "{error}");
}

#[test]
fn an_unknown_alias_category_is_refused() {
    let text =
        fixture_text("sdn.xml").replace("<category>weak</category>", "<category>medium</category>");
    let error = ofac_xml_error(&text);
    assert_eq!(
        element_path(&error),
        "sdnList/sdnEntry[1]/akaList/aka[3]/category"
    );
}

#[test]
fn another_format_is_not_taken_for_ofac_xml() {
    let error = ofac_xml_error(&fixture_text("un_consolidated.xml"));
    assert!(
        matches!(
            &error,
            ImportError::NotThisFormat {
                format: ListFormat::OfacSdnXml,
                expected: "sdnList",
                ..
            }
        ),
        "{error:?}"
    );
    let error = ofac_xml_error("not XML at all");
    assert!(
        matches!(&error, ImportError::NotThisFormat { .. }),
        "{error:?}"
    );
}

#[test]
fn ill_formed_xml_is_refused_with_its_position() {
    let text = fixture_text("sdn.xml").replace(
        "</firstName>\n    <lastName>KORVIN",
        "</lastName>\n    <lastName>KORVIN",
    );
    let error = ofac_xml_error(&text);
    assert!(matches!(&error, ImportError::Malformed { .. }), "{error:?}");
    assert!(
        element_path(&error).starts_with("sdnList/sdnEntry[5]"),
        "{error}"
    );
}

#[test]
fn xml_that_is_not_utf8_without_a_declared_encoding_is_refused() {
    let mut bytes = fixture("sdn.xml");
    let at = bytes
        .windows(4)
        .position(|w| w == b"SEA ")
        .expect("in the fixture");
    bytes[at] = 0xFF;
    let error = import(ListFormat::OfacSdnXml, None, &[&bytes]).expect_err("refused");
    assert!(
        matches!(&error, ImportError::Malformed { location: Location::Offset { offset, .. }, .. }
            if *offset == u64::try_from(at).unwrap()),
        "{error:?}"
    );
}

#[test]
fn xml_in_a_declared_latin_encoding_is_decoded() {
    let text = fixture_text("sdn.xml").replace(
        "<?xml version=\"1.0\" standalone=\"yes\"?>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"yes\"?>",
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let version = import(ListFormat::OfacSdnXml, None, &[&bytes]).expect("imports");
    assert_eq!(version.entries, ofac_entries());
}

// ---------------------------------------------------------------------------------------------
// OFAC SDN.CSV and friends

fn csv_files() -> [Vec<u8>; 4] {
    [
        fixture("SDN.CSV"),
        fixture("ALT.CSV"),
        fixture("ADD.CSV"),
        fixture("SDN_COMMENTS.CSV"),
    ]
}

#[test]
fn ofac_csv_reads_the_same_list_as_the_xml() {
    let files = csv_files();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let version = import(ListFormat::OfacSdnCsv, None, &refs).expect("imports");
    assert_eq!(version.list, "ofac_sdn");
    assert_eq!(version.format, ListFormat::OfacSdnCsv);
    assert_eq!(version.published_on, None);
    let mut all = Vec::new();
    for file in &files {
        all.extend_from_slice(file);
    }
    assert_eq!(version.content_hash, sha256_hex(&all));
    let expected = ofac_entries();
    assert_eq!(version.entries.len(), expected.len());
    for (got, want) in version.entries.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn ofac_csv_without_its_optional_files_keeps_what_sdn_csv_says() {
    let files = csv_files();
    let version = import(ListFormat::OfacSdnCsv, None, &[&files[0]]).expect("imports");
    assert_eq!(version.content_hash, sha256_hex(&files[0]));
    let first = &version.entries[0];
    // No ALT.CSV: the primary name only; no SDN_COMMENTS.CSV: the remarks stop at "A1234".
    assert_eq!(first.names, vec![primary("VARGOS MELDANE, Tiberio Anselm")]);
    assert_eq!(first.identifiers, vec![id("Passport", "A1234", None)]);
    assert_eq!(first.countries, strings(&["IR", "RU"]));
    // An empty slice stands for a file not given.
    let with_alt = import(
        ListFormat::OfacSdnCsv,
        None,
        &[&files[0], &files[1], b"", b""],
    )
    .expect("imports");
    assert_eq!(with_alt.entries[0].names.len(), 3);
}

#[test]
fn ofac_csv_takes_one_to_four_files() {
    for count in [0, 5] {
        let files: Vec<&[u8]> = vec![b""; count];
        assert_eq!(
            import(ListFormat::OfacSdnCsv, None, &files),
            Err(ImportError::WrongFileCount {
                format: ListFormat::OfacSdnCsv,
                expected: "one to four files (SDN.CSV, ALT.CSV, ADD.CSV, SDN_COMMENTS.CSV)",
                found: count,
            })
        );
    }
    let file = fixture("sdn.xml");
    assert!(matches!(
        import(ListFormat::OfacSdnXml, None, &[&file, &file]),
        Err(ImportError::WrongFileCount { found: 2, .. })
    ));
}

fn csv_error(sdn: &str, alt: &[u8]) -> ImportError {
    let error = import(ListFormat::OfacSdnCsv, None, &[sdn.as_bytes(), alt]).expect_err("refused");
    assert_no_names(&error);
    error
}

fn sdn_csv_text() -> String {
    String::from_utf8(fixture("SDN.CSV")).expect("ASCII")
}

#[test]
fn a_csv_row_with_the_wrong_column_count_is_refused() {
    let text = sdn_csv_text().replace("\"SEA MARLOW\",\"vessel\",", "\"SEA MARLOW\",");
    let error = csv_error(&text, b"");
    assert_eq!(
        error,
        ImportError::WrongColumnCount {
            location: Location::Line {
                file: "SDN.CSV",
                line: 3,
                field: None,
            },
            expected: 12,
            found: 11,
        }
    );
}

#[test]
fn an_unknown_csv_sdn_type_is_refused() {
    let text = sdn_csv_text().replace("\"aircraft\"", "\"spacecraft\"");
    let error = csv_error(&text, b"");
    assert_eq!(
        error,
        ImportError::UnknownCode {
            location: Location::Line {
                file: "SDN.CSV",
                line: 4,
                field: Some("column 3 (SDN_Type)".to_owned()),
            },
            what: "SDN_Type",
            found: "spacecraft".to_owned(),
            known: "individual, vessel, aircraft, -0- (entity)",
            entry_id: Some("9004".to_owned()),
        }
    );
}

#[test]
fn a_csv_date_of_birth_that_is_not_a_date_is_refused() {
    let text = sdn_csv_text().replace("DOB 02 Sep 1971", "DOB 31 Sep 1971");
    let error = csv_error(&text, b"");
    assert!(
        matches!(&error, ImportError::Invalid { location: Location::Line { file: "SDN.CSV", line: 5, field: Some(field) }, entry_id: Some(id), .. }
            if field == "column 12 (Remarks)" && id == "9005"),
        "{error:?}"
    );
    assert!(!error.to_string().contains("1971"), "{error}");
}

#[test]
fn a_csv_ent_num_that_is_not_a_number_is_refused() {
    let text = sdn_csv_text().replace("9003,", "9OO3,");
    let error = csv_error(&text, b"");
    assert!(
        matches!(
            &error,
            ImportError::Invalid {
                what: "ent_num",
                location: Location::Line { line: 3, .. },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn an_unknown_alt_type_is_refused() {
    let alt = b"9001,90015,\"alias\",\"VARGOS, Tibor\",-0- \r\n";
    let error = csv_error(&sdn_csv_text(), alt);
    assert!(
        matches!(
            &error,
            ImportError::UnknownCode {
                what: "alt_type",
                location: Location::Line {
                    file: "ALT.CSV",
                    line: 1,
                    ..
                },
                ..
            }
        ),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// UN consolidated list

#[test]
fn un_xml_is_read_field_by_field() {
    let file = fixture("un_consolidated.xml");
    let version = import(ListFormat::UnConsolidatedXml, None, &[&file]).expect("imports");
    assert_eq!(version.list, "un_sc");
    assert_eq!(version.published_on, Some(date(2026, 11, 30)));
    assert_eq!(
        version.content_hash,
        "b01e55f05b1b3760bec5ed27784e2ba118e8473be4dc84bfba7af306d34339da"
    );
    let sanctions = vec![EntryTopic::Sanctions];
    let expected = vec![
        ListEntry {
            entry_id: "QDi.901".to_owned(),
            kind: EntityKind::Person,
            topics: sanctions.clone(),
            names: vec![
                primary("ORVAL PENDRAKE SALIM"),
                strong("أورفال بندريك"),
                strong("Orval Pendrak"),
                strong("Abu Orval"),
                strong("Orvalino"),
                weak("Al-Pendi"),
            ],
            birth_dates: vec![ymd(1970, 3, 15), y(1971), y(1968), y(1969)],
            birth_places: strings(&["Ondavi, Syrian Arab Republic"]),
            countries: strings(&["SY", "IR", "TR"]),
            identifiers: vec![
                id("Passport", "N123456", Some("SY")),
                id("National Identification Number", "77-123", Some("IQ")),
            ],
            programs: strings(&["Al-Qaida"]),
        },
        ListEntry {
            entry_id: "KPi.902".to_owned(),
            kind: EntityKind::Person,
            topics: sanctions.clone(),
            names: vec![primary("MIRA TALBOT")],
            birth_dates: vec![ymd(1981, 7, 4)],
            birth_places: vec![],
            countries: strings(&["KP"]),
            identifiers: vec![],
            programs: strings(&["DPRK"]),
        },
        ListEntry {
            entry_id: "QDe.903".to_owned(),
            kind: EntityKind::Organization,
            topics: sanctions,
            names: vec![
                primary("NESSARO RELIEF FOUNDATION"),
                strong("Nessaro Aid"),
                weak("NRF"),
            ],
            birth_dates: vec![],
            birth_places: vec![],
            countries: strings(&["HK"]),
            identifiers: vec![],
            programs: strings(&["Al-Qaida"]),
        },
    ];
    assert_eq!(version.entries.len(), expected.len());
    for (got, want) in version.entries.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

fn un_error(text: &str) -> ImportError {
    let error =
        import(ListFormat::UnConsolidatedXml, None, &[text.as_bytes()]).expect_err("refused");
    assert_no_names(&error);
    error
}

#[test]
fn a_un_entry_without_reference_is_refused() {
    let text = fixture_text("un_consolidated.xml")
        .replace("<REFERENCE_NUMBER>KPi.902</REFERENCE_NUMBER>", "")
        .replace("<DATAID>7000902</DATAID>", "");
    let error = un_error(&text);
    assert!(
        matches!(
            &error,
            ImportError::Missing {
                what: "REFERENCE_NUMBER",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        element_path(&error),
        "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[2]"
    );
}

#[test]
fn a_un_date_that_is_not_a_date_is_refused() {
    let text = fixture_text("un_consolidated.xml").replace("1981-07-04", "1981-07-44");
    let error = un_error(&text);
    assert!(
        matches!(&error, ImportError::Invalid { what: "date of birth", entry_id: Some(id), .. } if id == "KPi.902"),
        "{error:?}"
    );
    assert_eq!(
        element_path(&error),
        "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[2]/INDIVIDUAL_DATE_OF_BIRTH/DATE"
    );
}

#[test]
fn a_un_entry_without_name_is_refused() {
    let text = fixture_text("un_consolidated.xml")
        .replace("<FIRST_NAME>NESSARO RELIEF FOUNDATION</FIRST_NAME>", "");
    let error = un_error(&text);
    assert!(
        matches!(&error, ImportError::Missing { what: "FIRST_NAME", entry_id: Some(id), .. } if id == "QDe.903"),
        "{error:?}"
    );
    assert_eq!(element_path(&error), "CONSOLIDATED_LIST/ENTITIES/ENTITY[1]");
}

#[test]
fn a_truncated_un_file_is_refused() {
    let text = fixture_text("un_consolidated.xml");
    let error = un_error(&text[..text.find("</ENTITIES>").expect("in the fixture")]);
    assert!(matches!(&error, ImportError::Malformed { .. }), "{error:?}");
    assert_eq!(element_path(&error), "CONSOLIDATED_LIST/ENTITIES");
}

// ---------------------------------------------------------------------------------------------
// EU financial sanctions file

#[test]
fn eu_fsf_xml_is_read_field_by_field() {
    let file = fixture("eu_fsf.xml");
    let version = import(ListFormat::EuFsfXml, None, &[&file]).expect("imports");
    assert_eq!(version.list, "eu_fsf");
    assert_eq!(version.published_on, Some(date(2026, 12, 1)));
    assert_eq!(
        version.content_hash,
        "f6fc31c37c9adcb56c870f7c2f1500369b959a9359eadef383b1ae7da8f8fc36"
    );
    let sanctions = vec![EntryTopic::Sanctions];
    let expected = vec![
        ListEntry {
            entry_id: "501".to_owned(),
            kind: EntityKind::Person,
            topics: sanctions.clone(),
            names: vec![
                primary("Lidia Varnova"),
                strong("Лидия Варнова"),
                weak("Lidka V."),
            ],
            birth_dates: vec![ymd(1975, 2, 10), ym(1977, 5), y(1976)],
            birth_places: strings(&["Pyrsk, RUSSIAN FEDERATION"]),
            countries: strings(&["RU", "BY"]),
            identifiers: vec![
                id("National passport", "4510 123456", Some("RU")),
                id("id", "0000-77", None),
            ],
            programs: strings(&["RUS"]),
        },
        ListEntry {
            entry_id: "502".to_owned(),
            kind: EntityKind::Organization,
            topics: sanctions.clone(),
            names: vec![primary("Talbruk Machine Works JSC")],
            birth_dates: vec![],
            birth_places: vec![],
            countries: strings(&["RU"]),
            identifiers: vec![id("Registration Number", "1234567890123", Some("RU"))],
            programs: strings(&["RUS", "BLR"]),
        },
        ListEntry {
            entry_id: "503".to_owned(),
            kind: EntityKind::Person,
            topics: sanctions,
            names: vec![primary("Petar Kolvenic")],
            birth_dates: vec![y(1980), y(1981), y(1982)],
            birth_places: vec![],
            countries: strings(&["RS"]),
            identifiers: vec![],
            programs: strings(&["TERR"]),
        },
    ];
    assert_eq!(version.entries.len(), expected.len());
    for (got, want) in version.entries.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

fn eu_error(text: &str) -> ImportError {
    let error = import(ListFormat::EuFsfXml, None, &[text.as_bytes()]).expect_err("refused");
    assert_no_names(&error);
    error
}

#[test]
fn an_eu_entry_without_logical_id_is_refused() {
    let text = fixture_text("eu_fsf.xml").replace(
        "euReferenceNumber=\"EU.902.02\" logicalId=\"502\"",
        "euReferenceNumber=\"EU.902.02\"",
    );
    let error = eu_error(&text);
    assert!(
        matches!(
            &error,
            ImportError::Missing {
                what: "logicalId",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(element_path(&error), "export/sanctionEntity[2]");
}

#[test]
fn an_eu_birthdate_that_is_not_a_date_is_refused() {
    let text =
        fixture_text("eu_fsf.xml").replace("birthdate=\"1975-02-10\"", "birthdate=\"1975-02-30\"");
    let error = eu_error(&text);
    assert!(
        matches!(&error, ImportError::Invalid { what: "birthdate", entry_id: Some(id), .. } if id == "501"),
        "{error:?}"
    );
    assert_eq!(element_path(&error), "export/sanctionEntity[1]/birthdate");
}

#[test]
fn an_unknown_eu_subject_type_is_refused() {
    let text = fixture_text("eu_fsf.xml").replace("code=\"enterprise\"", "code=\"spacecraft\"");
    let error = eu_error(&text);
    assert!(
        matches!(&error, ImportError::UnknownCode { what: "subjectType code", found, .. } if found == "spacecraft"),
        "{error:?}"
    );
    assert_eq!(element_path(&error), "export/sanctionEntity[2]/subjectType");
}

#[test]
fn an_eu_entry_without_name_is_refused() {
    let text = fixture_text("eu_fsf.xml").replace(
        "<nameAlias firstName=\"Petar\" middleName=\"\" lastName=\"Kolvenic\" strong=\"true\" logicalId=\"9106\"/>",
        "",
    );
    let error = eu_error(&text);
    assert!(
        matches!(&error, ImportError::Missing { entry_id: Some(id), .. } if id == "503"),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// FollowTheMoney JSON lines

#[test]
fn ftm_json_is_read_field_by_field() {
    let file = fixture("entities.ftm.json");
    let version = import(ListFormat::FollowTheMoneyJson, None, &[&file]).expect("imports");
    assert_eq!(version.list, "opensanctions");
    assert_eq!(version.published_on, None);
    assert_eq!(
        version.content_hash,
        "8e171ab6d273d657cf8b8ae937e5facc53acad576127df24e574a6597e52ec11"
    );
    let expected = vec![
        ListEntry {
            entry_id: "os-fict-0001".to_owned(),
            kind: EntityKind::Person,
            topics: vec![EntryTopic::Sanctions, EntryTopic::Pep],
            names: vec![
                primary("Haldor Venskaya"),
                strong("Haldor Venskij"),
                weak("The Ferryman"),
            ],
            birth_dates: vec![ymd(1966, 4, 2), y(1967)],
            birth_places: strings(&["Castrel"]),
            countries: strings(&["RU", "XK"]),
            identifiers: vec![
                id("idNumber", "501-22", None),
                id("passportNumber", "RU7700123", None),
            ],
            programs: strings(&["EU-RUS"]),
        },
        ListEntry {
            entry_id: "os-fict-0002".to_owned(),
            kind: EntityKind::Organization,
            topics: vec![EntryTopic::Sanctions],
            names: vec![primary("Velmora Shipping LLC"), strong("Velmora Marine")],
            birth_dates: vec![ym(2004, 9)],
            birth_places: vec![],
            countries: strings(&["PA"]),
            identifiers: vec![
                id("registrationNumber", "PA-0099", None),
                id("innCode", "7701234567", None),
            ],
            programs: vec![],
        },
        ListEntry {
            entry_id: "os-fict-0003".to_owned(),
            kind: EntityKind::Person,
            topics: vec![EntryTopic::Pep],
            names: vec![primary("Anka Dravic")],
            birth_dates: vec![],
            birth_places: vec![],
            countries: strings(&["HR"]),
            identifiers: vec![],
            programs: vec![],
        },
        ListEntry {
            entry_id: "os-fict-0008".to_owned(),
            kind: EntityKind::Vessel,
            topics: vec![EntryTopic::Sanctions],
            names: vec![primary("NORTHERN ORCA")],
            birth_dates: vec![],
            birth_places: vec![],
            countries: strings(&["CM"]),
            identifiers: vec![id("imoNumber", "9100001", None)],
            programs: vec![],
        },
    ];
    assert_eq!(version.entries.len(), expected.len());
    for (got, want) in version.entries.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

fn ftm_error(text: &str) -> ImportError {
    let error =
        import(ListFormat::FollowTheMoneyJson, None, &[text.as_bytes()]).expect_err("refused");
    assert_no_names(&error);
    error
}

fn ftm_line(line: u64, field: &str) -> Location {
    Location::Line {
        file: "entities.ftm.json",
        line,
        field: Some(field.to_owned()),
    }
}

#[test]
fn an_invalid_json_line_is_refused_with_its_line() {
    let mut lines: Vec<String> = fixture_text("entities.ftm.json")
        .lines()
        .map(str::to_owned)
        .collect();
    lines[2].truncate(40);
    let error = ftm_error(&lines.join("\n"));
    assert_eq!(
        error,
        ImportError::Malformed {
            location: ftm_line(3, "column 40"),
            reason: "invalid JSON: the line ends early".to_owned(),
        }
    );
}

#[test]
fn a_json_line_that_is_not_an_entity_is_refused_without_quoting_it() {
    let text =
        r#"{"id": "x1", "schema": "Person", "properties": {"name": [{"Haldor": "Venskaya"}]}}"#;
    let error = ftm_error(text);
    assert!(
        matches!(
            &error,
            ImportError::Malformed {
                location: Location::Line { line: 1, .. },
                ..
            }
        ),
        "{error:?}"
    );
    let text =
        r#"{"id": "x1", "schema": "Person", "properties": {"name": ["Haldor Venskaya", 7]}}"#;
    assert!(matches!(ftm_error(text), ImportError::Malformed { .. }));
}

#[test]
fn a_party_without_id_or_name_is_refused() {
    let text = "\n{\"schema\": \"Person\", \"properties\": {\"name\": [\"Haldor Venskaya\"], \"topics\": [\"sanction\"]}}";
    assert_eq!(
        ftm_error(text),
        ImportError::Missing {
            location: ftm_line(2, "id"),
            what: "id",
            entry_id: None,
        }
    );
    let text = r#"{"id": "x1", "schema": "Company", "properties": {"topics": ["sanction"]}}"#;
    assert_eq!(
        ftm_error(text),
        ImportError::Missing {
            location: ftm_line(1, "properties.name"),
            what: "name",
            entry_id: Some("x1".to_owned()),
        }
    );
    // Not a party: skipped, with or without a name.
    let text = r#"{"id": "x2", "schema": "Sanction", "properties": {}}"#;
    let version = import(ListFormat::FollowTheMoneyJson, None, &[text.as_bytes()]).expect("ok");
    assert!(version.entries.is_empty());
}

#[test]
fn an_ftm_date_that_is_not_a_date_is_refused() {
    let text = fixture_text("entities.ftm.json").replace("1966-04-02", "1966-14-02");
    assert!(matches!(
        ftm_error(&text),
        ImportError::Invalid { location, what: "date", entry_id: Some(id), .. }
            if location == ftm_line(1, "properties.birthDate") && id == "os-fict-0001"
    ));
}
