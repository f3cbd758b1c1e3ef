//! One test's world: the local realtime peer (as OpenAI), the companion in front of it, the pages,
//! and a browser with the extension paired to the companion.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::browser::{speech_wav, Browser, Engine, Launch};
use crate::site::Site;
use hark_peer::{CallHandle, Peer, PeerConfig, LOCAL_API_KEY};
use hark_server::config::{ApiKey, ModeChoice, Settings};
use hark_server::Companion;

pub struct Stack {
    pub peer: Peer,
    pub companion: Companion,
    pub site: Site,
    pub browser: Browser,
    _dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start(engine: Engine) -> Result<Stack> {
        Stack::start_with(engine, Launch::default()).await
    }

    /// As [`Stack::start`], with the browser launched as `launch` says (e.g. headful on a display).
    pub async fn start_with(engine: Engine, launch: Launch) -> Result<Stack> {
        let dir = tempfile::tempdir()?;
        let peer = Peer::start(PeerConfig { media_ip: engine.media_ip().parse()?, local_mode: false, ..Default::default() })
            .await
            .context("starting the local realtime peer")?;
        let mut settings = Settings::with_token_file(dir.path().join("pairing-token"));
        settings.port = 0;
        settings.mode = ModeChoice::Openai;
        settings.api_key = Some(ApiKey::new(LOCAL_API_KEY)?);
        settings.upstream_url = peer.base_url();
        let companion = Companion::start(settings).await.context("starting the companion")?;
        let site = Site::start("127.0.0.1").await?;
        let mut browser = Browser::launch_with(engine, Some(&speech_wav()?), launch).await?;
        let url = format!("http://{}", companion.local_addr());
        configure(&mut browser, &url, companion.token().reveal()).await?;
        Ok(Stack { peer, companion, site, browser, _dir: dir })
    }

    pub fn companion_url(&self) -> String {
        format!("http://{}", self.companion.local_addr())
    }

    /// Opens a page and waits until Hark's content script is there to serve it.
    pub async fn open(&mut self, path: &str) -> Result<()> {
        let url = self.site.url(path);
        self.browser.goto(&url).await?;
        Ok(())
    }

    /// Presses the toolbar button and waits for the session: the peer's call with its channel open.
    pub async fn start_hark(&mut self) -> Result<CallHandle> {
        self.browser.press_toolbar_button().await?;
        self.browser.wait_session_tab_settled(Duration::from_secs(10)).await?;
        let call = match self.peer.next_call().await {
            Ok(call) => call,
            Err(e) => {
                let status = self.status().await.unwrap_or_else(|e| json!(format!("no status: {e:#}")));
                bail!("no call reached the peer after the toolbar press ({e}); Hark's status: {status}");
            }
        };
        call.wait_channel_open().await.context("the oai-events channel did not open")?;
        self.wait_state(&["listening", "speaking"], Duration::from_secs(10)).await?;
        Ok(call)
    }

    /// The session host's view of the session (what the overlay and the badge show).
    pub async fn status(&mut self) -> Result<Value> {
        self.browser.hark_status().await
    }

    pub async fn wait_state(&mut self, states: &[&str], timeout: Duration) -> Result<Value> {
        self.browser.wait_hark_state(states, timeout).await
    }

    pub async fn wait_status(&mut self, what: &str, timeout: Duration, cond: impl Fn(&Value) -> bool) -> Result<Value> {
        self.browser.wait_hark_status(what, timeout, cond).await
    }

    pub async fn stop(self) {
        self.browser.quit().await;
        self.companion.shutdown().await;
        self.peer.shutdown().await;
    }
}

/// Pairs the extension with a companion, as a person does on the options page.
pub async fn configure(browser: &mut Browser, url: &str, token: &str) -> Result<()> {
    browser
        .ext_eval(&format!(
            "await (globalThis.browser ?? chrome).storage.local.set({{ companionUrl: {url:?}, pairingToken: {token:?} }}); return true;"
        ))
        .await?;
    Ok(())
}
