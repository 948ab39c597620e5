//! What OFAC's two SDN formats share: entry types, and which identification records are
//! documents.

use kyc_screening::EntityKind;

/// The `sdnType` values (XML) and `SDN_Type` values (CSV, lower case, empty for entities).
pub(crate) const KNOWN_TYPES: &str = "Individual, Entity, Vessel, Aircraft";

pub(crate) fn kind(sdn_type: &str) -> Option<EntityKind> {
    match sdn_type.trim().to_ascii_lowercase().as_str() {
        "individual" => Some(EntityKind::Person),
        "entity" => Some(EntityKind::Organization),
        "vessel" => Some(EntityKind::Vessel),
        "aircraft" => Some(EntityKind::Aircraft),
        _ => None,
    }
}

/// The feature OFAC files under identification that is an organisation's founding date; it
/// becomes the entry's birth date, as the model has it for organisations.
pub(crate) const ESTABLISHED: &str = "Organization Established Date";

/// The forms OFAC writes a date in, for error messages.
pub(crate) const DATE_FORMS: &str =
    "a date of the form `12 Jan 1960`, `Jan 1960`, `1960`, `circa 1960` or `<date> to <date>`";

/// OFAC's identification types that are documents or register numbers, as written in the CSV
/// remarks (`Passport A1234567 (Iran)`). The remarks have no separator between a type and its
/// number, so only the types listed here are recognised there; the XML names the type apart
/// and is read with [`is_document`] instead. Gathered from the remarks of a 2020s SDN.CSV
/// (OFAC's spelling, typos included).
pub(crate) const DOCUMENT_TYPES: &[&str] = &[
    "Afghan Money Service Provider License Number",
    "Aircraft Construction Number (also called L/N or S/N or F/N)",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Mode S Transponder Code",
    "Aircraft Tail Number",
    "BIK (RU)",
    "Birth Certificate Number",
    "Branch Unit Number",
    "Business Number",
    "Business Registration Document #",
    "Business Registration Number",
    "C.I.F.",
    "C.R. No.",
    "C.U.I.P.",
    "C.U.I.T.",
    "C.U.R.P.",
    "Cartilla de Servicio Militar Nacional",
    "Cedula No.",
    "Certificate of Incorporation Number",
    "Chamber of Commerce Number",
    "Citizen's Card Number",
    "Commercial Registry Number",
    "Company Number",
    "Credencial electoral",
    "CURP #",
    "D-U-N-S Number",
    "D.N.I.",
    "Diplomatic Passport",
    "Driver's License No.",
    "Dubai Chamber of Commerce Membership No.",
    "Economic Register Number (CBLS)",
    "Electoral Registry No.",
    "Enterprise Number",
    "Fiscal Code",
    "Folio Mercantil No.",
    "Government Gazette Number",
    "I.F.E.",
    "Identification Number",
    "Immigration No.",
    "Italian Fiscal Code",
    "Kenyan ID No.",
    "LE Number",
    "Legal Entity Number",
    "License",
    "Matricula Mercantil No",
    "MMSI",
    "Moldovan Fiscal Code",
    "Moroccan Personal ID No.",
    "National Foreign ID Number",
    "National ID No.",
    "NIT #",
    "Numero de Identidad",
    "Numero Unico de Identificacao Tributaria (NUIT)",
    "Passport",
    "Personal ID Card",
    "Pilot License Number",
    "Previous Aircraft Tail Number",
    "Public Registration Number",
    "Public Security and Immigration No.",
    "R.F.C.",
    "Refugee ID Card",
    "Registered Charity No.",
    "Registration ID",
    "Registration Number",
    "Residency Number",
    "RFC",
    "RIF #",
    "Romanian C.R.",
    "Romanian Permanent Resident",
    "Romanian Tax Registration",
    "RTN",
    "RUC #",
    "Serial No.",
    "SSN",
    "Stateless Person ID Card",
    "Stateless Person Passport",
    "SWIFT/BIC",
    "Tax ID No.",
    "Tazkira National ID Card",
    "Trade License No.",
    "Travel Document Number",
    "Turkish Identification Number",
    "Turkish Identificiation Number",
    "U.S.A. Passport",
    "UK Company Number",
    "Unified Social Credit Code (USCC)",
    "US FEIN",
    "V.A.T. Number",
    "Vessel Registration Identification",
    "VisaNumberID",
];

/// Identification types (lower case, by substring) that OFAC files under identification but
/// that identify nothing a customer presents: contact details, sanction notes, descriptions.
const NOT_DOCUMENTS: &[&str] = &[
    "gender",
    "website",
    "email",
    "phone",
    "fax",
    "digital currency",
    "additional sanctions",
    "secondary sanctions",
    "transactions prohibited",
    "directive",
    "executive order",
    "aircraft model",
    "aircraft operator",
    "manufacture date",
    "established date",
    "year of build",
    "vessel flag",
    "vessel type",
    "call sign",
    "organization type",
    "target type",
    "nationality of registration",
    "listing date",
    "effective date",
    "ifca",
    "caatsa",
    "eo13846",
    "for more information",
    "chinese commercial code",
    "linked to",
];

/// Whether an XML identification record is a document or register number: not one of the
/// notes OFAC files there, and with a digit in the number (every document number has one; the
/// notes' "numbers" are sentences).
pub(crate) fn is_document(id_type: &str, number: &str) -> bool {
    let lower = id_type.to_ascii_lowercase();
    !NOT_DOCUMENTS.iter().any(|word| lower.contains(word))
        && number.bytes().any(|b| b.is_ascii_digit())
}
