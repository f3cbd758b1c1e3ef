//! Real headless Chromium and Firefox with the built extension loaded, driven over WebDriver.
//!
//! Starting Hark the way a person does: Firefox's toolbar button is pressed for real through the
//! browser's own `triggerAction` (Marionette chrome context); Chromium's toolbar cannot be clicked
//! headless, so an extension page sends the same toggle the toolbar handler runs.
//!
//! The microphone is never granted by a browser flag: the fake *device* is a flag, but the
//! permission is the person's decision, stored where the browser stores it (see [`Microphone`]).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use fantoccini::wd::{WebDriverCompatibleCommand, WindowHandle};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::pixels::Image;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
}

impl Engine {
    /// A benchmark's `--engine chromium|firefox|both` (`None`: the flag came without a value).
    pub fn choice(arg: Option<&str>) -> anyhow::Result<Vec<Engine>> {
        match arg {
            Some("chromium") => Ok(vec![Engine::Chromium]),
            Some("firefox") => Ok(vec![Engine::Firefox]),
            Some("both") => Ok(vec![Engine::Chromium, Engine::Firefox]),
            _ => anyhow::bail!("--engine chromium|firefox|both"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }
    /// The address WebRTC media can use in the test namespace for this browser.
    pub fn media_ip(self) -> &'static str {
        match self {
            Engine::Chromium => "127.0.0.1",
            Engine::Firefox => crate::netns::VETH_PEER_IP,
        }
    }
}

/// Firefox's moz-extension UUID is random per profile; the test profile pins it.
const FIREFOX_EXTENSION_UUID: &str = "5e3c9a41-7f2b-4d6e-8a1c-2b9d0e4f6a73";
pub const WINDOW: (u32, u32) = (1280, 900);

pub struct Browser {
    pub engine: Engine,
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    ext_base: String,
    page: WindowHandle,
    ext_page: Option<WindowHandle>,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A built package's manifest: `extension_dir()` (Chromium) or `dist/firefox`.
fn manifest(dir: PathBuf) -> Result<Value> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("{} (run scripts/build.sh)", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// Chromium derives an unpacked extension's ID from the manifest's `key`: the first 128 bits of
/// sha256(public key DER), written with the letters a-p.
pub fn chromium_extension_id() -> Result<String> {
    use base64::Engine as _;
    let key = manifest(crate::extension_dir())?["key"]
        .as_str()
        .ok_or_else(|| anyhow!("manifest.json has no 'key'"))?
        .to_string();
    let der = base64::engine::general_purpose::STANDARD.decode(key)?;
    let digest = Sha256::digest(&der);
    Ok(digest[..16].iter().flat_map(|b| [b >> 4, b & 0xf]).map(|n| (b'a' + n) as char).collect())
}

fn gecko_id() -> Result<String> {
    manifest(crate::repo_root().join("dist/firefox"))?["browser_specific_settings"]["gecko"]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("manifest.json has no browser_specific_settings.gecko.id"))
}

/// A driver-specific WebDriver command: `moz/...` (geckodriver) or `goog/cdp/execute` (chromedriver).
#[derive(Debug)]
struct RawCommand {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for RawCommand {
    fn endpoint(&self, base: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// The person's decision about Hark's microphone, as the browser stores it for Hark's extension
/// origin (what a person's answer to the browser's question leaves behind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Microphone {
    /// Never asked: the browser has nothing stored.
    NeverAsked,
    /// Allowed and remembered: Chromium's "Allow while visiting the site" (a persistent allow for
    /// the origin, set over CDP `Browser.setPermission`); Firefox's "Remember this decision" (an
    /// ALLOW for the origin in the permission manager, as its prompt stores it).
    Allowed,
    /// Blocked and remembered.
    Blocked,
}

/// When Hark's executor was ready in a document (see [`Browser::hark_in_page`]).
#[derive(Debug, Clone, Copy)]
pub struct ExecutorReady {
    /// ms from the navigation's start to the executor being wired up.
    pub ready_ms: f64,
    /// ms from the navigation's start to the end of the document's DOMContentLoaded handlers.
    pub dom_content_loaded_ms: f64,
}

/// How a test's browser starts.
#[derive(Debug, Clone)]
pub struct Launch {
    pub microphone: Microphone,
    /// A (fake) microphone device exists.
    pub device: bool,
    /// Headful on this X display (e.g. ":99", see [`crate::xvfb`]); `None`: headless.
    pub display: Option<String>,
    /// Hark installed (the default); `false`: the same browser without it (benchmarks compare).
    pub extension: bool,
}

impl Default for Launch {
    fn default() -> Self {
        Launch { microphone: Microphone::Allowed, device: true, display: None, extension: true }
    }
}

impl Browser {
    /// Launches the browser with the extension loaded, a fake microphone device fed from
    /// `speech_wav` (Chromium plays the file; Firefox's fake device plays a tone) and the
    /// microphone allowed for Hark as a person who said "allow, remember" would have it.
    pub async fn launch(engine: Engine, speech_wav: Option<&Path>) -> Result<Browser> {
        Browser::launch_with(engine, speech_wav, Launch::default()).await
    }

    pub async fn launch_with(engine: Engine, speech_wav: Option<&Path>, opts: Launch) -> Result<Browser> {
        let ext_dir = crate::extension_dir();
        if !ext_dir.join("manifest.json").exists() {
            bail!("{} is missing: run scripts/build.sh first", ext_dir.display());
        }
        let profile = tempfile::tempdir()?;
        let port = free_port()?;
        let log = std::fs::File::create(profile.path().join("driver.log"))?;
        let (driver, caps, ext_base) = match engine {
            Engine::Chromium => {
                let driver = Command::new("chromedriver")
                    .arg(format!("--port={port}"))
                    .envs(opts.display.as_deref().map(|d| ("DISPLAY", d)))
                    .process_group(0)
                    .stdout(log.try_clone()?)
                    .stderr(log)
                    .spawn()
                    .context("starting chromedriver (apt-get install chromium-driver)")?;
                let mut args = vec![
                    "--headless".to_string(),
                    "--no-sandbox".into(),
                    "--disable-gpu".into(),
                    "--disable-quic".into(),
                    "--no-first-run".into(),
                    "--disable-background-networking".into(),
                    "--disable-component-update".into(),
                    "--disable-sync".into(),
                    "--allow-loopback-in-peer-connection".into(),
                    "--autoplay-policy=no-user-gesture-required".into(),
                    "--force-device-scale-factor=1".into(),
                    format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                    format!("--user-data-dir={}", profile.path().join("chromium").display()),
                ];
                if opts.extension {
                    args.push(format!("--disable-extensions-except={}", ext_dir.display()));
                    args.push(format!("--load-extension={}", ext_dir.display()));
                }
                if opts.display.is_some() {
                    args.retain(|a| a != "--headless");
                    args.push("--ozone-platform=x11".into());
                }
                if opts.device {
                    args.push("--use-fake-device-for-media-stream".into());
                    if let Some(wav) = speech_wav {
                        args.push(format!("--use-file-for-fake-audio-capture={}", wav.display()));
                    }
                }
                // Developer mode is on, as for anyone who loaded Hark unpacked: without it a reload
                // (`runtime.reload()`, or "Reload" on chrome://extensions) leaves an unpacked
                // extension disabled ("unsupported developer extension").
                let caps = json!({ "browserName": "chrome", "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium", "args": args, "excludeSwitches": ["disable-extensions"],
                    "prefs": { "extensions": { "ui": { "developer_mode": true } } } } });
                (driver, caps, format!("chrome-extension://{}", chromium_extension_id()?))
            }
            Engine::Firefox => {
                let driver = Command::new("geckodriver")
                    .args(["--port", &port.to_string(), "--allow-system-access"])
                    .process_group(0)
                    // Lets the test press the real toolbar button through the browser's chrome.
                    .env("MOZ_REMOTE_ALLOW_SYSTEM_ACCESS", "1")
                    // Headless or not is the `-headless` argument's alone.
                    .env_remove("MOZ_HEADLESS")
                    .envs(opts.display.as_deref().map(|d| ("DISPLAY", d)))
                    .stdout(log.try_clone()?)
                    .stderr(log)
                    .spawn()
                    .context("starting geckodriver (cargo install geckodriver)")?;
                let uuids = json!({ gecko_id()?: FIREFOX_EXTENSION_UUID }).to_string();
                let headless = if opts.display.is_some() { None } else { Some("-headless") };
                let caps = json!({ "browserName": "firefox", "moz:firefoxOptions": {
                    "binary": "/usr/bin/firefox-esr",
                    "args": headless.into_iter().map(String::from).chain([format!("-width={}", WINDOW.0), format!("-height={}", WINDOW.1)]).collect::<Vec<_>>(),
                    "prefs": {
                        "extensions.webextensions.uuids": uuids,
                        "extensions.originControls.grantByDefault": true,
                        "media.navigator.streams.fake": opts.device,
                        "media.autoplay.default": 0,
                        "media.autoplay.blocking_policy": 0,
                        "media.peerconnection.ice.obfuscate_host_addresses": false,
                        "layout.css.devPixelsPerPx": "1.0",
                        "browser.shell.checkDefaultBrowser": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        "app.update.disabledForTesting": true,
                        "network.captive-portal-service.enabled": false
                    } } });
                (driver, caps, format!("moz-extension://{FIREFOX_EXTENSION_UUID}"))
            }
        };
        let client = connect(port, caps).await?;
        let page = client.window().await?;
        let mut browser = Browser { engine, client, driver, _profile: profile, ext_base, page, ext_page: None };
        if !opts.extension {
            return Ok(browser);
        }
        if engine == Engine::Firefox {
            use base64::Engine as _;
            let zip =
                std::fs::read(crate::repo_root().join("dist/hark-firefox.zip")).context("dist/hark-firefox.zip")?;
            let addon = base64::engine::general_purpose::STANDARD.encode(zip);
            browser
                .client
                .issue_cmd(RawCommand { path: "moz/addon/install", body: json!({ "addon": addon, "temporary": true }) })
                .await
                .context("installing the extension in Firefox")?;
        }
        browser.set_microphone(opts.microphone).await?;
        Ok(browser)
    }

    /// Stores the person's decision about Hark's microphone where the browser keeps it.
    pub async fn set_microphone(&mut self, decision: Microphone) -> Result<()> {
        match self.engine {
            Engine::Chromium => {
                let setting = match decision {
                    Microphone::NeverAsked => "prompt",
                    Microphone::Allowed => "granted",
                    Microphone::Blocked => "denied",
                };
                self.client
                    .issue_cmd(RawCommand {
                        path: "goog/cdp/execute",
                        body: json!({ "cmd": "Browser.setPermission", "params": {
                            "permission": { "name": "microphone" }, "setting": setting, "origin": self.ext_base } }),
                    })
                    .await
                    .context("storing the microphone decision (CDP Browser.setPermission)")?;
            }
            Engine::Firefox => {
                let action = match decision {
                    Microphone::NeverAsked => "REMOVE",
                    Microphone::Allowed => "ALLOW_ACTION",
                    Microphone::Blocked => "DENY_ACTION",
                };
                self.chrome_eval(&format!(
                    "const p = Services.scriptSecurityManager.createContentPrincipalFromOrigin({origin:?});
                     if ({action:?} === 'REMOVE') Services.perms.removeFromPrincipal(p, 'microphone');
                     else Services.perms.addFromPrincipal(p, 'microphone', Services.perms[{action:?}]);
                     return true;",
                    origin = self.ext_base
                ))
                .await
                .context("storing the microphone decision (Firefox permission manager)")?;
            }
        }
        Ok(())
    }

    /// Answers the browser's own microphone question on Hark's page, as a person clicks it.
    /// Firefox: its doorhanger, with or without "Remember this decision". Headless Chromium shows
    /// no question (it turns the request down at once, leaving nothing stored), so the person's
    /// answer is what their click would store: allow (remembered) or block.
    pub async fn answer_microphone_question(&mut self, allow: bool, remember: bool) -> Result<()> {
        match self.engine {
            Engine::Chromium => {
                self.set_microphone(if allow { Microphone::Allowed } else { Microphone::Blocked }).await
            }
            Engine::Firefox => {
                let deadline = Instant::now() + Duration::from_secs(10);
                loop {
                    let answered = self
                        .chrome_eval(&format!(
                            "const win = Services.wm.getMostRecentWindow('navigator:browser');
                             for (const tab of win.gBrowser.tabs) {{
                               const n = win.PopupNotifications.getNotification('webRTC-shareDevices', tab.linkedBrowser);
                               if (!n) continue;
                               // The doorhanger shows for the selected tab only: select it, ask again.
                               if (win.gBrowser.selectedTab !== tab) {{ win.gBrowser.selectedTab = tab; return 'selected'; }}
                               const el = win.PopupNotifications.panel.querySelector('popupnotification');
                               if (!el || !el.checkbox) return 'not shown yet';
                               el.checkbox.checked = {remember};
                               ({allow} ? el.button : el.secondaryButton).click();
                               return 'answered';
                             }}
                             return 'none';"
                        ))
                        .await?;
                    if answered == json!("answered") {
                        break;
                    }
                    if Instant::now() > deadline {
                        bail!("Firefox asked no microphone question ({answered})");
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                // What the answer stored: an allow that is remembered, or nothing lasting.
                let stored = self
                    .chrome_eval(&format!(
                        "const p = Services.scriptSecurityManager.createContentPrincipalFromOrigin({origin:?});
                         return Services.perms.testExactPermissionFromPrincipal(p, 'microphone');",
                        origin = self.ext_base
                    ))
                    .await?;
                let allowed = stored == json!(1);
                ensure!(
                    allowed == (allow && remember),
                    "Firefox stored microphone permission {stored} after allow={allow}, remember={remember}"
                );
                Ok(())
            }
        }
    }

    pub fn extension_url(&self, path: &str) -> String {
        format!("{}/{}", self.ext_base, path.trim_start_matches('/'))
    }

    /// Opens `url` in the test's page tab.
    pub async fn goto(&mut self, url: &str) -> Result<()> {
        self.client.switch_to_window(self.page.clone()).await?;
        self.client.goto(url).await?;
        Ok(())
    }

    /// Runs `js` (a function body over `document`; may `return`) in the first of the extension's
    /// own tabs whose address starts with `prefix` (e.g. the setup checklist the extension opened
    /// by itself); `None` when none is open. Reached through `extension.getViews` from the
    /// harness's extension page: ChromeDriver lists no tab that an extension opened.
    pub async fn eval_in_tab(&mut self, prefix: &str, js: &str) -> Result<Option<Value>> {
        let v = self
            .ext_eval(&format!(
                "const view = (globalThis.browser ?? chrome).extension.getViews({{ type: 'tab' }}).find(w => w.location.href.startsWith({prefix:?}));
                 if (!view) return {{ none: true }};
                 return {{ value: ((document) => {{ {js} }})(view.document) ?? null }};"
            ))
            .await?;
        Ok(if v.get("none").is_some() { None } else { Some(v["value"].clone()) })
    }

    /// Pastes `text` into the field `css` of the extension's own tab at `prefix` and leaves the
    /// field (its `change` event), as a person pasting the pairing token does.
    pub async fn paste_in_tab(&mut self, prefix: &str, css: &str, text: &str) -> Result<()> {
        let done = self
            .eval_in_tab(
                prefix,
                &format!("const f = document.querySelector({css:?}); if (!f) return false; f.focus(); f.value = {text:?}; f.dispatchEvent(new Event('input', {{ bubbles: true }})); f.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;"),
            )
            .await?;
        ensure!(done == Some(json!(true)), "no field {css} in a tab at {prefix}");
        Ok(())
    }

    /// Runs `js` (a function body; may `return`) in the page's main world.
    pub async fn eval(&self, js: &str) -> Result<Value> {
        self.client.switch_to_window(self.page.clone()).await?;
        Ok(self.client.execute(js, vec![]).await?)
    }

    /// Runs `body` (an async function body; may `await` and `return`) in an extension page, where
    /// `chrome.*`/`browser.*` are available, and returns its result.
    pub async fn ext_eval(&mut self, body: &str) -> Result<Value> {
        let mut handle = self.ensure_ext_page().await?;
        if self.client.switch_to_window(handle.clone()).await.is_err() {
            // The page is gone (the extension was reloaded, which closes its pages): open it again.
            self.ext_page = None;
            handle = self.ensure_ext_page().await?;
            self.client.switch_to_window(handle).await?;
        }
        // The error's message and its stack: Firefox's stack alone does not say what went wrong.
        let script = format!(
            "const done = arguments[arguments.length - 1];\n(async () => {{ {body} }})().then(done, e => done({{ __error: e && e.stack ? `${{e}}\n${{e.stack}}` : String(e) }}));"
        );
        let result = self.client.execute_async(&script, vec![]).await;
        self.client.switch_to_window(self.page.clone()).await?;
        let value = result.with_context(|| {
            format!(
                "in the extension page: {}",
                body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect::<String>()
            )
        })?;
        if let Some(err) = value.get("__error") {
            bail!("extension page script failed: {err}");
        }
        Ok(value)
    }

    /// Lets go of the harness's extension page (closing it if it is still open), so the next
    /// [`Browser::ext_eval`] opens a fresh one: after the extension was reloaded, an old page that
    /// survived belongs to the extension that is gone.
    pub async fn forget_ext_page(&mut self) -> Result<()> {
        if let Some(h) = self.ext_page.take() {
            if self.client.windows().await?.contains(&h) && self.client.switch_to_window(h).await.is_ok() {
                let _ = self.client.close_window().await;
            }
            self.client.switch_to_window(self.page.clone()).await?;
        }
        Ok(())
    }

    /// Closes the page tab, as a person closing it does, and makes a new tab showing `next` the
    /// page tab (so [`Browser::eval`] has a page to run in).
    pub async fn close_page_tab(&mut self, next: &str) -> Result<()> {
        let new = self.client.new_window(true).await?;
        self.client.switch_to_window(self.page.clone()).await?;
        self.client.close_window().await?;
        self.page = new.handle;
        self.client.switch_to_window(self.page.clone()).await?;
        self.client.goto(next).await?;
        Ok(())
    }

    async fn ensure_ext_page(&mut self) -> Result<WindowHandle> {
        if let Some(h) = &self.ext_page {
            return Ok(h.clone());
        }
        // The harness's own page is `options.html` with no query; the extension opens its setup
        // checklist (`options.html?step=…`) by itself, on install and on toolbar presses.
        let own = self.extension_url("options.html");
        let before = self.client.windows().await?;
        let handle = match self.engine {
            Engine::Chromium => {
                let new = self.client.new_window(true).await?;
                self.client.switch_to_window(new.handle.clone()).await?;
                self.client.goto(&own).await?;
                new.handle
            }
            Engine::Firefox => {
                // WebDriver may not navigate to moz-extension:// pages; the browser's chrome may.
                self.chrome_eval(&format!(
                    "const win = Services.wm.getMostRecentWindow('navigator:browser');
                     win.gBrowser.addTab({own:?}, {{ triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() }});
                     return true;"
                ))
                .await?;
                let deadline = Instant::now() + Duration::from_secs(10);
                'found: loop {
                    for h in self.client.windows().await?.into_iter().filter(|h| !before.contains(h)) {
                        self.client.switch_to_window(h.clone()).await?;
                        if self.client.current_url().await.map(|u| u.as_str() == own).unwrap_or(false) {
                            break 'found h;
                        }
                    }
                    if Instant::now() > deadline {
                        bail!("the extension page did not open");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        // Wait until the page's own scripts have run.
        self.client.switch_to_window(handle.clone()).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.client.execute("return document.readyState", vec![]).await? != json!("complete") {
            if Instant::now() > deadline {
                bail!("the extension page did not load");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.client.switch_to_window(self.page.clone()).await?;
        self.ext_page = Some(handle.clone());
        Ok(handle)
    }

    /// Firefox only: runs privileged JS in the browser's own chrome (not in any page).
    pub async fn chrome_eval(&self, body: &str) -> Result<Value> {
        self.client.issue_cmd(RawCommand { path: "moz/context", body: json!({ "context": "chrome" }) }).await?;
        let result = self.client.execute(body, vec![]).await;
        self.client.issue_cmd(RawCommand { path: "moz/context", body: json!({ "context": "content" }) }).await?;
        Ok(result?)
    }

    /// A Chrome DevTools Protocol command on the page tab (Chromium only).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        Ok(self
            .client
            .issue_cmd(RawCommand { path: "goog/cdp/execute", body: json!({ "cmd": cmd, "params": params }) })
            .await?)
    }

    /// Bytes of JavaScript heap the page tab holds after a full garbage collection: the page's
    /// own world and the content scripts' (Chromium: the renderer's V8 heap in use; Firefox: the
    /// resident memory of the content process showing the page, as the browser reports it; its
    /// memory reporters did not answer from WebDriver's chrome context).
    pub async fn page_heap_after_gc(&self) -> Result<u64> {
        match self.engine {
            Engine::Chromium => {
                self.cdp("HeapProfiler.collectGarbage", json!({})).await?;
                let v = self.cdp("Runtime.getHeapUsage", json!({})).await?;
                v["usedSize"].as_f64().map(|b| b as u64).context(format!("no heap size in {v}"))
            }
            Engine::Firefox => {
                let url = self.eval("return location.href").await?;
                let v = self
                    .chrome_eval(&format!(
                        "Services.obs.notifyObservers(null, 'child-gc-request');
                        Services.obs.notifyObservers(null, 'child-cc-request');
                        Services.obs.notifyObservers(null, 'child-gc-request');
                        return new Promise(r => setTimeout(r, 1500)).then(() => ChromeUtils.requestProcInfo()).then(info => {{
                          const child = info.children.find(c => (c.windows || []).some(w => w.documentURI && w.documentURI.spec === {url}));
                          return child ? child.memory : null;
                        }});"
                    ))
                    .await?;
                v.as_u64().context(format!("no content process shows the page ({v})"))
            }
        }
    }

    /// Presses Hark's toolbar button for the page tab.
    pub async fn press_toolbar_button(&mut self) -> Result<()> {
        match self.engine {
            Engine::Firefox => {
                self.client.switch_to_window(self.page.clone()).await?;
                self.chrome_eval(&format!(
                    "const {{ ExtensionParent }} = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
                     const ext = ExtensionParent.GlobalManager.getExtension({id:?});
                     const win = Services.wm.getMostRecentWindow('navigator:browser');
                     ExtensionParent.apiManager.global.browserActionFor(ext).triggerAction(win);
                     return true;",
                    id = gecko_id()?
                ))
                .await?;
            }
            Engine::Chromium => {
                let url = self.eval("return location.href").await?;
                self.ext_eval(&format!(
                    "const tabs = await chrome.tabs.query({{}});
                     const tab = tabs.find(t => t.url === {url});
                     if (!tab) throw new Error('no tab with ' + {url});
                     return await chrome.runtime.sendMessage({{ type: 'hark.toggle', tabId: tab.id }});"
                ))
                .await?;
            }
        }
        Ok(())
    }

    /// Firefox hosts the session in a tab of Hark's own, which takes the focus until its
    /// microphone is open and then hands it back to the page. WebDriver's window switches (every
    /// [`Browser::ext_eval`]) would take that focus away, as a person clicking another tab would,
    /// so after a start the tests wait here, reading tabs from the browser's chrome only, until the
    /// session tab's title says the microphone is settled ("Hark is listening" or "Hark (no
    /// microphone)") and it has handed the focus back (or `timeout` passed). Chromium: at once.
    pub async fn wait_session_tab_settled(&self, timeout: Duration) -> Result<()> {
        if self.engine != Engine::Firefox {
            return Ok(());
        }
        let session = self.extension_url("session.html");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let settled = self
                .chrome_eval(&format!(
                    "const win = Services.wm.getMostRecentWindow('navigator:browser');
                     const tab = [...win.gBrowser.tabs].find(t => t.linkedBrowser.currentURI.spec === {session:?});
                     const selected = win.gBrowser.selectedBrowser.currentURI.spec;
                     return !!tab && /^Hark (is listening|\\(no microphone\\))/.test(tab.label) && selected !== {session:?};"
                ))
                .await?;
            if settled == json!(true) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Whether Hark's executor is in the page tab's current document (it is injected only while a
    /// session serves the tab): `None` if not; else when it was ready and when the document's
    /// DOMContentLoaded handlers had run, in ms from the navigation's start.
    pub async fn hark_in_page(&mut self) -> Result<Option<ExecutorReady>> {
        let url = self.eval("return location.href").await?;
        let v = self
            .ext_eval(&format!(
                "const api = globalThis.browser ?? chrome;
                 const tab = (await api.tabs.query({{}})).find(t => t.url === {url});
                 if (!tab) throw new Error('no tab with ' + {url});
                 const [r] = await api.scripting.executeScript({{ target: {{ tabId: tab.id, frameIds: [0] }}, func: () => {{
                   const h = globalThis.__hark;
                   const nav = performance.getEntriesByType('navigation')[0];
                   return h && h.wired ? {{ ready: h.readyAt, dcl: nav ? nav.domContentLoadedEventEnd : null }} : null;
                 }} }});
                 return r ? r.result ?? null : null;"
            ))
            .await?;
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(ExecutorReady {
            ready_ms: v["ready"].as_f64().unwrap_or(f64::NAN),
            dom_content_loaded_ms: v["dcl"].as_f64().unwrap_or(f64::NAN),
        }))
    }

    /// What Hark's overlay on the page tab shows, as the content script reports it:
    /// `{text, ask: {allow, deny} | null, talk: [left, top, width, height] | null}` (viewport px).
    pub async fn overlay(&mut self) -> Result<Value> {
        let url = self.eval("return location.href").await?;
        self.ext_eval(&format!(
            "return await (globalThis.browser ?? chrome).runtime.sendMessage({{ type: 'hark.overlayText', url: {url} }});"
        ))
        .await
    }

    /// The text a person sees in Hark's overlay ("" when it is not shown).
    pub async fn overlay_text(&mut self) -> Result<String> {
        Ok(self.overlay().await?["text"].as_str().unwrap_or("").to_string())
    }

    /// The session host's view of the session (what the overlay and the badge show).
    pub async fn hark_status(&mut self) -> Result<Value> {
        self.ext_eval("return await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'hark.status' });").await
    }

    /// A real (trusted) left click at viewport point (`x`, `y`) of the page tab, through WebDriver
    /// input actions: what a person's mouse does, including inside closed shadow roots.
    pub async fn click_at(&self, x: f64, y: f64) -> Result<()> {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        self.client.switch_to_window(self.page.clone()).await?;
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveTo { duration: None, x: x.round(), y: y.round() })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(mouse).await?;
        self.client.release_actions().await?;
        Ok(())
    }

    /// A real (trusted) press of the left button at viewport point (`x`, `y`), held for `held`.
    pub async fn hold_at(&self, x: f64, y: f64, held: Duration) -> Result<()> {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        self.client.switch_to_window(self.page.clone()).await?;
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveTo { duration: None, x: x.round(), y: y.round() })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Pause { duration: held })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(mouse).await?;
        self.client.release_actions().await?;
        Ok(())
    }

    /// Polls [`Browser::hark_status`] until `cond` holds.
    pub async fn wait_hark_status(
        &mut self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.hark_status().await?;
            if cond(&s) {
                return Ok(s);
            }
            if Instant::now() > deadline {
                bail!("waited {timeout:?} for {what}; Hark's status is {s}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn wait_hark_state(&mut self, states: &[&str], timeout: Duration) -> Result<Value> {
        self.wait_hark_status(&format!("state {states:?}"), timeout, |s| states.iter().any(|w| s["state"] == json!(w)))
            .await
    }

    pub async fn screenshot(&self) -> Result<Image> {
        Image::from_png(&self.screenshot_png().await?)
    }

    pub async fn screenshot_png(&self) -> Result<Vec<u8>> {
        self.client.switch_to_window(self.page.clone()).await?;
        Ok(self.client.screenshot().await?)
    }

    /// Saves a screenshot under target/e2e/shots/ for a person to look at; returns it decoded.
    pub async fn keep_screenshot(&self, label: &str) -> Result<Image> {
        let png = self.screenshot_png().await?;
        let dir = crate::repo_root().join("target/e2e/shots");
        std::fs::create_dir_all(&dir)?;
        let name: String = format!("{}-{label}", self.engine.name())
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        std::fs::write(dir.join(format!("{name}.png")), &png)?;
        Image::from_png(&png)
    }

    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
        // Drop ends the driver and the browser it started.
    }
}

impl Drop for Browser {
    /// The driver runs in a process group of its own, with the browser it started: ending the
    /// group leaves no browser behind, even when a test failed before closing its session.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.driver.wait();
    }
}

async fn connect(port: u16, caps: Value) -> Result<Client> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let caps = caps.as_object().cloned().unwrap_or_default();
    loop {
        match ClientBuilder::rustls()?.capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            Err(e) => return Err(anyhow!("WebDriver session did not start: {e}")),
        }
    }
}

/// A 48 kHz 16-bit mono speech WAV for the fake microphone, made once with espeak-ng and sox.
pub fn speech_wav() -> Result<PathBuf> {
    let dir = crate::repo_root().join("target/e2e");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join("speech-48k.wav");
    if out.exists() {
        return Ok(out);
    }
    let raw = dir.join("speech-raw.wav");
    let ok = Command::new("espeak-ng")
        .args(["-w", raw.to_str().unwrap(), "Make the background dark blue. Then make the buttons bigger, please."])
        .status()?
        .success();
    if !ok {
        bail!("espeak-ng failed");
    }
    let ok = Command::new("sox")
        .args([raw.to_str().unwrap(), "-r", "48000", "-b", "16", "-c", "1", out.to_str().unwrap(), "repeat", "20"])
        .stderr(Stdio::null())
        .status()?
        .success();
    if !ok {
        bail!("sox failed");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_companion_allows_the_extension_id_the_manifest_key_gives() {
        assert_eq!(super::chromium_extension_id().unwrap(), hark_server::config::HARK_CHROME_EXTENSION_ID);
    }
}
