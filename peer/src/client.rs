//! A WebRTC client that plays the browser (str0m, full ICE): it offers an audio track and the
//! `oai-events` data channel, like the extension's session host does. Used by the tests and the
//! benchmark, and by anyone who needs a scripted browser against the peer (or the companion).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::EVENTS_CHANNEL;
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::channel::ChannelId;
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcConfig};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use crate::audio::{self, AudioMeter, AudioStats, OpusEncoder, FRAME_MS, FRAME_SAMPLES};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the server answered {status}: {body}")]
    Status { status: u16, body: String, retry_after: Option<String> },
    #[error("SDP: {0}")]
    Sdp(String),
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    #[error("the connection has closed")]
    Closed,
}

/// What the client sends on its microphone track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mic {
    /// Nothing at all (no RTP).
    Off,
    /// Digital silence, encoded (what a muted-but-live mic sends).
    Silence,
    /// A speech-like signal around -20 dBFS.
    Speech,
}

/// How the client's side looks: what it reports and what it does.
#[derive(Debug, Clone, Default)]
pub struct ClientState {
    pub connected: bool,
    pub channel_open: bool,
    pub channel_closed: bool,
    pub ended: bool,
    /// The peer's audio, decoded.
    pub audio: AudioStats,
    pub packets_sent: u64,
}

enum Cmd {
    Send(String),
    Mic(Mic),
    Close,
}

/// A client whose offer is made but not yet answered.
pub struct PendingClient {
    rtc: Rtc,
    pending: SdpPendingOffer,
    socket: UdpSocket,
    local: SocketAddr,
    channel: ChannelId,
    mid: Mid,
    offer: String,
}

impl PendingClient {
    /// Make an offer with a host candidate on `ip` (127.0.0.1 in tests).
    pub async fn new(ip: IpAddr) -> Result<PendingClient, ClientError> {
        crate::rtc::init_crypto();
        let socket = crate::rtc::media_socket(ip)?;
        let local = socket.local_addr()?;
        let mut rtc = RtcConfig::new().set_sctp_max_buffered_amount(8 * 1024 * 1024).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(|e| ClientError::Sdp(e.to_string()))?);
        let mut change = rtc.sdp_api();
        let mid = change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let channel = change.add_channel(EVENTS_CHANNEL.to_string());
        let (offer, pending) = change.apply().ok_or_else(|| ClientError::Sdp("no offer".into()))?;
        Ok(PendingClient { rtc, pending, socket, local, channel, mid, offer: offer.to_sdp_string() })
    }

    /// The SDP offer to POST.
    pub fn offer(&self) -> &str {
        &self.offer
    }

    /// POST the offer (reusing one HTTP client per process) and apply the answer.
    pub async fn post(self, base_url: &str, key: &str, endpoint: Endpoint, mic: Mic) -> Result<RtcClient, ClientError> {
        static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
        let http = HTTP.get_or_init(reqwest::Client::new);
        let req = match &endpoint {
            Endpoint::Calls { session } => {
                let form = reqwest::multipart::Form::new()
                    .text("sdp", self.offer.clone())
                    .text("session", session.to_string());
                http.post(format!("{base_url}/v1/realtime/calls")).multipart(form)
            }
            Endpoint::Model(m) => http
                .post(format!("{base_url}/v1/realtime?model={m}"))
                .header("content-type", "application/sdp")
                .body(self.offer.clone()),
            Endpoint::Raw { url, headers } => {
                let mut r = http.post(url).header("content-type", "application/sdp").body(self.offer.clone());
                for (k, v) in headers {
                    r = r.header(k.as_str(), v.as_str());
                }
                r
            }
        };
        let resp = req.bearer_auth(key).send().await?;
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = resp.text().await?;
        if !(200..300).contains(&status) {
            return Err(ClientError::Status { status, body, retry_after });
        }
        let mut c = self.accept(&body, mic)?;
        c.location = location;
        Ok(c)
    }

    /// Apply the answer and start the connection.
    pub fn accept(mut self, answer_sdp: &str, mic: Mic) -> Result<RtcClient, ClientError> {
        let answer = SdpAnswer::from_sdp_string(answer_sdp).map_err(|e| ClientError::Sdp(e.to_string()))?;
        self.rtc.sdp_api().accept_answer(self.pending, answer).map_err(|e| ClientError::Sdp(e.to_string()))?;
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let state = Arc::new(Mutex::new(ClientState::default()));
        let (version, _) = watch::channel(0u64);
        let version = Arc::new(version);
        let driver = Driver {
            rtc: self.rtc,
            socket: self.socket,
            local: self.local,
            channel: self.channel,
            mid: self.mid,
            events: events_tx,
            commands: cmd_rx,
            state: state.clone(),
            version: version.clone(),
            mic,
            encoder: OpusEncoder::new().map_err(|e| ClientError::Sdp(e.to_string()))?,
            meter: AudioMeter::new().map_err(|e| ClientError::Sdp(e.to_string()))?,
            next_frame: Instant::now(),
            rtp_time: 0,
            clip: audio::speech_like(2000, 190.0),
            clip_pos: 0,
            open: false,
        };
        tokio::spawn(driver.run());
        Ok(RtcClient {
            events: events_rx,
            commands: cmd_tx,
            state,
            version,
            history: Vec::new(),
            raw_history: Vec::new(),
            location: None,
        })
    }
}

/// A connected (or connecting) client.
pub struct RtcClient {
    events: mpsc::UnboundedReceiver<(Instant, String)>,
    commands: mpsc::UnboundedSender<Cmd>,
    state: Arc<Mutex<ClientState>>,
    version: Arc<watch::Sender<u64>>,
    /// Every server event received so far (parsed), in order.
    pub history: Vec<ServerEvent>,
    /// Every message read from the channel so far, as the text that arrived, in order.
    pub raw_history: Vec<String>,
    /// The `Location` header of the call (`/v1/realtime/calls/rtc_…`).
    pub location: Option<String>,
}

/// How to POST the offer.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// GA: `POST {base}/v1/realtime/calls`, multipart `sdp` + `session`.
    Calls { session: serde_json::Value },
    /// Beta: `POST {base}/v1/realtime?model=…`, raw `application/sdp`.
    Model(String),
    /// Raw `application/sdp` to any URL with extra headers (e.g. the companion's
    /// `/api/rtc-connect` with an `Origin`).
    Raw { url: String, headers: Vec<(String, String)> },
}

impl RtcClient {
    /// Make an offer on 127.0.0.1, POST it, apply the answer.
    pub async fn connect(base_url: &str, key: &str, endpoint: Endpoint, mic: Mic) -> Result<RtcClient, ClientError> {
        let pending = PendingClient::new(IpAddr::V4(Ipv4Addr::LOCALHOST)).await?;
        pending.post(base_url, key, endpoint, mic).await
    }

    /// The call id from `Location`.
    pub fn call_id(&self) -> Option<&str> {
        self.location.as_deref().and_then(|l| l.rsplit('/').next())
    }

    pub fn state(&self) -> ClientState {
        self.state.lock().expect("client state").clone()
    }

    async fn wait_state(
        &self,
        what: &'static str,
        timeout: Duration,
        cond: impl Fn(&ClientState) -> bool,
    ) -> Result<(), ClientError> {
        let mut rx = self.version.subscribe();
        let fut = async {
            loop {
                if cond(&self.state()) {
                    return Ok(());
                }
                if rx.changed().await.is_err() {
                    return Err(ClientError::Closed);
                }
            }
        };
        tokio::time::timeout(timeout, fut).await.map_err(|_| ClientError::Timeout(what))?
    }

    pub async fn wait_open(&self, timeout: Duration) -> Result<(), ClientError> {
        self.wait_state("the data channel to open", timeout, |s| s.channel_open).await
    }

    pub async fn wait_closed(&self, timeout: Duration) -> Result<(), ClientError> {
        self.wait_state("the channel to close", timeout, |s| s.channel_closed || s.ended).await
    }

    /// Wait until the peer's audio has delivered at least this many packets.
    pub async fn wait_audio_packets(&self, n: u64, timeout: Duration) -> Result<AudioStats, ClientError> {
        self.wait_state("audio from the peer", timeout, |s| s.audio.packets >= n).await?;
        Ok(self.state().audio)
    }

    pub fn send(&self, ev: &ClientEvent) {
        self.send_text(&ev.to_json());
    }

    pub fn send_text(&self, text: &str) {
        let _ = self.commands.send(Cmd::Send(text.to_string()));
    }

    pub fn set_mic(&self, mic: Mic) {
        let _ = self.commands.send(Cmd::Mic(mic));
    }

    /// The next message on the channel: its arrival time and text.
    pub async fn next_raw(&mut self, timeout: Duration) -> Result<(Instant, String), ClientError> {
        match tokio::time::timeout(timeout, self.events.recv()).await {
            Ok(Some(m)) => {
                self.raw_history.push(m.1.clone());
                Ok(m)
            }
            Ok(None) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout("a server event")),
        }
    }

    /// The next server event (recorded in `history`).
    pub async fn next_event(&mut self, timeout: Duration) -> Result<ServerEvent, ClientError> {
        let (_, text) = self.next_raw(timeout).await?;
        let ev = ServerEvent::parse(&text).unwrap_or(ServerEvent::Unknown);
        self.history.push(ev.clone());
        Ok(ev)
    }

    /// Skip events until one matches; returns it.
    pub async fn wait_event(
        &mut self,
        timeout: Duration,
        f: impl Fn(&ServerEvent) -> bool,
    ) -> Result<ServerEvent, ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let ev = self.next_event(left).await?;
            if f(&ev) {
                return Ok(ev);
            }
        }
    }

    /// Skip events until one of this `type`.
    pub async fn wait_type(&mut self, kind: &str, timeout: Duration) -> Result<ServerEvent, ClientError> {
        self.wait_event(timeout, |e| e.type_name() == kind).await
    }

    /// Close the connection.
    pub fn close(&self) {
        let _ = self.commands.send(Cmd::Close);
    }
}

impl Drop for RtcClient {
    fn drop(&mut self) {
        let _ = self.commands.send(Cmd::Close);
    }
}

struct Driver {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    channel: ChannelId,
    mid: Mid,
    events: mpsc::UnboundedSender<(Instant, String)>,
    commands: mpsc::UnboundedReceiver<Cmd>,
    state: Arc<Mutex<ClientState>>,
    version: Arc<watch::Sender<u64>>,
    mic: Mic,
    encoder: OpusEncoder,
    meter: AudioMeter,
    next_frame: Instant,
    rtp_time: u64,
    clip: Vec<i16>,
    clip_pos: usize,
    open: bool,
}

impl Driver {
    fn update(&self, f: impl FnOnce(&mut ClientState)) {
        f(&mut self.state.lock().expect("client state"));
        self.version.send_modify(|v| *v += 1);
    }

    async fn run(mut self) {
        let r = self.drive().await;
        if let Err(e) = r {
            tracing::debug!("test client stopped: {e}");
        }
        crate::rtc::close_gracefully(&mut self.rtc, &self.socket);
        self.update(|s| {
            s.ended = true;
            s.channel_open = false;
        });
    }

    async fn drive(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut buf = vec![0u8; 2000];
        loop {
            let timeout = loop {
                match self.rtc.poll_output()? {
                    Output::Transmit(t) => {
                        self.socket.send_to(&t.contents, t.destination).await?;
                    }
                    Output::Event(e) => match e {
                        Event::IceConnectionStateChange(IceConnectionState::Disconnected) => return Ok(()),
                        Event::Connected => {
                            self.next_frame = Instant::now();
                            self.update(|s| s.connected = true);
                        }
                        Event::ChannelOpen(id, _) if id == self.channel => {
                            self.open = true;
                            self.update(|s| s.channel_open = true);
                        }
                        Event::ChannelClose(id) if id == self.channel => {
                            self.open = false;
                            self.update(|s| {
                                s.channel_open = false;
                                s.channel_closed = true;
                            });
                        }
                        Event::ChannelData(d) if d.id == self.channel => {
                            let _ = self.events.send((Instant::now(), String::from_utf8_lossy(&d.data).into_owned()));
                        }
                        Event::MediaData(d) => {
                            self.meter.push(&d.data);
                            let stats = self.meter.stats();
                            self.update(|s| s.audio = stats);
                        }
                        _ => {}
                    },
                    Output::Timeout(t) => break t,
                }
            };
            if !self.rtc.is_alive() {
                return Ok(());
            }
            match self.socket.try_recv_from(&mut buf) {
                Ok((n, source)) => {
                    self.receive(&buf[..n], source)?;
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
            let mut deadline = timeout.min(Instant::now() + Duration::from_millis(500));
            let sending = self.mic != Mic::Off && self.state.lock().expect("client state").connected;
            if sending {
                deadline = deadline.min(self.next_frame);
            }
            tokio::select! {
                r = self.socket.recv_from(&mut buf) => {
                    let (n, source) = r?;
                    self.receive(&buf[..n], source)?;
                }
                c = self.commands.recv() => match c {
                    Some(Cmd::Send(text)) => {
                        if let Some(mut ch) = self.rtc.channel(self.channel) {
                            ch.write(false, text.as_bytes())?;
                        }
                    }
                    Some(Cmd::Mic(m)) => self.mic = m,
                    Some(Cmd::Close) | None => return Ok(()),
                },
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
            self.rtc.handle_input(Input::Timeout(Instant::now()))?;
            if sending {
                self.send_mic()?;
            }
        }
    }

    fn receive(&mut self, packet: &[u8], source: SocketAddr) -> Result<(), str0m::RtcError> {
        crate::rtc::feed_udp(&mut self.rtc, packet, source, self.local)
    }

    fn send_mic(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let now = Instant::now();
        let mut sent = 0;
        while self.next_frame <= now {
            self.next_frame += Duration::from_millis(FRAME_MS);
            let frame: Vec<i16> = match self.mic {
                Mic::Speech => {
                    let f: Vec<i16> =
                        self.clip.iter().cycle().skip(self.clip_pos).take(FRAME_SAMPLES).copied().collect();
                    self.clip_pos = (self.clip_pos + FRAME_SAMPLES) % self.clip.len();
                    f
                }
                _ => vec![0; FRAME_SAMPLES],
            };
            let packet = self.encoder.encode(&frame)?;
            self.rtp_time += FRAME_SAMPLES as u64;
            let Some(w) = self.rtc.writer(self.mid) else {
                break;
            };
            let Some(pt) = w.payload_params().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt()) else {
                break;
            };
            w.write(pt, now, MediaTime::new(self.rtp_time, Frequency::FORTY_EIGHT_KHZ), packet)?;
            sent += 1;
        }
        if sent > 0 {
            self.update(|s| s.packets_sent += sent);
        }
        Ok(())
    }
}
