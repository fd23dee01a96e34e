//! Same seed, same bits: fixed fingerprints of whole passes (the browser suite checks the same).

mod common;
use common::fingerprints::{FINGERPRINTS, SPECTRUM_FINGERPRINTS};
use initviz::compute::experiment::Experiment;
use initviz::spec::config::Config;

fn fingerprint(q: &str) -> u64 {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{notes:?}");
    let mut e = Experiment::new(&c).unwrap();
    e.pass();
    e.fingerprint()
}

#[test]
fn fixed_fingerprints() {
    let got: Vec<u64> = FINGERPRINTS.iter().map(|(q, _)| fingerprint(q)).collect();
    for ((q, want), got) in FINGERPRINTS.iter().zip(&got) {
        assert_eq!(*got, *want, "{q}: got {got:#x}\nall: {got_all:#x?}", got_all = got);
    }
}

#[test]
fn seed_changes_bits_and_batch_leaves_weights() {
    assert_ne!(fingerprint("depth=2&width=8&seed=1"), fingerprint("depth=2&width=8&seed=2"));
    let w = |q: &str| {
        let (c, _) = Config::from_query(q);
        Experiment::new(&c).unwrap().mlp.dense(1).unwrap().w.clone()
    };
    assert_eq!(w("depth=2&width=8&batch=3"), w("depth=2&width=8&batch=300"));
}

/// The Jacobian spectra's fingerprints (the browser suite checks the same values in wasm).
#[test]
fn fixed_spectrum_fingerprints() {
    let got: Vec<u64> = SPECTRUM_FINGERPRINTS
        .iter()
        .map(|(q, _)| {
            let (c, notes) = Config::from_query(q);
            assert!(notes.is_empty(), "{notes:?}");
            initviz::compute::spectrum::run(&c, |_, _| std::ops::ControlFlow::Continue(())).unwrap().fingerprint()
        })
        .collect();
    for ((q, want), got) in SPECTRUM_FINGERPRINTS.iter().zip(&got) {
        assert_eq!(*got, *want, "{q}: got {got:#x}\nall: {got_all:#x?}", got_all = got);
    }
}
