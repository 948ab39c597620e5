//! Assembles a [`ListEntry`] the same way for every format: names trimmed and de-duplicated,
//! the primary name first, countries as codes without repeats.

use kyc_screening::{
    EntityKind, EntryName, EntryTopic, Identifier, ListEntry, NameStrength, PartialDate,
};

use crate::country;

pub(crate) struct EntryBuilder {
    entry: ListEntry,
}

/// Trims a name and collapses its runs of white space (the lists' typing is not consistent,
/// and a doubled space is not part of anyone's name).
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl EntryBuilder {
    pub(crate) fn new(entry_id: &str, kind: EntityKind, topics: Vec<EntryTopic>) -> Self {
        EntryBuilder {
            entry: ListEntry {
                entry_id: entry_id.trim().to_owned(),
                kind,
                topics,
                names: Vec::new(),
                birth_dates: Vec::new(),
                birth_places: Vec::new(),
                countries: Vec::new(),
                identifiers: Vec::new(),
                programs: Vec::new(),
            },
        }
    }

    pub(crate) fn has_names(&self) -> bool {
        !self.entry.names.is_empty()
    }

    /// Adds a name; the first one added is the primary name whatever `strength` says, and a
    /// name already present keeps its first strength.
    pub(crate) fn name(&mut self, full: &str, strength: NameStrength) {
        let full = squash(full);
        if full.is_empty() || self.entry.names.iter().any(|name| name.full == full) {
            return;
        }
        let strength = if self.entry.names.is_empty() {
            NameStrength::Primary
        } else if strength == NameStrength::Primary {
            NameStrength::Strong
        } else {
            strength
        };
        self.entry.names.push(EntryName { full, strength });
    }

    pub(crate) fn birth_date(&mut self, date: PartialDate) {
        if !self.entry.birth_dates.contains(&date) {
            self.entry.birth_dates.push(date);
        }
    }

    pub(crate) fn birth_dates(&mut self, dates: impl IntoIterator<Item = PartialDate>) {
        for date in dates {
            self.birth_date(date);
        }
    }

    pub(crate) fn birth_place(&mut self, place: &str) {
        let place = squash(place);
        if !place.is_empty() && !self.entry.birth_places.contains(&place) {
            self.entry.birth_places.push(place);
        }
    }

    pub(crate) fn country_code(&mut self, code: Option<String>) {
        if let Some(code) = code {
            if !self.entry.countries.contains(&code) {
                self.entry.countries.push(code);
            }
        }
    }

    /// A country the source names in words; names that map to no code are dropped.
    pub(crate) fn country_name(&mut self, name: &str) {
        self.country_code(country::code_for_name(name).map(str::to_owned));
    }

    pub(crate) fn identifier(&mut self, kind: &str, number: &str, country: Option<String>) {
        let identifier = Identifier {
            kind: squash(kind),
            number: number.trim().to_owned(),
            country,
        };
        if !identifier.number.is_empty() && !self.entry.identifiers.contains(&identifier) {
            self.entry.identifiers.push(identifier);
        }
    }

    pub(crate) fn program(&mut self, program: &str) {
        let program = program.trim();
        if !program.is_empty() && !self.entry.programs.iter().any(|p| p == program) {
            self.entry.programs.push(program.to_owned());
        }
    }

    pub(crate) fn finish(self) -> ListEntry {
        self.entry
    }
}
