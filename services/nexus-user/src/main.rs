//! The `nexus-user` binary: everything lives in the library; the runtime owns the process.

fn main() -> std::process::ExitCode {
    nexus_runtime::main::<nexus_user::UserService>()
}
