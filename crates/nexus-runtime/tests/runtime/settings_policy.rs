//! One policy for unknown settings keys (see `nexus_config::Loaded`): fatal inside a section the
//! service reads, skipped in another service's section, a warning for a name that is no section.

use nexus_config::{ConfigSource, ServiceKind};
use nexus_runtime::{NoSettings, RuntimeError, Settings};

/// Loads the scanner's settings from `toml` alone (no environment, so the test's own `NEXUS_*`
/// variables play no part).
fn load(toml: &str) -> Result<(Settings<NoSettings>, Vec<String>), RuntimeError> {
    let path = std::env::temp_dir().join(format!("nexus-{}.toml", uuid::Uuid::now_v7()));
    std::fs::write(&path, toml).unwrap();
    let loaded = Settings::<NoSettings>::load(
        ServiceKind::Scanner,
        ConfigSource::defaults_only().with_file(&path),
    );
    std::fs::remove_file(&path).unwrap();
    loaded
}

#[test]
fn a_misspelt_key_in_a_shared_or_the_own_section_stops_the_start() {
    for (toml, named) in [
        ("[tokens]\nissuerr = \"https://auth\"\n", "tokens.issuerr"),
        ("[server]\nbody_limit = 10\n", "server.body_limit"),
        ("[bus]\nmax_delivries = 3\n", "bus.max_delivries"),
        ("[service_auth]\ntoken = \"x\"\n", "service_auth.token"),
        ("[scanner]\nworkerz = 2\n", "scanner.workerz"),
    ] {
        let error = load(toml).unwrap_err();
        assert_eq!(error.code(), "config_invalid", "{toml}");
        assert!(error.to_string().contains(named), "{toml}: {error}");
    }
}

#[test]
fn other_services_sections_are_skipped_and_unknown_names_only_warned() {
    let (settings, warnings) = load(
        "[auth]\nsigning_kdi = \"k1\"\n[user.credential_limits]\nwhatever = 1\n\
         [server]\nworkers = 3\n[databse]\nurl = \"postgres://x\"\n",
    )
    .unwrap();

    assert_eq!(settings.runtime.server.workers, 3);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("databse"), "{warnings:?}");
}
