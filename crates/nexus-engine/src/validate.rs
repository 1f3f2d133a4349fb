//! Validation: size limits, empty files and headers cut short.
//!
//! Size problems stop the pipeline (nothing useful or safe can follow); a truncated header is only
//! reported, because the hashes, strings and YARA stages still apply and the parser stage will say
//! what it could not read.

use crate::bytes::{u16_le, u32_le};
use crate::config::EngineConfig;
use crate::error::EngineError;

/// Outcome of validation.
#[derive(Debug)]
pub enum Validation {
    /// Go on with every stage.
    Proceed,
    /// Go on, but the header the magic number announces is cut short.
    ProceedTruncated(EngineError),
}

/// Checks `bytes` against the configured limits and the minimum header sizes of known formats.
pub fn validate(bytes: &[u8], config: &EngineConfig) -> Result<Validation, EngineError> {
    let size = bytes.len() as u64;
    if size == 0 {
        return Err(EngineError::EmptyFile);
    }
    if size > config.max_file_size {
        return Err(EngineError::TooLarge {
            size,
            limit: config.max_file_size,
        });
    }
    Ok(match truncated_header(bytes) {
        Some(error) => Validation::ProceedTruncated(error),
        None => Validation::Proceed,
    })
}

fn truncated(format: &'static str, detail: impl Into<String>) -> Option<EngineError> {
    Some(EngineError::TruncatedHeader {
        format,
        detail: detail.into(),
    })
}

/// Finds a header that its magic number announces but the file does not hold completely.
fn truncated_header(bytes: &[u8]) -> Option<EngineError> {
    let len = bytes.len();
    if bytes.starts_with(b"MZ") {
        if len < 0x40 {
            return truncated("pe", format!("DOS header needs 64 bytes, file has {len}"));
        }
        let pe_offset = usize::try_from(u32_le(bytes, 0x3c)?).ok()?;
        if bytes.get(pe_offset..pe_offset.checked_add(4)?) == Some(b"PE\0\0") {
            // COFF header (20 bytes) plus the optional header it declares.
            let optional_size = usize::from(u16_le(bytes, pe_offset + 20).unwrap_or(0));
            let needed = pe_offset.saturating_add(24).saturating_add(optional_size);
            if len < needed {
                return truncated("pe", format!("headers need {needed} bytes, file has {len}"));
            }
        }
        return None;
    }
    if bytes.starts_with(b"\x7fELF") {
        let needed = match bytes.get(4) {
            Some(2) => 64,
            _ => 52,
        };
        if len < needed {
            return truncated(
                "elf",
                format!("ELF header needs {needed} bytes, file has {len}"),
            );
        }
        return None;
    }
    let magic = bytes.get(..4)?;
    let macho_header = match magic {
        [0xce, 0xfa, 0xed, 0xfe] | [0xfe, 0xed, 0xfa, 0xce] => Some(28),
        [0xcf, 0xfa, 0xed, 0xfe] | [0xfe, 0xed, 0xfa, 0xcf] => Some(32),
        _ => None,
    };
    if let Some(needed) = macho_header
        && len < needed
    {
        return truncated(
            "macho",
            format!("Mach-O header needs {needed} bytes, file has {len}"),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_oversized_files_stop_the_pipeline() {
        let config = EngineConfig {
            max_file_size: 4,
            ..EngineConfig::default()
        };
        assert!(matches!(
            validate(b"", &config),
            Err(EngineError::EmptyFile)
        ));
        assert!(matches!(
            validate(b"12345", &config),
            Err(EngineError::TooLarge { size: 5, limit: 4 })
        ));
        assert!(matches!(
            validate(b"1234", &config),
            Ok(Validation::Proceed)
        ));
    }

    #[test]
    fn short_headers_are_reported_but_do_not_stop() {
        let config = EngineConfig::default();
        for sample in [
            &b"MZ\x90\0"[..],
            b"\x7fELF\x02\x01",
            b"\xcf\xfa\xed\xfe\x07\0\0\x01",
        ] {
            let outcome = validate(sample, &config);
            assert!(
                matches!(
                    outcome,
                    Ok(Validation::ProceedTruncated(
                        EngineError::TruncatedHeader { .. }
                    ))
                ),
                "{sample:?}: {outcome:?}"
            );
        }
    }
}
