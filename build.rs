//! Packs the UCI digits (data/digits/digits.csv.gz: 1,797 rows of 64 pixels 0–16 and a label)
//! into `$OUT_DIR/digits.bin`, 65 bytes a row, which `src/data.rs` includes in the binary: the
//! dataset ships inside the wasm, loaded from no other origin and parsed at no run-time cost.

use flate2::read::GzDecoder;
use std::io::Read;
use std::path::PathBuf;

fn main() {
    let src = "data/digits/digits.csv.gz";
    println!("cargo:rerun-if-changed={src}");
    let gz = std::fs::read(src).expect("data/digits/digits.csv.gz is part of the repository");
    let mut csv = String::new();
    GzDecoder::new(&gz[..]).read_to_string(&mut csv).expect("digits.csv.gz is gzip of UTF-8 text");
    let mut out = Vec::with_capacity(1797 * 65);
    for (i, line) in csv.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let values: Vec<u8> =
            line.split(',').map(|v| v.trim().parse().unwrap_or_else(|_| panic!("row {i}: \"{v}\" is not 0–255"))).collect();
        assert_eq!(values.len(), 65, "row {i} has {} values, not 64 pixels and a label", values.len());
        assert!(values[..64].iter().all(|&p| p <= 16) && values[64] <= 9, "row {i} is out of range");
        out.extend_from_slice(&values);
    }
    let path = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("digits.bin");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}
