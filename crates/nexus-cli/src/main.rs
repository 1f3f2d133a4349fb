//! `nexus`: the Nexus Security command line. `nexus analyze FILE|DIR...` runs the static-analysis
//! engine locally with no services.
//!
//! Layout: [`cli`] declares the arguments (clap derive), [`analyze`] runs the `analyze` subcommand,
//! [`table`] renders reports for people. Exit codes are documented on [`analyze::ExitStatus`].

mod analyze;
mod cli;
mod table;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let arguments = cli::Cli::parse();
    match arguments.command {
        cli::Command::Analyze(options) => analyze::run(&options).into(),
    }
}
