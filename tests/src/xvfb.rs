//! A virtual X display for headful browsers, and a person's key presses on it.
//!
//! Keys go through xdotool's XTEST path (no `--window`): the X server delivers them to the focused
//! window as if typed on a keyboard, so the browser's own shortcut handling sees them, not a page.
//! Xvfb listens only on its unix socket (`-nolisten tcp`); /tmp is shared with the test's
//! namespaces, so the display works inside the test's network namespace.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub struct Xvfb {
    child: Child,
    number: u32,
    log: tempfile::NamedTempFile,
}

impl Xvfb {
    /// Starts `Xvfb :N -screen 0 1280x900x24 -nolisten tcp` on the first free display number from
    /// 99 and waits until its socket is there.
    pub fn start() -> Result<Xvfb> {
        for number in 99..160 {
            if lock_path(number).exists() || socket_path(number).exists() {
                continue;
            }
            let log = tempfile::NamedTempFile::new()?;
            let child = Command::new("Xvfb")
                .args([format!(":{number}").as_str(), "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
                .stdin(Stdio::null())
                .stdout(log.reopen()?)
                .stderr(log.reopen()?)
                .spawn()
                .context("starting Xvfb (apt-get install xvfb)")?;
            let mut x = Xvfb { child, number, log };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if socket_path(number).exists() {
                    return Ok(x);
                }
                if let Some(status) = x.child.try_wait()? {
                    // Another server took this number between the check and the start: next one.
                    if lock_path(number).exists() {
                        break;
                    }
                    bail!("Xvfb :{number} exited ({status}): {}", x.log_text());
                }
                if Instant::now() > deadline {
                    bail!("Xvfb :{number} made no socket in 10 s: {}", x.log_text());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        bail!("no free X display number in :99..:159")
    }

    /// The display name for `DISPLAY`, e.g. ":99".
    pub fn display(&self) -> String {
        format!(":{}", self.number)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default().trim().to_string()
    }

    /// Focuses the visible window of `window_class` (e.g. "chromium", "firefox") and presses
    /// `keys` there (xdotool key syntax, e.g. "alt+shift+k"), as a person at the keyboard does.
    /// Returns when the key press began (just before xdotool sends it), once the X server has it.
    pub fn press_keys(&self, window_class: &str, keys: &str) -> Result<Instant> {
        let display = self.display();
        let found = xdotool(&display, &["search", "--sync", "--onlyvisible", "--class", window_class])?;
        // The browser's top-level window is the last one xdotool lists.
        let window = found.lines().last().context("no window")?.trim().to_string();
        // Without a window manager there is no _NET_ACTIVE_WINDOW to activate through: then the
        // window takes the X input focus directly, which is what activating leaves behind.
        if xdotool(&display, &["windowactivate", "--sync", &window]).is_err() {
            xdotool(&display, &["windowfocus", "--sync", &window])?;
        }
        let pressed = Instant::now();
        xdotool(&display, &["key", "--clearmodifiers", keys])?;
        Ok(pressed)
    }
}

impl Drop for Xvfb {
    /// SIGTERM lets Xvfb remove its lock and socket; a server that does not go is killed and its
    /// files are removed here.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(lock_path(self.number));
        let _ = std::fs::remove_file(socket_path(self.number));
    }
}

fn lock_path(number: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/.X{number}-lock"))
}

fn socket_path(number: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/.X11-unix/X{number}"))
}

/// Runs xdotool on `display` with a 20 s limit (`search --sync` waits for ever otherwise).
fn xdotool(display: &str, args: &[&str]) -> Result<String> {
    let out = Command::new("timeout")
        .arg("20")
        .arg("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .output()
        .context("running xdotool (apt-get install xdotool)")?;
    if !out.status.success() {
        bail!("xdotool {} failed ({}): {}", args.join(" "), out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
