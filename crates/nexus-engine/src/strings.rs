//! Printable-string extraction: ASCII and UTF-16LE runs, bounded in count and length.

use nexus_proto::report::{ExtractedString, StringEncoding, StringsReport};

use crate::config::EngineConfig;

/// Extracted strings: the bounded report part and the (larger) list scanned for IOCs.
pub struct Extraction {
    /// What goes into the report.
    pub report: StringsReport,
    /// Every string kept for IOC extraction (up to `max_strings_scanned`).
    pub for_iocs: Vec<String>,
}

fn printable(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte) || byte == b'\t'
}

/// Extracts ASCII and UTF-16LE strings of at least `config.min_string_length` characters.
pub fn extract(bytes: &[u8], config: &EngineConfig) -> Extraction {
    let minimum = config.min_string_length.max(1);
    let mut found: Vec<(u64, StringEncoding, usize, usize)> = Vec::new();
    let mut total: u64 = 0;
    let mut record = |offset: usize, encoding: StringEncoding, end: usize| {
        total += 1;
        if found.len() < config.max_strings_scanned {
            found.push((offset as u64, encoding, offset, end));
        }
    };

    // ASCII runs.
    let mut start = None;
    for (index, &byte) in bytes.iter().enumerate() {
        match (printable(byte), start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                if index - begin >= minimum {
                    record(begin, StringEncoding::Ascii, index);
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start.filter(|&begin| bytes.len() - begin >= minimum) {
        record(begin, StringEncoding::Ascii, bytes.len());
    }

    // UTF-16LE runs at both alignments: printable low byte, zero high byte.
    for alignment in 0..2 {
        let mut start = None;
        let mut index = alignment;
        while index + 1 < bytes.len() {
            let is_char = printable(bytes[index]) && bytes[index + 1] == 0;
            match (is_char, start) {
                (true, None) => start = Some(index),
                (false, Some(begin)) => {
                    if (index - begin) / 2 >= minimum {
                        record(begin, StringEncoding::Utf16le, index);
                    }
                    start = None;
                }
                _ => {}
            }
            index += 2;
        }
        if let Some(begin) = start.filter(|&begin| (index - begin) / 2 >= minimum) {
            record(begin, StringEncoding::Utf16le, index);
        }
    }
    found.sort_by_key(|&(offset, ..)| offset);

    let decode = |encoding: StringEncoding, start: usize, end: usize| -> String {
        let step = if encoding == StringEncoding::Utf16le {
            2
        } else {
            1
        };
        bytes[start..end]
            .iter()
            .step_by(step)
            .take(config.max_string_length)
            .map(|&byte| char::from(byte))
            .collect()
    };
    let items: Vec<ExtractedString> = found
        .iter()
        .take(config.max_strings)
        .map(|&(offset, encoding, start, end)| ExtractedString {
            offset,
            encoding,
            value: decode(encoding, start, end),
        })
        .collect();
    let for_iocs = found
        .iter()
        .map(|&(_, encoding, start, end)| decode(encoding, start, end))
        .collect();
    let truncated = total > items.len() as u64;
    Extraction {
        report: StringsReport {
            total,
            truncated,
            items,
        },
        for_iocs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ascii_and_utf16_strings_in_offset_order() {
        let mut data = b"\x00\x01hello world\x00\x02".to_vec();
        data.extend("wide!".encode_utf16().flat_map(u16::to_le_bytes));
        data.extend(b"\x00\x00abc\x00");
        let extraction = extract(&data, &EngineConfig::default());
        let values: Vec<(&str, StringEncoding)> = extraction
            .report
            .items
            .iter()
            .map(|item| (item.value.as_str(), item.encoding))
            .collect();
        assert_eq!(
            values,
            [
                ("hello world", StringEncoding::Ascii),
                ("wide!", StringEncoding::Utf16le)
            ]
        );
        assert_eq!(extraction.report.items[0].offset, 2);
        assert!(!extraction.report.truncated);
    }

    #[test]
    fn counts_beyond_the_kept_maximum() {
        let data = b"aaaaa\x00bbbbb\x00ccccc\x00".repeat(10);
        let config = EngineConfig {
            max_strings: 4,
            ..EngineConfig::default()
        };
        let extraction = extract(&data, &config);
        assert_eq!(extraction.report.items.len(), 4);
        assert_eq!(extraction.report.total, 30);
        assert!(extraction.report.truncated);
    }
}
