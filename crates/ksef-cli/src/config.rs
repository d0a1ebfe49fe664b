//! Configuration: flags and environment variables (merged by clap), then a named profile from
//! the configuration file, then defaults.
//!
//! The file is TOML, at `--config-file`/`KSEF_CONFIG`, else `$XDG_CONFIG_HOME/ksef/config.toml`, else
//! `~/.config/ksef/config.toml`:
//!
//! ```toml
//! default_profile = "local"
//!
//! [profiles.local]                       # the emulator of `ksef emulator`
//! base_url = "http://127.0.0.1:8080/v2"
//! nip = "5265877635"
//! test_cert = "nip:5265877635"
//!
//! [profiles.test]
//! env = "test"
//! nip = "5265877635"
//! token_file = "~/.config/ksef/test.token"   # a file only you can read
//! ```
//!
//! Secrets never go into the file itself: a KSeF token comes from `KSEF_TOKEN` or a token file,
//! key passwords from `KSEF_KEY_PASSWORD`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;

use crate::error::{CliError, CliResult};

/// A KSeF environment by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvName {
    /// The public TEST environment (test data, self-signed certificates).
    Test,
    /// The DEMO (pre-production) environment.
    Demo,
    /// Production.
    #[value(alias = "production")]
    #[serde(alias = "production")]
    Prod,
}

/// Connection and credential options shared by every command.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// A named profile of the configuration file.
    #[arg(long, global = true, env = "KSEF_PROFILE", help_heading = "Connection")]
    pub profile: Option<String>,
    /// The configuration file (default: ~/.config/ksef/config.toml).
    #[arg(long, global = true, env = "KSEF_CONFIG", help_heading = "Connection")]
    pub config_file: Option<PathBuf>,
    /// The KSeF environment [default: test].
    #[arg(
        long = "env",
        global = true,
        env = "KSEF_ENV",
        value_enum,
        help_heading = "Connection"
    )]
    pub environment: Option<EnvName>,
    /// Another API root instead of --env, e.g. the local emulator http://127.0.0.1:8080/v2.
    #[arg(
        long,
        global = true,
        env = "KSEF_BASE_URL",
        help_heading = "Connection"
    )]
    pub base_url: Option<String>,
    /// Allow a plain http:// --base-url on a host other than this machine (tokens and invoices
    /// then travel unencrypted; only behind a trusted TLS-terminating proxy).
    #[arg(long, global = true, help_heading = "Connection")]
    pub allow_insecure_http: bool,
    /// Do not pace requests to KSeF's published rate limits on this side: only for a server that
    /// does not enforce them (the emulator with limits off); KSeF itself answers 429 beyond them.
    #[arg(
        long,
        global = true,
        env = "KSEF_NO_THROTTLE",
        help_heading = "Connection"
    )]
    pub no_throttle: bool,
    /// The context to work in: a NIP.
    #[arg(long, global = true, env = "KSEF_NIP", help_heading = "Connection")]
    pub nip: Option<String>,
    /// Another kind of context: internal:NIP-NNNNN, nip-vat-ue:NIP-VATUE or peppol:PXXNNNNNN.
    #[arg(long, global = true, env = "KSEF_CONTEXT", help_heading = "Connection")]
    pub context: Option<String>,
    /// A file holding a KSeF token (or set KSEF_TOKEN).
    #[arg(
        long,
        global = true,
        env = "KSEF_TOKEN_FILE",
        help_heading = "Credentials"
    )]
    pub token_file: Option<PathBuf>,
    /// A certificate (PEM or DER; a PEM may hold the key too) for XAdES login.
    #[arg(long, global = true, env = "KSEF_CERT", help_heading = "Credentials")]
    pub cert: Option<PathBuf>,
    /// The certificate's private key (PEM/DER; password in KSEF_KEY_PASSWORD).
    #[arg(long, global = true, env = "KSEF_KEY", help_heading = "Credentials")]
    pub key: Option<PathBuf>,
    /// A PKCS#12 file with certificate and key (password in KSEF_KEY_PASSWORD).
    #[arg(long, global = true, env = "KSEF_PKCS12", help_heading = "Credentials")]
    pub pkcs12: Option<PathBuf>,
    /// TEST only: log in with a freshly generated self-signed certificate for pesel:NNNNNNNNNNN
    /// (a person) or nip:NNNNNNNNNN (a company seal).
    #[arg(
        long,
        global = true,
        env = "KSEF_TEST_CERT",
        help_heading = "Credentials"
    )]
    pub test_cert: Option<String>,
}

/// One profile of the configuration file (every field optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `test`, `demo` or `prod`.
    pub env: Option<EnvName>,
    /// An API root instead of `env`.
    pub base_url: Option<String>,
    /// The context NIP.
    pub nip: Option<String>,
    /// Another kind of context (`internal:…`, `nip-vat-ue:…`, `peppol:…`).
    pub context: Option<String>,
    /// A file holding the KSeF token.
    pub token_file: Option<PathBuf>,
    /// Certificate file.
    pub cert: Option<PathBuf>,
    /// Key file.
    pub key: Option<PathBuf>,
    /// PKCS#12 file.
    pub pkcs12: Option<PathBuf>,
    /// A generated TEST certificate for `pesel:…`/`nip:…`.
    pub test_cert: Option<String>,
}

/// The configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The profile used when none is named.
    pub default_profile: Option<String>,
    /// Named profiles.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Expands a leading `~/`.
pub fn expand(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), home()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// Where the configuration file is looked for when none is given.
pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".config")))
        .map(|d| d.join("ksef").join("config.toml"))
}

impl ConfigFile {
    /// Reads `path`.
    pub fn read(path: &Path) -> CliResult<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text)
            .map_err(|e| CliError::config(format!("{} is not valid: {e}", path.display())))
    }
}

/// Everything a command needs to connect, after merging flags, environment and profile.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The environment (when no base URL is given).
    pub env: Option<EnvName>,
    /// An explicit API root.
    pub base_url: Option<String>,
    /// The context NIP.
    pub nip: Option<String>,
    /// Another kind of context.
    pub context: Option<String>,
    /// Token file.
    pub token_file: Option<PathBuf>,
    /// Certificate file.
    pub cert: Option<PathBuf>,
    /// Key file.
    pub key: Option<PathBuf>,
    /// PKCS#12 file.
    pub pkcs12: Option<PathBuf>,
    /// Generated TEST certificate identity.
    pub test_cert: Option<String>,
    /// The profile in use, if any.
    pub profile: Option<String>,
}

impl Settings {
    /// Merges flags/environment (`args`) over the profile they name (or the default profile).
    pub fn resolve(args: &ConnectionArgs) -> CliResult<Self> {
        let explicit_file = args.config_file.is_some();
        let path = args.config_file.clone().or_else(default_config_path);
        let file = match &path {
            Some(p) if p.exists() => ConfigFile::read(p)?,
            Some(p) if explicit_file => {
                return Err(CliError::config(format!(
                    "the configuration file {} does not exist",
                    p.display()
                )));
            }
            _ => ConfigFile::default(),
        };
        let name = args.profile.clone().or(file.default_profile.clone());
        let profile = match &name {
            Some(n) => file.profiles.get(n).cloned().ok_or_else(|| {
                let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                CliError::config(format!(
                    "no profile {n:?} in {} (profiles: {})",
                    path.as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "the configuration file".into()),
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ))
            })?,
            None => Profile::default(),
        };
        let path_or = |flag: &Option<PathBuf>, prof: &Option<PathBuf>| {
            flag.clone().or_else(|| prof.as_deref().map(expand))
        };
        // An explicit base URL on the command line wins over a profile's environment and v.v.
        let (env, base_url) = match (args.environment, &args.base_url) {
            (None, None) => (profile.env, profile.base_url.clone()),
            (env, url) => (env, url.clone()),
        };
        Ok(Self {
            env,
            base_url,
            nip: args.nip.clone().or(profile.nip),
            context: args.context.clone().or(profile.context),
            token_file: path_or(&args.token_file, &profile.token_file),
            cert: path_or(&args.cert, &profile.cert),
            key: path_or(&args.key, &profile.key),
            pkcs12: path_or(&args.pkcs12, &profile.pkcs12),
            test_cert: args.test_cert.clone().or(profile.test_cert),
            profile: name,
        })
    }
}
