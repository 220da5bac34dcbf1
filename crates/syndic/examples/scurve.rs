//! Prints the LSH S-curve of syndic's default banding: the predicted probability that a pair of
//! a given word-5-gram Jaccard similarity becomes a candidate, beside the rate measured on
//! synthetic pairs of exactly that similarity. Used for the figures in DESIGN.md.
//!
//! `cargo run --release -p syndic --example scurve`

use syndic::lsh::Banding;
use syndic::minhash::MinHasher;
use syndic::versions::VersionConfig;

fn main() {
    let config = VersionConfig::default();
    let banding = config.banding();
    let hasher = MinHasher::new(config.num_perm, config.seed);
    let peers = [(0.7, 128), (0.8, 128), (0.9, 128)];
    println!(
        "syndic default: num_perm {}, threshold {}, {} bands x {} rows",
        config.num_perm, config.rule.jaccard, banding.bands, banding.rows
    );
    let mut header = String::from("jaccard  predicted  measured");
    for (t, n) in peers {
        let b = Banding::for_threshold(t, n, 0.5);
        header.push_str(&format!("  t={t}({}x{})", b.bands, b.rows));
    }
    println!("{header}");
    let trials = 2_000u64;
    for s in [0.03, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8] {
        // Two sets of 600 shingles with |A∩B| / |A∪B| = s.
        let size = 600u64;
        let shared = ((2.0 * s * size as f64) / (1.0 + s)).round() as u64;
        let mut hits = 0;
        for trial in 0..trials {
            let base = trial * 10_000;
            let a: Vec<u64> = (base..base + size).collect();
            let b: Vec<u64> = (base + size - shared..base + 2 * size - shared).collect();
            let ka = banding.keys(&hasher.sign(&a));
            let kb = banding.keys(&hasher.sign(&b));
            if ka.iter().zip(&kb).any(|(x, y)| x == y) {
                hits += 1;
            }
        }
        let mut row = format!(
            "{s:>7.2}  {:>9.4}  {:>8.4}",
            banding.probability(s),
            f64::from(hits) / trials as f64
        );
        for (t, n) in peers {
            let b = Banding::for_threshold(t, n, 0.5);
            row.push_str(&format!("  {:>12.4}", b.probability(s)));
        }
        println!("{row}");
    }
}
