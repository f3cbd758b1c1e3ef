//! The pairing token: a random secret shared with the extension, generated on first start and
//! kept in a file only the user can read (mode 0600, folder 0700).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use subtle::ConstantTimeEq;
use thiserror::Error;

/// Random bytes in a new token (256 bits).
pub const TOKEN_BYTES: usize = 32;
/// Prefix that makes the token recognisable in the extension's options and in files.
pub const TOKEN_PREFIX: &str = "hark_";
/// Tokens shorter than this (after the prefix) are refused: at least 128 bits in URL-safe base64.
const MIN_TOKEN_CHARS: usize = 22;

#[derive(Clone)]
pub struct PairingToken(String);

impl fmt::Debug for PairingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PairingToken(<redacted>)")
    }
}

impl PairingToken {
    pub fn generate() -> Result<Self, TokenError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
        Ok(PairingToken(format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))))
    }

    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let t = text.trim();
        let body = t.strip_prefix(TOKEN_PREFIX).unwrap_or(t);
        if body.len() < MIN_TOKEN_CHARS || !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(TokenError::Malformed);
        }
        Ok(PairingToken(t.to_owned()))
    }

    /// The secret itself, for printing it to the person who runs the companion.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with what a client presented.
    pub fn matches(&self, presented: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(presented).into()
    }
}

#[derive(Debug, Error)]
pub enum TokenError {
    #[error("cannot read the pairing token file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot create the pairing token file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the pairing token file does not hold a valid token (URL-safe characters, at least 128 bits); delete it to make a new one")]
    Malformed,
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// The token and whether it was just created (then it is shown to the person).
#[derive(Debug)]
pub struct LoadedToken {
    pub token: PairingToken,
    pub created: bool,
    pub path: PathBuf,
}

/// Reads the token file, or creates it (0600, in a 0700 folder) with a new token. A token file
/// others can read is tightened to 0600 with a warning.
pub fn load_or_create(path: &Path) -> Result<LoadedToken, TokenError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let token = PairingToken::parse(&text)?;
            tighten_permissions(path);
            Ok(LoadedToken { token, created: false, path: path.to_path_buf() })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = PairingToken::generate()?;
            write_new(path, &token)?;
            Ok(LoadedToken { token, created: true, path: path.to_path_buf() })
        }
        Err(source) => Err(TokenError::Read { path: path.into(), source }),
    }
}

fn write_new(path: &Path, token: &PairingToken) -> Result<(), TokenError> {
    let err = |source| TokenError::Write { path: path.into(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir).map_err(err)?;
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(err)?;
    f.write_all(format!("{}\n", token.reveal()).as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    Ok(())
}

#[cfg(unix)]
fn tighten_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "the pairing token file was readable by others; setting it to 0600");
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
}

#[cfg(not(unix))]
fn tighten_permissions(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = PairingToken::generate().unwrap();
        let b = PairingToken::generate().unwrap();
        assert_ne!(a.reveal(), b.reveal());
        assert!(a.reveal().len() >= TOKEN_PREFIX.len() + 43);
        assert!(PairingToken::parse(a.reveal()).is_ok());
        assert!(a.matches(a.reveal().as_bytes()));
        assert!(!a.matches(b.reveal().as_bytes()));
        assert!(!a.matches(&a.reveal().as_bytes()[..10]));
        assert!(!format!("{a:?}").contains(a.reveal()));
    }

    #[test]
    fn short_or_odd_tokens_are_refused() {
        assert!(PairingToken::parse("hark_short").is_err());
        assert!(PairingToken::parse("hark_aaaaaaaaaaaaaaaaaaaaaaaa aaaa").is_err());
    }
}
