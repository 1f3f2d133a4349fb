//! The engine's one error type. Each variant has a stable snake_case [`EngineError::code`] that
//! appears in reports (`stages[].error_code`) and that clients may match on.

/// Everything that can go wrong inside the engine. A stage error never aborts the whole report.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The input has no bytes.
    #[error("the file is empty")]
    EmptyFile,
    /// The input exceeds [`crate::EngineConfig::max_file_size`].
    #[error("the file is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input.
        size: u64,
        /// Configured limit.
        limit: u64,
    },
    /// The magic number says one format but the header is cut short.
    #[error("truncated {format} header: {detail}")]
    TruncatedHeader {
        /// Format named by the magic number.
        format: &'static str,
        /// What is missing.
        detail: String,
    },
    /// A format parser rejected the file.
    #[error("{format} parsing failed: {detail}")]
    ParseFailed {
        /// Format being parsed.
        format: &'static str,
        /// Parser's message.
        detail: String,
    },
    /// A stage ran past its time budget; its part of the report is missing.
    #[error("stage {stage} exceeded its {budget_ms} ms budget")]
    Timeout {
        /// Stage name.
        stage: &'static str,
        /// Budget in milliseconds.
        budget_ms: u64,
    },
    /// A stage panicked (a parser bug met hostile input); the panic was contained.
    #[error("stage {stage} panicked: {message}")]
    Panicked {
        /// Stage name.
        stage: &'static str,
        /// Panic payload, when it was a string.
        message: String,
    },
    /// YARA rules did not compile.
    #[error("YARA rules failed to compile: {0}")]
    YaraCompile(String),
    /// A YARA scan failed (including its timeout).
    #[error("YARA scan failed: {0}")]
    YaraScan(String),
    /// A YARA scan hit its timeout.
    #[error("YARA scan timed out after {0} ms")]
    YaraTimeout(u64),
    /// Reading rule files failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// File or directory being read.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

impl EngineError {
    /// Stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyFile => "empty_file",
            Self::TooLarge { .. } => "too_large",
            Self::TruncatedHeader { .. } => "truncated_header",
            Self::ParseFailed { .. } => "parse_failed",
            Self::Timeout { .. } => "timeout",
            Self::Panicked { .. } => "panicked",
            Self::YaraCompile(_) => "yara_compile_failed",
            Self::YaraScan(_) => "yara_scan_failed",
            Self::YaraTimeout(_) => "yara_timeout",
            Self::Io { .. } => "io_error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_distinct() {
        let errors = [
            EngineError::EmptyFile,
            EngineError::TooLarge { size: 2, limit: 1 },
            EngineError::TruncatedHeader {
                format: "pe",
                detail: String::new(),
            },
            EngineError::ParseFailed {
                format: "pe",
                detail: String::new(),
            },
            EngineError::Timeout {
                stage: "pe",
                budget_ms: 1,
            },
            EngineError::Panicked {
                stage: "pe",
                message: String::new(),
            },
            EngineError::YaraCompile(String::new()),
            EngineError::YaraScan(String::new()),
            EngineError::YaraTimeout(1),
            EngineError::Io {
                path: String::new(),
                source: std::io::Error::other("x"),
            },
        ];
        let mut codes: Vec<&str> = errors.iter().map(EngineError::code).collect();
        assert!(
            codes
                .iter()
                .all(|code| code.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
