//! The `nexus-analysis` binary: everything lives in the library; the runtime owns the process.

fn main() -> std::process::ExitCode {
    nexus_runtime::main::<nexus_analysis::AnalysisService>()
}
