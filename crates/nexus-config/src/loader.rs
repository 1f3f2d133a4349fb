//! Merging the configuration layers and reporting what is wrong with them.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Environment variable naming the optional TOML file.
pub const CONFIG_FILE_VAR: &str = "NEXUS_CONFIG_FILE";
/// Prefix of every environment variable that configures Nexus.
pub const ENV_PREFIX: &str = "NEXUS_";

/// A settings type (or section) that can check itself after loading.
pub trait Validate {
    /// Appends one sentence per problem to `problems`, naming the offending key.
    fn validate(&self, problems: &mut Vec<String>);
}

/// Settings that loaded and validated, plus what was suspicious but not fatal.
///
/// The policy for keys nobody reads, the same for every section of every service:
/// - a key inside a section the service reads (`server.workerz`, `auth.lockout.lock_afterr`,
///   `NEXUS_AUTH__SIGNING_KDI`) is an error (`config_invalid`): a misspelt security setting
///   must not leave the default silently in force;
/// - another service's section (`NEXUS_USER__*` read by nexus-auth) is skipped without a word,
///   because one environment file configures every service;
/// - a top-level name that is no section at all (`NEXUS_DATABSE__URL`, or `NEXUS_ROOT` of a
///   script sharing the `NEXUS_` prefix) is a warning, since it may belong to another tool.
#[derive(Debug)]
pub struct Loaded<T> {
    /// The validated settings.
    pub settings: T,
    /// Unknown top-level names; the runtime logs them once telemetry is up.
    pub warnings: Vec<String>,
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or a value has the wrong type. The message names the source
    /// (file or variable) of the bad value.
    #[error("configuration could not be read: {message}")]
    Parse {
        /// What is wrong and where the value came from.
        message: String,
    },
    /// Values parsed but break a rule.
    #[error("configuration is invalid: {}", problems.join("; "))]
    Invalid {
        /// One sentence per problem.
        problems: Vec<String>,
    },
}

impl ConfigError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Parse { .. } => "config_unreadable",
            ConfigError::Invalid { .. } => "config_invalid",
        }
    }
}

/// Where settings come from: defaults set in code, an optional file, and the environment.
#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    file: Option<PathBuf>,
    use_environment: bool,
    defaults: Vec<(String, Value)>,
}

impl ConfigSource {
    /// The production source: the file named by `NEXUS_CONFIG_FILE` (if set) and `NEXUS_*`
    /// environment variables.
    pub fn from_environment() -> Self {
        Self {
            file: std::env::var_os(CONFIG_FILE_VAR).map(PathBuf::from),
            use_environment: true,
            defaults: Vec::new(),
        }
    }

    /// A source with code defaults only (no file, no environment); add layers with the builders.
    pub fn defaults_only() -> Self {
        Self::default()
    }

    /// Reads this TOML file as the middle layer.
    #[must_use]
    pub fn with_file(mut self, path: impl AsRef<Path>) -> Self {
        self.file = Some(path.as_ref().to_path_buf());
        self
    }

    /// Overrides the code default of one dotted key, e.g. `server.http_addr` for a service's
    /// port. The environment and the file still win over it.
    #[must_use]
    pub fn with_default(mut self, key: &str, value: impl Serialize) -> Self {
        // A value that cannot be represented is a programming error caught by the tests of
        // every caller; it degrades to "no override" rather than a panic.
        if let Ok(value) = Value::serialize(value) {
            self.defaults.push((key.to_owned(), value));
        }
        self
    }

    /// Merges the layers into `T` (whose fields are the sections), validates it and sorts out
    /// unknown keys as [`Loaded`] describes.
    pub fn load<T>(&self) -> Result<Loaded<T>, ConfigError>
    where
        T: DeserializeOwned + Validate,
    {
        let figment = self.figment();
        let settings: T = figment.extract().map_err(describe_parse_error)?;
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        let unknown = UnknownKeys::sort(self.ignored_paths::<T>(&figment), &[]);
        problems.extend(unknown.fatal.iter().map(|path| self.describe_fatal(path)));
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        let warnings = unknown
            .warned
            .iter()
            .map(|path| self.describe_warning(path))
            .collect();
        Ok(Loaded { settings, warnings })
    }

    /// Loads the shared sections into `T` and one service's own section (`[bounty]`,
    /// `NEXUS_BOUNTY__*`) into `S`, which defaults when absent. Top-level keys named in
    /// `known_sections` (every service's section, so one file can configure the whole platform)
    /// are skipped; unknown keys inside `section` or a shared section are errors (see
    /// [`Loaded`]).
    pub fn load_with_section<T, S>(
        &self,
        section: &str,
        known_sections: &[&str],
    ) -> Result<Loaded<(T, S)>, ConfigError>
    where
        T: DeserializeOwned + Validate,
        S: DeserializeOwned + Validate + Default,
    {
        let figment = self.figment();
        let shared: T = figment.extract().map_err(describe_parse_error)?;
        let own: S = if figment.contains(section) {
            figment
                .extract_inner(section)
                .map_err(describe_parse_error)?
        } else {
            S::default()
        };
        let mut problems = Vec::new();
        shared.validate(&mut problems);
        own.validate(&mut problems);
        let mut unknown = UnknownKeys::sort(self.ignored_paths::<T>(&figment), known_sections);
        if let Ok(value) = figment.find_value(section) {
            let _ = serde_ignored::deserialize(&value, |path| {
                unknown.fatal.push(format!("{section}.{path}"))
            })
            .map(|_: S| ());
        }
        problems.extend(unknown.fatal.iter().map(|path| self.describe_fatal(path)));
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        let warnings = unknown
            .warned
            .iter()
            .map(|path| self.describe_warning(path))
            .collect();
        Ok(Loaded {
            settings: (shared, own),
            warnings,
        })
    }

    fn figment(&self) -> Figment {
        let mut figment = Figment::new();
        for (key, value) in &self.defaults {
            figment = figment.merge(Serialized::default(key, value.clone()));
        }
        if let Some(file) = &self.file {
            figment = figment.merge(Toml::file_exact(file));
        }
        if self.use_environment {
            figment = figment.merge(
                Env::prefixed(ENV_PREFIX)
                    .split("__")
                    .ignore(&["config_file"]),
            );
        }
        figment
    }

    /// Dotted paths of every key present in some layer that `T` does not read.
    fn ignored_paths<T: DeserializeOwned>(&self, figment: &Figment) -> Vec<String> {
        let Ok(merged) = figment.extract::<Value>() else {
            return Vec::new();
        };
        let mut unknown = Vec::new();
        let _ = serde_ignored::deserialize(&merged, |path| unknown.push(path.to_string()))
            .map(|_: T| ());
        unknown
    }

    fn describe_fatal(&self, dotted: &str) -> String {
        format!(
            "{} is not a known setting of its section; fix its spelling or remove it",
            self.name_unknown(dotted)
        )
    }

    fn describe_warning(&self, dotted: &str) -> String {
        format!(
            "{} is not a known setting and was ignored",
            self.name_unknown(dotted)
        )
    }

    /// Names the environment variables behind an unknown key (a whole unknown section shows
    /// up as its name alone), or the file key when no variable set it.
    fn name_unknown(&self, dotted: &str) -> String {
        let variable = env_variable_for(dotted);
        let section_prefix = format!("{variable}__");
        let mut variables: Vec<String> = if self.use_environment {
            std::env::vars_os()
                .filter_map(|(name, _)| name.into_string().ok())
                .filter(|name| *name == variable || name.starts_with(&section_prefix))
                .collect()
        } else {
            Vec::new()
        };
        variables.sort();
        match variables.as_slice() {
            [] => format!("configuration key {dotted}"),
            [variable] => format!("environment variable {variable}"),
            _ => format!("environment variables {}", variables.join(", ")),
        }
    }
}

/// Unknown keys sorted by the policy of [`Loaded`].
struct UnknownKeys {
    /// Inside a section the service reads.
    fatal: Vec<String>,
    /// Top-level names that are no section.
    warned: Vec<String>,
}

impl UnknownKeys {
    /// `ignored` are the dotted paths a settings type whose fields are sections did not read:
    /// a path below the top level lies inside a section it reads (an unread section is
    /// reported whole, by its name alone).
    fn sort(ignored: Vec<String>, known_sections: &[&str]) -> Self {
        let mut sorted = Self {
            fatal: Vec::new(),
            warned: Vec::new(),
        };
        for path in ignored {
            if path.contains('.') {
                sorted.fatal.push(path);
            } else if !known_sections.contains(&path.as_str()) {
                sorted.warned.push(path);
            }
        }
        sorted
    }
}

/// `server.http_addr` → `NEXUS_SERVER__HTTP_ADDR`.
fn env_variable_for(dotted: &str) -> String {
    format!("{ENV_PREFIX}{}", dotted.replace('.', "__").to_uppercase())
}

/// Turns figment's error into one sentence per problem that names the variable to fix.
fn describe_parse_error(error: figment::Error) -> ConfigError {
    let sentences: Vec<String> = error
        .into_iter()
        .map(|error| {
            let from_environment = error
                .metadata
                .as_ref()
                .is_some_and(|metadata| metadata.name.contains("environment"));
            if from_environment && !error.path.is_empty() {
                let variable = env_variable_for(&error.path.join("."));
                format!("{} (set by environment variable {variable})", error.kind)
            } else {
                error.to_string()
            }
        })
        .collect();
    ConfigError::Parse {
        message: sentences.join("; "),
    }
}

#[cfg(test)]
mod tests {
    // figment's test jail returns its own large error type; boxing it would only add noise.
    #![allow(clippy::result_large_err)]

    use super::*;
    use crate::sections::{DatabaseSettings, ServerSettings};
    use figment::Jail;
    use secrecy::ExposeSecret;
    use serde::Deserialize;

    /// Runs `test` in figment's jail with no environment variables: the suite runs with
    /// `NEXUS_*` variables of its own.
    fn in_clean_environment(test: impl FnOnce(&mut Jail) -> figment::error::Result<()>) {
        Jail::expect_with(|jail| {
            jail.clear_env();
            test(jail)
        });
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct TestSettings {
        server: ServerSettings,
        database: DatabaseSettings,
    }

    impl Validate for TestSettings {
        fn validate(&self, problems: &mut Vec<String>) {
            self.server.validate(problems);
            self.database.validate(problems);
        }
    }

    #[test]
    fn environment_wins_over_file_which_wins_over_code_defaults() {
        in_clean_environment(|jail| {
            jail.create_file(
                "nexus.toml",
                "[server]\nhttp_addr = \"127.0.0.1:7000\"\nworkers = 3\n",
            )?;
            jail.set_env("NEXUS_SERVER__WORKERS", "5");
            let loaded: Loaded<TestSettings> = ConfigSource::from_environment()
                .with_file("nexus.toml")
                .with_default("server.http_addr", "127.0.0.1:8083")
                .with_default("server.admin_addr", "127.0.0.1:9093")
                .load()
                .unwrap();
            assert_eq!(
                loaded.settings.server.http_addr.port(),
                7000,
                "file beats code default"
            );
            assert_eq!(
                loaded.settings.server.admin_addr.port(),
                9093,
                "code default kept"
            );
            assert_eq!(loaded.settings.server.workers, 5, "environment beats file");
            assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
            Ok(())
        });
    }

    #[test]
    fn durations_and_secrets_parse_from_the_environment() {
        in_clean_environment(|jail| {
            jail.set_env("NEXUS_SERVER__SHUTDOWN_TIMEOUT", "2s 500ms");
            jail.set_env("NEXUS_DATABASE__URL", "postgres://app:pw@db:5432/nexus");
            let loaded: Loaded<TestSettings> = ConfigSource::from_environment().load().unwrap();
            assert_eq!(loaded.settings.server.shutdown_timeout.as_millis(), 2500);
            assert_eq!(
                loaded.settings.database.url.expose_secret(),
                "postgres://app:pw@db:5432/nexus"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_top_level_variables_are_warned_by_name() {
        in_clean_environment(|jail| {
            jail.set_env("NEXUS_DATABSE__URL", "postgres://x@y/z");
            jail.set_env("NEXUS_ROOT", "/srv/nexus");
            let loaded: Loaded<TestSettings> = ConfigSource::from_environment().load().unwrap();
            let mut warnings = loaded.warnings;
            warnings.sort();
            assert_eq!(warnings.len(), 2, "{warnings:?}");
            assert!(warnings[0].contains("NEXUS_DATABSE__URL"), "{warnings:?}");
            assert!(warnings[1].contains("NEXUS_ROOT"), "{warnings:?}");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_in_a_section_the_service_reads_is_fatal_and_named() {
        in_clean_environment(|jail| {
            jail.set_env("NEXUS_SERVER__WORKERZ", "3");
            jail.create_file("nexus.toml", "[database]\nmax_conections = 3\n")?;
            let error = ConfigSource::from_environment()
                .with_file("nexus.toml")
                .load::<TestSettings>()
                .unwrap_err();
            assert_eq!(error.code(), "config_invalid");
            let ConfigError::Invalid { mut problems } = error else {
                panic!("expected Invalid")
            };
            problems.sort();
            assert_eq!(problems.len(), 2, "{problems:?}");
            assert!(
                problems[0].contains("configuration key database.max_conections"),
                "{problems:?}"
            );
            assert!(
                problems[1].contains("environment variable NEXUS_SERVER__WORKERZ"),
                "{problems:?}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_wrongly_typed_value_names_its_variable() {
        in_clean_environment(|jail| {
            jail.set_env("NEXUS_SERVER__WORKERS", "many");
            let error = ConfigSource::from_environment()
                .load::<TestSettings>()
                .unwrap_err();
            assert_eq!(error.code(), "config_unreadable");
            assert!(
                error.to_string().contains("NEXUS_SERVER__WORKERS"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn rule_violations_are_all_reported_together() {
        in_clean_environment(|jail| {
            jail.set_env("NEXUS_DATABASE__MAX_CONNECTIONS", "0");
            jail.set_env("NEXUS_SERVER__BODY_LIMIT_BYTES", "0");
            let error = ConfigSource::from_environment()
                .load::<TestSettings>()
                .unwrap_err();
            let ConfigError::Invalid { problems } = error else {
                panic!("expected Invalid")
            };
            assert_eq!(problems.len(), 3, "{problems:?}");
            Ok(())
        });
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct BountySettings {
        reveal_window_blocks: u32,
    }

    impl Validate for BountySettings {
        fn validate(&self, problems: &mut Vec<String>) {
            if self.reveal_window_blocks > 10_000 {
                problems.push("bounty.reveal_window_blocks must be at most 10000".into());
            }
        }
    }

    #[test]
    fn a_service_reads_its_own_section_and_skips_other_services_sections() {
        in_clean_environment(|jail| {
            jail.create_file(
                "nexus.toml",
                "[bounty]\nreveal_window_blocks = 40\n[auth]\nissuer = \"x\"\n",
            )?;
            // One environment file configures every service: another's keys, even ones that
            // service would refuse, are none of this one's business.
            jail.set_env("NEXUS_AUTH__SIGNING_KDI", "k1");
            let loaded: Loaded<(TestSettings, BountySettings)> = ConfigSource::from_environment()
                .with_file("nexus.toml")
                .load_with_section("bounty", &["bounty", "auth"])
                .unwrap();
            assert_eq!(loaded.settings.1.reveal_window_blocks, 40);
            assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_in_the_services_own_section_is_fatal_and_named() {
        in_clean_environment(|jail| {
            jail.set_env("NEXUS_BOUNTY__REVEAL_WINDOW_BLOKS", "3");
            let error = ConfigSource::from_environment()
                .load_with_section::<TestSettings, BountySettings>("bounty", &["bounty", "auth"])
                .unwrap_err();
            assert_eq!(error.code(), "config_invalid");
            assert!(
                error
                    .to_string()
                    .contains("environment variable NEXUS_BOUNTY__REVEAL_WINDOW_BLOKS"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_service_section_is_validated_and_defaults_when_absent() {
        in_clean_environment(|jail| {
            let loaded: Loaded<(TestSettings, BountySettings)> = ConfigSource::from_environment()
                .load_with_section("bounty", &["bounty"])
                .unwrap();
            assert_eq!(loaded.settings.1.reveal_window_blocks, 0);
            jail.set_env("NEXUS_BOUNTY__REVEAL_WINDOW_BLOCKS", "99999");
            let error = ConfigSource::from_environment()
                .load_with_section::<TestSettings, BountySettings>("bounty", &["bounty"])
                .unwrap_err();
            assert_eq!(error.code(), "config_invalid");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error_not_a_silent_default() {
        let error = ConfigSource::defaults_only()
            .with_file("/nonexistent/nexus.toml")
            .load::<TestSettings>();
        assert!(matches!(error, Err(ConfigError::Parse { .. })));
    }
}
