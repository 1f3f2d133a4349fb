//! The `nexus-gateway` binary: everything lives in the library; the runtime owns the process.

/// mimalloc: every proxied request allocates a few dozen small buffers and maps; with glibc's
/// allocator that was ~12% of the gateway's CPU (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    nexus_runtime::main::<nexus_gateway::GatewayService>()
}
