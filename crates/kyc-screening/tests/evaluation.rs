//! The main proof of the matcher's quality: on a synthetic list, every variation class keeps
//! its recall and the look-alike negatives stay out, at the default threshold.

use kyc_screening::evaluation::{
    evaluate, index_of, labelled_queries, list_to_ftm_lines, queries_to_json_lines, synthetic_list,
    BaselineScorer, IndexScorer, VariationClass,
};
use kyc_screening::DEFAULT_THRESHOLD;

#[test]
fn default_threshold_meets_the_requirement() {
    let list = synthetic_list(2_000, 7);
    let queries = labelled_queries(&list, 30, 11);
    let index = index_of(&list);
    let report = evaluate(&IndexScorer(&index), &queries, DEFAULT_THRESHOLD);
    for class in VariationClass::POSITIVE {
        let result = report.classes.iter().find(|c| c.class == class);
        assert!(
            result.is_some_and(|r| r.cases >= 30),
            "{class}: too few cases: {result:?}"
        );
        assert!(
            report.recall(class) >= 0.95,
            "{class}: recall {}",
            report.recall(class)
        );
    }
    for class in VariationClass::NEGATIVE {
        assert!(
            report
                .classes
                .iter()
                .any(|c| c.class == class && c.cases >= 30),
            "{class}"
        );
    }
    assert!(
        report.false_positive_rate() <= 0.02,
        "false positives {}",
        report.false_positive_rate()
    );
}

#[test]
fn the_baseline_and_the_exports_run_on_the_same_set() {
    let list = synthetic_list(200, 3);
    let queries = labelled_queries(&list, 5, 5);
    let baseline = evaluate(&BaselineScorer::new(&list.entries), &queries, 0.9);
    assert!(baseline.recall(VariationClass::Exact) > 0.99);
    let lines = queries_to_json_lines(&queries);
    assert_eq!(lines.lines().count(), queries.len());
    for line in lines.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert!(value["query"].is_string() && value["class"].is_string());
    }
    let entities = list_to_ftm_lines(&list.entries);
    assert_eq!(entities.lines().count(), list.entries.len());
    let first: serde_json::Value =
        serde_json::from_str(entities.lines().next().unwrap_or_default()).expect("JSON");
    assert!(first["properties"]["name"].is_array());
    assert_eq!(first["properties"]["topics"][0], "sanction");
    // The same seed gives the same set.
    assert_eq!(queries, labelled_queries(&list, 5, 5));
}
