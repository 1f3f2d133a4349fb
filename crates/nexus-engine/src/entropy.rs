//! Shannon entropy in bits per byte (0.0 for empty or uniform data, 8.0 for uniformly random data).

/// Shannon entropy of `bytes`, bits per byte.
pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &byte in bytes {
        counts[usize::from(byte)] += 1;
    }
    let total = bytes.len() as f64;
    let entropy = counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let probability = count as f64 / total;
            -probability * probability.log2()
        })
        .sum::<f64>();
    // Rounded so the JSON stays short and stable across platforms.
    (entropy * 1_000_000.0).round() / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(shannon(&all), 8.0);
        assert_eq!(shannon(b"abab"), 1.0);
    }
}
