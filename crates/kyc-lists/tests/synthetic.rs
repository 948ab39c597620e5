//! The synthetic SDN.XML writer against the importer: what it writes reads back as the entries
//! it was given, at the real list's size. Timing belongs to the benchmarks, not here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use kyc_lists::{import, synthetic};
use kyc_screening::{EntityKind, ListFormat, NameStrength};

fn published() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
}

#[test]
fn generated_entries_round_trip_through_sdn_xml() {
    let entries = synthetic::entries(7, 2_000);
    let xml = synthetic::sdn_xml(&entries, published());
    let version = import(ListFormat::OfacSdnXml, None, &[xml.as_bytes()]).expect("imports");
    assert_eq!(version.published_on, Some(published()));
    assert_eq!(version.entries.len(), entries.len());
    for (got, want) in version.entries.iter().zip(&entries) {
        assert_eq!(got, want);
    }
}

#[test]
fn the_generator_is_deterministic_and_varied() {
    assert_eq!(synthetic::entries(5, 300), synthetic::entries(5, 300));
    assert_ne!(synthetic::entries(5, 300), synthetic::entries(6, 300));
    let entries = synthetic::entries(5, 1_000);
    for kind in [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Vessel,
        EntityKind::Aircraft,
    ] {
        assert!(entries.iter().any(|entry| entry.kind == kind), "{kind:?}");
    }
    let names = entries.iter().flat_map(|entry| &entry.names);
    assert!(names
        .clone()
        .any(|name| name.strength == NameStrength::Weak));
    assert!(names
        .clone()
        .any(|name| name.strength == NameStrength::Strong));
    for precision in [(true, true), (true, false), (false, false)] {
        assert!(entries
            .iter()
            .flat_map(|entry| &entry.birth_dates)
            .any(|date| (date.month.is_some(), date.day.is_some()) == precision));
    }
}

#[test]
fn an_sdn_sized_file_imports_whole() {
    let entries = synthetic::entries(1, synthetic::SDN_SIZE);
    let aliases: usize = entries.iter().map(|entry| entry.names.len() - 1).sum();
    assert!((55_000..70_000).contains(&aliases), "{aliases} aliases");
    let xml = synthetic::sdn_xml(&entries, published());
    let version = import(ListFormat::OfacSdnXml, None, &[xml.as_bytes()]).expect("imports");
    assert_eq!(version.entries, entries);
}
