pub mod fingerprints;
