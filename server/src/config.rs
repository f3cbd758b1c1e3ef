//! Configuration: command-line flags, then environment variables, then the TOML file
//! (`<user config dir>/hark/companion.toml` or `--config`), then defaults.
//!
//! Flags and their variables are declared together with clap (`#[arg(long, env = ...)]`), so clap
//! already applies "flag over variable"; every setting is an `Option` there and the file and the
//! defaults only fill what is still `None`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use hark_protocol::prices::{price_of, Price};
use hark_protocol::session::{self, SessionSettings};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The Chrome extension ID of Hark, fixed by the `key` in `manifest.json` (a test checks they agree); the
/// key in `manifest.json` pins unpacked builds to the same ID.
pub const HARK_CHROME_EXTENSION_ID: &str = "babkbkfmpijgngjiacnpjjcfnibgbmoo";
/// Firefox gives each installation its own UUID, so its origins are matched by scheme.
pub const FIREFOX_EXTENSION_ORIGINS: &str = "moz-extension://*";

pub const DEFAULT_PORT: u16 = 8813;
pub const DEFAULT_UPSTREAM_URL: &str = "https://api.openai.com";
pub const DEFAULT_MAX_BODY_BYTES: usize = hark_protocol::sdp::MAX_OFFER_BYTES;
pub const DEFAULT_RATE_PER_MINUTE: u32 = 30;
pub const DEFAULT_MAX_CONCURRENT: usize = 8;
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = 20_000;
pub const CONFIG_FILE_NAME: &str = "companion.toml";
pub const TOKEN_FILE_NAME: &str = "pairing-token";
/// The variable holding the OpenAI key (read from the environment only: a key on the command
/// line would be visible to every user in `ps`).
pub const API_KEY_ENV: &str = "OPENAI_API_KEY";

/// The default allowed origins: the Chrome extension's origin and any Firefox extension origin.
pub fn default_allowed_origins() -> Vec<String> {
    vec![format!("chrome-extension://{HARK_CHROME_EXTENSION_ID}"), FIREFOX_EXTENSION_ORIGINS.to_owned()]
}

/// `<user config dir>/hark`, e.g. `~/.config/hark` on Linux.
pub fn default_config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("hark"))
}

/// Which upstream HTTP interface to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpstreamApi {
    /// GA unified interface: `POST /v1/realtime/calls`, multipart `sdp` + `session`.
    Calls,
    /// Older interface: `POST /v1/realtime?model=...` with the raw offer; the extension then
    /// configures the session with a beta-shaped `session.update`.
    Legacy,
}

impl UpstreamApi {
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamApi::Calls => "calls",
            UpstreamApi::Legacy => "legacy",
        }
    }
}

/// `auto` picks OpenAI when a key is configured and the local peer otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModeChoice {
    #[default]
    Auto,
    Openai,
    Local,
}

/// The OpenAI API key. Its `Debug` never shows it and it has no `Display`; [`ApiKey::expose`] is
/// called in exactly one place, when the upstream request's header is built.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Result<Self, ConfigError> {
        let key = key.into().trim().to_owned();
        if key.is_empty() {
            return Err(ConfigError::EmptyKey);
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) || !key.is_ascii() {
            return Err(ConfigError::MalformedKey);
        }
        Ok(ApiKey(key))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error("the config file {path} is not valid: {message}")]
    ParseFile { path: PathBuf, message: String },
    #[error("cannot read the API key file {path}: {source}")]
    ReadKeyFile { path: PathBuf, source: std::io::Error },
    #[error("the API key is empty")]
    EmptyKey,
    #[error("the API key contains spaces, line breaks or non-ASCII characters; check the key file or OPENAI_API_KEY")]
    MalformedKey,
    #[error("--mode openai needs an OpenAI key: set OPENAI_API_KEY or pass --api-key-file")]
    OpenaiWithoutKey,
    #[error("the upstream URL {0:?} is not an http:// or https:// URL")]
    BadUpstreamUrl(String),
    #[error(
        "the allowed origin {0:?} must look like chrome-extension://<id> or moz-extension://* (a '*' may only end it)"
    )]
    BadOrigin(String),
    #[error("{0} must be at least 1")]
    ZeroLimit(&'static str),
    #[error("cannot find the user's config directory (is HOME set?); pass --token-file")]
    NoConfigDir,
    #[error("the config file's price for {model:?}: {problem}")]
    BadPrice { model: String, problem: String },
    #[error("the daily budget {0} is not an amount of USD (a number ≥ 0; 0 starts no sessions)")]
    BadBudget(String),
    #[error(
        "a daily budget needs the price of model {model:?}, which Hark's table does not know: add \
[prices.\"{model}\"] with all six rates (USD per 1M tokens) to companion.toml"
    )]
    BudgetWithoutPrice { model: String },
}

/// Command-line interface of `hark-companion`. Every setting also reads an environment variable;
/// a flag beats its variable, which beats the config file.
#[derive(Debug, Parser, Default)]
#[command(
    name = "hark-companion",
    version,
    about = "Hark's companion: pairs with the extension, holds the OpenAI key and sets up realtime sessions"
)]
pub struct Cli {
    /// TOML config file [default: <user config dir>/hark/companion.toml]
    #[arg(long, env = "HARK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1]
    #[arg(long, env = "HARK_BIND", value_name = "IP")]
    pub bind: Option<IpAddr>,
    /// Port to listen on [default: 8813]
    #[arg(long, env = "HARK_PORT")]
    pub port: Option<u16>,
    /// File holding the OpenAI API key (else OPENAI_API_KEY is used)
    #[arg(long, env = "HARK_API_KEY_FILE", value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// auto: OpenAI when a key is set, else the local peer [default: auto]
    #[arg(long, env = "HARK_MODE", value_enum)]
    pub mode: Option<ModeChoice>,
    /// Base URL of the Realtime API (OpenAI or a compatible gateway) [default: https://api.openai.com]
    #[arg(long, env = "HARK_UPSTREAM_URL", value_name = "URL")]
    pub upstream_url: Option<String>,
    /// calls: POST /v1/realtime/calls (GA); legacy: POST /v1/realtime?model= [default: calls]
    #[arg(long, env = "HARK_UPSTREAM_API", value_enum)]
    pub upstream_api: Option<UpstreamApi>,
    /// Realtime model [default: gpt-realtime]
    #[arg(long, env = "HARK_MODEL")]
    pub model: Option<String>,
    /// Voice of the model [default: marin]
    #[arg(long, env = "HARK_VOICE")]
    pub voice: Option<String>,
    /// Instructions (system prompt) for the model
    #[arg(long, env = "HARK_INSTRUCTIONS", hide_env_values = true)]
    pub instructions: Option<String>,
    /// Transcription model for the person's speech, or "none" [default: gpt-4o-mini-transcribe]
    #[arg(long, env = "HARK_TRANSCRIPTION_MODEL")]
    pub transcription_model: Option<String>,
    /// Extension origin allowed to call the companion (repeatable; a trailing '*' matches any
    /// suffix) [default: chrome-extension://<Hark's ID>, moz-extension://*]
    #[arg(long = "allowed-origin", env = "HARK_ALLOWED_ORIGINS", value_delimiter = ',', value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// Largest accepted offer, in bytes [default: 65536]
    #[arg(long, env = "HARK_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Sessions the pairing token may start per minute [default: 30]
    #[arg(long, env = "HARK_RATE_PER_MINUTE")]
    pub rate_per_minute: Option<u32>,
    /// Session set-ups handled at the same time [default: 8]
    #[arg(long, env = "HARK_MAX_CONCURRENT")]
    pub max_concurrent: Option<usize>,
    /// Upstream connect timeout in milliseconds [default: 5000]
    #[arg(long, env = "HARK_CONNECT_TIMEOUT_MS", value_name = "MS")]
    pub connect_timeout_ms: Option<u64>,
    /// Upstream total timeout in milliseconds [default: 20000]
    #[arg(long, env = "HARK_UPSTREAM_TIMEOUT_MS", value_name = "MS")]
    pub upstream_timeout_ms: Option<u64>,
    /// Local mode: sessions the local peer keeps open at once; more are refused with 429
    /// [default: the local peer's, 64]
    #[arg(long, env = "HARK_LOCAL_MAX_CALLS", value_name = "N")]
    pub local_max_calls: Option<usize>,
    /// Local mode: a session whose WebRTC connection is not up this long after its answer is
    /// ended and its resources freed [default: the local peer's, 30000]
    #[arg(long, env = "HARK_LOCAL_WEBRTC_TIMEOUT_MS", value_name = "MS")]
    pub local_webrtc_timeout_ms: Option<u64>,
    /// USD a day sessions may spend; when spent, the companion ends live sessions and starts no
    /// new ones until the next day (0: none at all) [default: no budget]
    #[arg(long, env = "HARK_DAILY_BUDGET_USD", value_name = "USD")]
    pub daily_budget_usd: Option<f64>,
    /// Pairing token file [default: <user config dir>/hark/pairing-token]
    #[arg(long, env = "HARK_TOKEN_FILE", value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Local mode: the IP address the local peer announces for media [default: 127.0.0.1]
    #[arg(long, env = "HARK_MEDIA_IP", value_name = "IP")]
    pub media_ip: Option<IpAddr>,
    /// Print the effective configuration as JSON (the key shown only as set/unset) and exit
    #[arg(long)]
    pub print_config: bool,
    /// Print the pairing token (creating it if needed) and exit
    #[arg(long)]
    pub print_token: bool,
}

/// `companion.toml`. Every key is optional; unknown keys are an error, so typos are caught.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<IpAddr>,
    pub port: Option<u16>,
    pub api_key_file: Option<PathBuf>,
    pub mode: Option<ModeChoice>,
    pub upstream_url: Option<String>,
    pub upstream_api: Option<UpstreamApi>,
    pub model: Option<String>,
    pub voice: Option<String>,
    pub instructions: Option<String>,
    pub transcription_model: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub token_file: Option<PathBuf>,
    pub media_ip: Option<IpAddr>,
    /// See [`Cli::daily_budget_usd`].
    pub daily_budget_usd: Option<f64>,
    #[serde(default)]
    pub limits: FileLimits,
    /// `[prices."model-name"]` with all six rates (USD per 1M tokens): new or changed prices for
    /// the overlay's cost meter, over `hark_protocol::prices::PRICES`.
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLimits {
    pub max_body_bytes: Option<usize>,
    pub rate_per_minute: Option<u32>,
    pub max_concurrent: Option<usize>,
    pub connect_timeout_ms: Option<u64>,
    pub upstream_timeout_ms: Option<u64>,
    pub local_max_calls: Option<usize>,
    pub local_webrtc_timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    /// Largest accepted request body (the offer).
    pub max_body_bytes: usize,
    /// Session set-ups per minute per pairing token; 0 turns the limit off.
    pub rate_per_minute: u32,
    /// Session set-ups in flight at once.
    pub max_concurrent: usize,
    pub connect_timeout_ms: u64,
    pub upstream_timeout_ms: u64,
    /// Local mode: the local peer's limit on open sessions (`None`: the peer's default,
    /// `hark_peer::DEFAULT_MAX_CALLS`).
    pub local_max_calls: Option<usize>,
    /// Local mode: how long a session may take to connect before the local peer ends it (`None`:
    /// the peer's default, `hark_peer::DEFAULT_CONNECT_TIMEOUT`).
    pub local_webrtc_timeout_ms: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate_per_minute: DEFAULT_RATE_PER_MINUTE,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            upstream_timeout_ms: DEFAULT_UPSTREAM_TIMEOUT_MS,
            local_max_calls: None,
            local_webrtc_timeout_ms: None,
        }
    }
}

impl Limits {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_millis(self.upstream_timeout_ms)
    }
}

/// The companion's effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: IpAddr,
    pub port: u16,
    pub api_key: Option<ApiKey>,
    /// Where the key came from ("OPENAI_API_KEY" or a file path), for the status line.
    pub api_key_source: Option<String>,
    pub mode: ModeChoice,
    pub upstream_url: String,
    pub upstream_api: UpstreamApi,
    pub session: SessionSettings,
    pub allowed_origins: Vec<String>,
    pub limits: Limits,
    pub token_file: PathBuf,
    pub media_ip: IpAddr,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Prices from the config file, over the table (see [`Settings::price`]).
    pub prices: BTreeMap<String, Price>,
    /// USD a day the companion lets sessions spend (`None`: no budget). See [`crate::budget`].
    pub daily_budget_usd: Option<f64>,
}

impl Settings {
    /// Defaults everywhere, the given token file, no key. Handy for tests and embedding.
    pub fn with_token_file(token_file: impl Into<PathBuf>) -> Self {
        Settings {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            api_key: None,
            api_key_source: None,
            mode: ModeChoice::Auto,
            upstream_url: DEFAULT_UPSTREAM_URL.into(),
            upstream_api: UpstreamApi::Calls,
            session: SessionSettings::default(),
            allowed_origins: default_allowed_origins(),
            limits: Limits::default(),
            token_file: token_file.into(),
            media_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            config_file: None,
            prices: BTreeMap::new(),
            daily_budget_usd: None,
        }
    }

    /// Today's spend for the daily budget: a file next to the pairing token.
    pub fn spend_file(&self) -> PathBuf {
        self.token_file.with_file_name(crate::budget::SPEND_FILE_NAME)
    }

    /// The daily budget and the price its spend is counted at (`None`: no budget). A budget
    /// needs a price for the model, or its spend cannot be counted.
    pub fn budget(&self) -> Result<Option<(f64, Price)>, ConfigError> {
        let Some(limit) = self.daily_budget_usd else { return Ok(None) };
        if !limit.is_finite() || limit < 0.0 {
            return Err(ConfigError::BadBudget(limit.to_string()));
        }
        let price =
            self.price().ok_or_else(|| ConfigError::BudgetWithoutPrice { model: self.session.model.clone() })?;
        Ok(Some((limit, price)))
    }

    /// The session model's price: the config file's, else the table's (`None`: unknown).
    pub fn price(&self) -> Option<Price> {
        self.prices.get(self.session.model.trim()).copied().or_else(|| price_of(&self.session.model))
    }

    /// Resolves flags (and, through clap, their variables) over the config file over defaults.
    /// `env` looks up variables clap does not handle (`OPENAI_API_KEY`).
    pub fn resolve(cli: &Cli, env: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let (file, config_file) = load_file(cli.config.as_deref())?;
        let config_dir = default_config_dir();

        // The key: a key file named by flag/variable, then OPENAI_API_KEY, then the file's key file.
        let (api_key, api_key_source) = if let Some(path) = &cli.api_key_file {
            (Some(read_key_file(path)?), Some(path.display().to_string()))
        } else if let Some(k) = env(API_KEY_ENV).filter(|k| !k.trim().is_empty()) {
            (Some(ApiKey::new(k)?), Some(API_KEY_ENV.to_owned()))
        } else if let Some(path) = &file.api_key_file {
            let path = relative_to(config_file.as_deref(), path);
            (Some(read_key_file(&path)?), Some(path.display().to_string()))
        } else {
            (None, None)
        };

        let mode = cli.mode.or(file.mode).unwrap_or_default();
        if mode == ModeChoice::Openai && api_key.is_none() {
            return Err(ConfigError::OpenaiWithoutKey);
        }

        let upstream_url =
            cli.upstream_url.clone().or(file.upstream_url).unwrap_or_else(|| DEFAULT_UPSTREAM_URL.into());
        let upstream_url = normalize_base_url(&upstream_url)?;

        let defaults = SessionSettings::default();
        let transcription = cli.transcription_model.clone().or(file.transcription_model);
        let session = SessionSettings {
            model: cli.model.clone().or(file.model).unwrap_or(defaults.model),
            voice: cli.voice.clone().or(file.voice).unwrap_or(defaults.voice),
            instructions: cli.instructions.clone().or(file.instructions).unwrap_or(defaults.instructions),
            transcription_model: match transcription {
                None => defaults.transcription_model,
                Some(t) if t.trim().is_empty() || t.trim().eq_ignore_ascii_case("none") => None,
                Some(t) => Some(t.trim().to_owned()),
            },
        };

        let allowed_origins = if !cli.allowed_origins.is_empty() {
            cli.allowed_origins.clone()
        } else {
            file.allowed_origins.unwrap_or_else(default_allowed_origins)
        };
        let allowed_origins: Vec<String> =
            allowed_origins.into_iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect();
        for o in &allowed_origins {
            validate_origin_pattern(o)?;
        }

        let d = Limits::default();
        let fl = file.limits;
        let limits = Limits {
            max_body_bytes: cli.max_body_bytes.or(fl.max_body_bytes).unwrap_or(d.max_body_bytes),
            rate_per_minute: cli.rate_per_minute.or(fl.rate_per_minute).unwrap_or(d.rate_per_minute),
            max_concurrent: cli.max_concurrent.or(fl.max_concurrent).unwrap_or(d.max_concurrent),
            connect_timeout_ms: cli.connect_timeout_ms.or(fl.connect_timeout_ms).unwrap_or(d.connect_timeout_ms),
            upstream_timeout_ms: cli.upstream_timeout_ms.or(fl.upstream_timeout_ms).unwrap_or(d.upstream_timeout_ms),
            local_max_calls: cli.local_max_calls.or(fl.local_max_calls).or(d.local_max_calls),
            local_webrtc_timeout_ms: cli
                .local_webrtc_timeout_ms
                .or(fl.local_webrtc_timeout_ms)
                .or(d.local_webrtc_timeout_ms),
        };
        for (name, v) in [
            ("max_body_bytes", limits.max_body_bytes as u64),
            ("max_concurrent", limits.max_concurrent as u64),
            ("connect_timeout_ms", limits.connect_timeout_ms),
            ("upstream_timeout_ms", limits.upstream_timeout_ms),
            ("local_max_calls", limits.local_max_calls.map_or(1, |n| n as u64)),
            ("local_webrtc_timeout_ms", limits.local_webrtc_timeout_ms.unwrap_or(1)),
        ] {
            if v == 0 {
                return Err(ConfigError::ZeroLimit(name));
            }
        }

        for (model, price) in &file.prices {
            price.check().map_err(|problem| ConfigError::BadPrice { model: model.clone(), problem })?;
        }

        let token_file =
            match cli.token_file.clone().or(file.token_file.map(|p| relative_to(config_file.as_deref(), &p))) {
                Some(p) => p,
                None => config_dir.as_ref().ok_or(ConfigError::NoConfigDir)?.join(TOKEN_FILE_NAME),
            };

        Ok(Settings {
            bind: cli.bind.or(file.bind).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port: cli.port.or(file.port).unwrap_or(DEFAULT_PORT),
            api_key,
            api_key_source,
            mode,
            upstream_url,
            upstream_api: cli.upstream_api.or(file.upstream_api).unwrap_or(UpstreamApi::Calls),
            session,
            allowed_origins,
            limits,
            token_file,
            media_ip: cli.media_ip.or(file.media_ip).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            config_file,
            prices: file.prices,
            daily_budget_usd: cli.daily_budget_usd.or(file.daily_budget_usd),
        })
        .and_then(|s| s.budget().map(|_| s))
    }

    /// Whether the companion will use OpenAI (true) or the local peer (false).
    pub fn uses_openai(&self) -> bool {
        match self.mode {
            ModeChoice::Openai => true,
            ModeChoice::Local => false,
            ModeChoice::Auto => self.api_key.is_some(),
        }
    }

    /// The effective configuration as JSON, for `--print-config`. The key appears only as its
    /// source.
    pub fn to_public_json(&self) -> serde_json::Value {
        serde_json::json!({
            "config_file": self.config_file,
            "bind": self.bind,
            "port": self.port,
            "api_key": self.api_key_source.as_ref().map(|s| format!("set (from {s})")),
            "mode": self.mode,
            "upstream_url": self.upstream_url,
            "upstream_api": self.upstream_api,
            "model": self.session.model,
            "voice": self.session.voice,
            "instructions": self.session.instructions,
            "transcription_model": self.session.transcription_model,
            "price": self.price(),
            "daily_budget_usd": self.daily_budget_usd,
            "spend_file": self.daily_budget_usd.map(|_| self.spend_file()),
            "allowed_origins": self.allowed_origins,
            "limits": self.limits,
            "token_file": self.token_file,
            "media_ip": self.media_ip,
        })
    }
}

fn load_file(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>), ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_config_dir() {
            Some(d) => (d.join(CONFIG_FILE_NAME), false),
            None => return Ok((FileConfig::default(), None)),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok((FileConfig::default(), None)),
        Err(source) => return Err(ConfigError::ReadFile { path, source }),
    };
    let file: FileConfig =
        toml::from_str(&text).map_err(|e| ConfigError::ParseFile { path: path.clone(), message: e.to_string() })?;
    Ok((file, Some(path)))
}

/// Paths in the config file are relative to the file's folder.
fn relative_to(config_file: Option<&Path>, p: &Path) -> PathBuf {
    match config_file.and_then(Path::parent) {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    }
}

fn read_key_file(path: &Path) -> Result<ApiKey, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::ReadKeyFile { path: path.into(), source })?;
    ApiKey::new(text)
}

fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| ConfigError::BadUpstreamUrl(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(ConfigError::BadUpstreamUrl(url.into()));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

fn validate_origin_pattern(o: &str) -> Result<(), ConfigError> {
    let ok = (o.starts_with("chrome-extension://") || o.starts_with("moz-extension://"))
        && !o[..o.len() - 1].contains('*')
        && o.len() > o.find("://").map_or(0, |i| i + 3);
    if ok {
        Ok(())
    } else {
        Err(ConfigError::BadOrigin(o.into()))
    }
}

/// Whether `origin` (an `Origin` header value) matches one of the allowed patterns: exact, or a
/// prefix match for patterns ending in `*`.
pub fn origin_allowed(patterns: &[String], origin: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => origin.len() > prefix.len() && origin.starts_with(prefix),
        None => p == origin,
    })
}

/// For the status line: whether the model is one the docs name.
pub fn model_is_known(model: &str) -> bool {
    session::KNOWN_MODELS.contains(&model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_debug_is_redacted() {
        let k = ApiKey::new("sk-secret-123").unwrap();
        assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
        let mut s = Settings::with_token_file("/tmp/x");
        s.api_key = Some(k);
        assert!(!format!("{s:?}").contains("sk-secret-123"));
    }

    #[test]
    fn origin_patterns() {
        let p = default_allowed_origins();
        assert!(origin_allowed(&p, &format!("chrome-extension://{HARK_CHROME_EXTENSION_ID}")));
        assert!(origin_allowed(&p, "moz-extension://0d5b1c8e-9b57-4c3e-8f0c-7b4a1f1f2a11"));
        assert!(!origin_allowed(&p, "moz-extension://"));
        assert!(!origin_allowed(&p, "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(!origin_allowed(&p, "https://evil.example"));
        assert!(!origin_allowed(&p, "null"));
        assert!(validate_origin_pattern("moz-extension://*").is_ok());
        assert!(validate_origin_pattern("*").is_err());
        assert!(validate_origin_pattern("chrome-extension://*abc").is_err());
    }

    #[test]
    fn the_daily_budget_comes_from_flag_over_file_and_must_be_an_amount_with_a_price() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(CONFIG_FILE_NAME);
        let resolve = |toml: &str, flag: Option<f64>| {
            std::fs::write(&file, toml).unwrap();
            let cli = Cli {
                config: Some(file.clone()),
                token_file: Some(dir.path().join(TOKEN_FILE_NAME)),
                daily_budget_usd: flag,
                ..Default::default()
            };
            Settings::resolve(&cli, |_| None)
        };
        let s = resolve("daily_budget_usd = 2.5", None).unwrap();
        assert_eq!(s.daily_budget_usd, Some(2.5));
        assert_eq!(s.spend_file(), dir.path().join(crate::budget::SPEND_FILE_NAME));
        assert_eq!(resolve("daily_budget_usd = 2.5", Some(0.0)).unwrap().daily_budget_usd, Some(0.0));
        assert_eq!(resolve("", None).unwrap().daily_budget_usd, None);
        assert!(matches!(resolve("daily_budget_usd = -1.0", None), Err(ConfigError::BadBudget(_))));
        assert!(matches!(resolve("daily_budget_usd = nan", None), Err(ConfigError::BadBudget(_))));
        assert!(matches!(resolve("daily_budget_usd = \"ten\"", None), Err(ConfigError::ParseFile { .. })));
        // A model without a price cannot have a budget, unless the file gives its price.
        let e = resolve("model = \"gpt-realtime-next\"\ndaily_budget_usd = 1.0", None).unwrap_err();
        assert!(e.to_string().contains("[prices.\"gpt-realtime-next\"]"), "{e}");
        let priced = "model = \"gpt-realtime-next\"\ndaily_budget_usd = 1.0\n[prices.\"gpt-realtime-next\"]\n\
text_in = 1.0\ntext_in_cached = 0.1\ntext_out = 2.0\naudio_in = 3.0\naudio_in_cached = 0.3\naudio_out = 4.0\n";
        assert!(resolve(priced, None).is_ok());
        // A malformed price is refused whether or not there is a budget.
        let broken = priced.replace("audio_out = 4.0", "audio_out = -4.0");
        assert!(matches!(resolve(&broken, None), Err(ConfigError::BadPrice { .. })));
    }

    #[test]
    fn base_url_is_normalized() {
        assert_eq!(normalize_base_url("https://api.openai.com/").unwrap(), "https://api.openai.com");
        assert_eq!(normalize_base_url("http://127.0.0.1:9000/proxy/").unwrap(), "http://127.0.0.1:9000/proxy");
        assert!(normalize_base_url("ftp://x").is_err());
        assert!(normalize_base_url("not a url").is_err());
    }
}
