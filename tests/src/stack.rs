//! One test's world: the local realtime peer (as OpenAI), the companion in front of it, the pages,
//! and a browser with the extension paired to the companion.

use std::net::SocketAddr;
use std::ops::Deref;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::browser::{speech_wav, Browser, Engine, Launch};
use crate::site::Site;
use hark_peer::{CallHandle, Peer, PeerConfig, LOCAL_API_KEY};
use hark_server::config::{ApiKey, ModeChoice, Settings};
use hark_server::Companion;

/// The generated page of issue 11 (`tests/pages/big-table.html`, built by its own script):
/// [`GENERATED_ROWS`] rows, each with a link and a button.
pub const GENERATED_PAGE: &str = "/t/big-table.html";
pub const GENERATED_ROWS: u64 = 30_000;

pub struct Stack {
    pub peer: Peer,
    pub companion: CompanionSlot,
    pub site: Site,
    pub browser: Browser,
    /// What the companion was started with (its port fixed once bound), to start it again.
    companion_settings: Settings,
    companion_addr: SocketAddr,
    _dir: tempfile::TempDir,
}

/// The stack's companion, which a test may kill and start again ([`Stack::kill_companion`]).
/// Reads as the running [`Companion`].
pub struct CompanionSlot(Option<Companion>);

impl Deref for CompanionSlot {
    type Target = Companion;
    fn deref(&self) -> &Companion {
        self.0.as_ref().expect("the companion is down (Stack::kill_companion)")
    }
}

impl Stack {
    pub async fn start(engine: Engine) -> Result<Stack> {
        Stack::start_with(engine, Launch::default()).await
    }

    /// As [`Stack::start`], with the browser launched as `launch` says (e.g. headful on a display).
    pub async fn start_with(engine: Engine, launch: Launch) -> Result<Stack> {
        Stack::start_tweaked(engine, launch, |_| (), |_| ()).await
    }

    /// As [`Stack::start_with`], with the peer's and the companion's settings changed first (e.g. a
    /// short upstream timeout, a short peer connect timeout).
    pub async fn start_tweaked(
        engine: Engine,
        launch: Launch,
        peer_tweak: impl FnOnce(&mut PeerConfig),
        companion_tweak: impl FnOnce(&mut Settings),
    ) -> Result<Stack> {
        let dir = tempfile::tempdir()?;
        let mut peer_config =
            PeerConfig { media_ip: engine.media_ip().parse()?, local_mode: false, ..Default::default() };
        peer_tweak(&mut peer_config);
        let peer = Peer::start(peer_config).await.context("starting the local realtime peer")?;
        let mut settings = Settings::with_token_file(dir.path().join("pairing-token"));
        settings.port = 0;
        settings.mode = ModeChoice::Openai;
        settings.api_key = Some(ApiKey::new(LOCAL_API_KEY)?);
        settings.upstream_url = peer.base_url();
        companion_tweak(&mut settings);
        let companion = Companion::start(settings.clone()).await.context("starting the companion")?;
        let companion_addr = companion.local_addr();
        settings.port = companion_addr.port();
        let site = Site::start("127.0.0.1").await?;
        let mut browser = Browser::launch_with(engine, Some(&speech_wav()?), launch).await?;
        let url = format!("http://{companion_addr}");
        configure(&mut browser, &url, companion.token().reveal()).await?;
        Ok(Stack {
            peer,
            companion: CompanionSlot(Some(companion)),
            site,
            browser,
            companion_settings: settings,
            companion_addr,
            _dir: dir,
        })
    }

    pub fn companion_url(&self) -> String {
        format!("http://{}", self.companion_addr)
    }

    /// Stops the companion (as its process ending would): nothing listens at its address until
    /// [`Stack::restart_companion`].
    pub async fn kill_companion(&mut self) -> Result<()> {
        let companion = self.companion.0.take().context("the companion is already down")?;
        companion.shutdown().await;
        Ok(())
    }

    /// Starts the companion again, on the same address with the same settings and pairing token.
    pub async fn restart_companion(&mut self) -> Result<()> {
        if self.companion.0.is_some() {
            bail!("the companion is running");
        }
        let companion =
            Companion::start(self.companion_settings.clone()).await.context("starting the companion again")?;
        self.companion.0 = Some(companion);
        Ok(())
    }

    /// Opens a page and waits until Hark's content script is there to serve it.
    pub async fn open(&mut self, path: &str) -> Result<()> {
        let url = self.site.url(path);
        self.browser.goto(&url).await?;
        Ok(())
    }

    /// Opens a page and waits until it has finished loading (`document.readyState` complete, at
    /// most 20 s), then `settle` more for what it does on load: the benchmarks measure a page at rest.
    pub async fn open_loaded(&mut self, path: &str, settle: Duration) -> Result<()> {
        self.open(path).await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.browser.eval("return document.readyState").await? != json!("complete") {
            if std::time::Instant::now() > deadline {
                bail!("the page did not finish loading");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(settle).await;
        Ok(())
    }

    /// Opens [`GENERATED_PAGE`] (loaded, then `settle`) and checks that its script built every row.
    pub async fn open_generated_page(&mut self, settle: Duration) -> Result<()> {
        self.open_loaded(GENERATED_PAGE, settle).await?;
        let rows = self.browser.eval("return +document.body.dataset.rows").await?;
        if rows != json!(GENERATED_ROWS) {
            bail!("{GENERATED_PAGE} did not build its {GENERATED_ROWS} rows: {rows}");
        }
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
        if let Some(companion) = self.companion.0 {
            companion.shutdown().await;
        }
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

/// The companion in local mode (no OpenAI key: its own realtime peer answers, and typed commands
/// act on the page through the peer's grammar), the pages, and a browser launched as `launch`
/// says, showing `page`. `pair`: the extension has the companion's address and token, as after
/// the first-run checklist; without it, only the harness's own extension page is open.
pub struct LocalStack {
    pub companion: Companion,
    pub site: Site,
    pub browser: Browser,
    _dir: tempfile::TempDir,
}

impl LocalStack {
    pub async fn start(engine: Engine, launch: Launch, page: &str, pair: bool) -> Result<LocalStack> {
        let dir = tempfile::tempdir()?;
        let mut settings = Settings::with_token_file(dir.path().join("pairing-token"));
        settings.port = 0;
        settings.media_ip = engine.media_ip().parse()?;
        let companion = Companion::start(settings).await.context("starting the companion in local mode")?;
        let site = Site::start("127.0.0.1").await?;
        let browser = Browser::launch_with(engine, Some(&speech_wav()?), launch).await?;
        let mut local = LocalStack { companion, site, browser, _dir: dir };
        if pair {
            let (url, token) = (local.companion_url(), local.companion.token().reveal().to_string());
            configure(&mut local.browser, &url, &token).await?;
        } else {
            // The harness's own extension page exists before anything else opens.
            local.browser.ext_eval("return true;").await?;
        }
        local.browser.goto(&local.site.url(page)).await?;
        Ok(local)
    }

    pub fn companion_url(&self) -> String {
        format!("http://{}", self.companion.local_addr())
    }

    pub async fn stop(self) {
        self.browser.quit().await;
        self.companion.shutdown().await;
    }
}

impl Browser {
    /// Types "make the background dark blue" as a person types it in the overlay, and waits until
    /// the served SB Admin 2 page shows it (local mode: the peer's grammar calls the tool).
    pub async fn typed_command_changes_the_page(&mut self) -> Result<()> {
        self.ext_eval("return await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'hark.text', text: 'make the background dark blue' });").await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let bg = self
                .eval("return getComputedStyle(document.querySelector('#content-wrapper')).backgroundColor")
                .await?;
            if bg == json!("rgb(0, 0, 139)") {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                bail!("the typed command did not change the page: {bg}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
}
