//! Arbitrary query strings — percent-encoding, repeated and unknown keys, unicode, huge and
//! non-finite numbers — thrown at the one parser and at the whole native pass: no panic, every
//! rejected value named in a notice, and the canonical query round-trips.
#![cfg(not(target_arch = "wasm32"))]

use initviz::compute::experiment::run;
use initviz::spec::config::Config;
use initviz::spec::params::PARAMS;
use proptest::prelude::*;

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|x| x.to_string()),
        any::<i64>().prop_map(|x| x.to_string()),
        (0u32..2000).prop_map(|x| x.to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-Infinity".to_string()),
        Just("1e400".to_string()),
        Just("%FF%FE".to_string()),
        Just("%".to_string()),
        Just("normal:".to_string()),
        Just("normal:1e999".to_string()),
        "[a-z_:%0-9.+-]{0,12}",
        any::<String>(),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(PARAMS.iter().map(|p| p.key.to_string()).collect::<Vec<_>>()), 1 => any::<String>(), 1 => "[a-z%=&]{0,6}"]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), value()), 0..12)
        .prop_map(|pairs| pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_query_parses_round_trips_and_runs(q in query()) {
        let (c, notices) = Config::from_query(&q);
        for n in &notices {
            prop_assert!(!n.message.is_empty());
        }
        // The canonical query reads back to the same configuration, with nothing to notice.
        let (again, more) = Config::from_query(&c.to_query());
        prop_assert_eq!(again, c);
        prop_assert!(more.is_empty(), "{:?}", more);
        // Over the budget: refused before allocating. Within it and small enough for a test: the
        // whole pass, report and verdict run without a panic.
        if c.validate().is_ok() && (c.depth * c.width * c.width * c.batch) as f64 <= 2e6 {
            let r = run(&c).expect("validated");
            prop_assert_eq!(r.layers.len(), c.depth);
        }
    }
}
