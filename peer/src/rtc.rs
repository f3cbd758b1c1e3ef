//! One call's WebRTC: str0m (ICE-lite, DTLS, SCTP, Opus) driven by one tokio task with its own
//! UDP socket, running the [`Conversation`] on the `oai-events` channel.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hark_protocol::events::ServerEvent;
use hark_protocol::EVENTS_CHANNEL;
use serde_json::Value;
use str0m::change::SdpOffer;
use str0m::channel::ChannelId;
use str0m::format::Codec;
use str0m::media::{Frequency, MediaKind, MediaTime, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcConfig};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::audio::{self, AudioMeter, OpusEncoder, FRAME_MS};
use crate::conversation::{Action, Conversation};
use crate::script::{CallHandle, CallShared, Command, FunctionOutput, ToolInvocation};
use crate::session::Flavour;

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the offer is not SDP str0m can read: {0}")]
    BadOffer(String),
    #[error("the offer cannot be answered: {0}")]
    Rejected(String),
    #[error("cannot open a media socket on {ip}: {source}")]
    Bind { ip: IpAddr, source: std::io::Error },
    #[error("audio: {0}")]
    Audio(#[from] audio::AudioError),
}

pub(crate) struct CallSpec {
    pub id: String,
    pub offer: String,
    pub session: Value,
    pub flavour: Flavour,
    pub media_ip: IpAddr,
    pub local_mode: bool,
    pub on_open: Vec<ToolInvocation>,
    /// How long the call may take to connect before the peer gives up on it.
    pub connect_timeout: Duration,
    /// The call's place among the peer's live calls, freed when its task ends.
    pub slot: tokio::sync::OwnedSemaphorePermit,
}

/// Install str0m's crypto provider (once per process).
pub fn init_crypto() {
    str0m::crypto::from_feature_flags().install_process_default();
}

/// A UDP socket on `ip` (any port) with buffers big enough for a 100 KB event's burst.
pub(crate) fn media_socket(ip: IpAddr) -> std::io::Result<UdpSocket> {
    let domain = if ip.is_ipv4() { socket2::Domain::IPV4 } else { socket2::Domain::IPV6 };
    let s = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    let _ = s.set_recv_buffer_size(4 * 1024 * 1024);
    let _ = s.set_send_buffer_size(4 * 1024 * 1024);
    s.bind(&SocketAddr::new(ip, 0).into())?;
    s.set_nonblocking(true)?;
    UdpSocket::from_std(s.into())
}

/// Start str0m's shutdown (RTCP BYE, SCTP shutdown, DTLS close_notify) and send what it queues,
/// so the other side learns at once that the call is over; then stop.
pub(crate) fn close_gracefully(rtc: &mut Rtc, socket: &UdpSocket) {
    if rtc.is_alive() {
        let _ = rtc.close();
        for _ in 0..256 {
            match rtc.poll_output() {
                Ok(Output::Transmit(t)) => {
                    let _ = socket.try_send_to(&t.contents, t.destination);
                }
                Ok(Output::Event(_)) => {}
                _ => break,
            }
        }
    }
    rtc.disconnect();
}

/// Answer the offer, start the call's task, return its handle and the answer SDP.
pub(crate) async fn start_call(spec: CallSpec) -> Result<(CallHandle, String), CallError> {
    init_crypto();
    let offer = SdpOffer::from_sdp_string(&spec.offer).map_err(|e| CallError::BadOffer(e.to_string()))?;
    let socket = media_socket(spec.media_ip).map_err(|source| CallError::Bind { ip: spec.media_ip, source })?;
    let local = socket.local_addr().map_err(|source| CallError::Bind { ip: spec.media_ip, source })?;

    let mut rtc =
        RtcConfig::new().set_ice_lite(true).set_sctp_max_buffered_amount(8 * 1024 * 1024).build(Instant::now());
    let candidate = Candidate::host(local, "udp").map_err(|e| CallError::Rejected(e.to_string()))?;
    rtc.add_local_candidate(candidate);
    let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| CallError::Rejected(e.to_string()))?;

    let shared = CallShared::new(&spec.id);
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = CallHandle { id: spec.id.clone(), shared: shared.clone(), commands: tx };
    let task = CallTask {
        id: spec.id,
        rtc,
        socket,
        local,
        conv: Conversation::new(spec.session, spec.flavour, spec.local_mode),
        shared: shared.clone(),
        commands: rx,
        channel: None,
        audio: None,
        meter: AudioMeter::new()?,
        encoder: OpusEncoder::new()?,
        speaking: None,
        finish_at: None,
        rtp_time: rand::random::<u32>() as u64,
        media_stopped: false,
        on_open: spec.on_open,
        started: Instant::now(),
        connected: false,
        connect_timeout: spec.connect_timeout,
        _slot: spec.slot,
    };
    shared.update(|s| s.info.session = task.conv.session().clone());
    tokio::spawn(task.main_loop());
    Ok((handle, answer.to_sdp_string()))
}

struct Speaking {
    response_id: String,
    frames: VecDeque<Vec<u8>>,
    next: Instant,
}

struct CallTask {
    id: String,
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    conv: Conversation,
    shared: Arc<CallShared>,
    commands: mpsc::UnboundedReceiver<Command>,
    channel: Option<ChannelId>,
    audio: Option<(Mid, Pt)>,
    meter: AudioMeter,
    encoder: OpusEncoder,
    speaking: Option<Speaking>,
    finish_at: Option<(String, Instant)>,
    rtp_time: u64,
    media_stopped: bool,
    on_open: Vec<ToolInvocation>,
    started: Instant,
    connected: bool,
    connect_timeout: Duration,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl CallTask {
    async fn main_loop(mut self) {
        tracing::info!(call = %self.id, addr = %self.local, "call started");
        if let Err(e) = self.drive().await {
            tracing::warn!(call = %self.id, "call ended with an error: {e}");
        }
        crate::rtc::close_gracefully(&mut self.rtc, &self.socket);
        self.shared.update(|s| {
            s.info.ended = true;
            s.info.channel_open = false;
        });
        let _ = self.shared.sideband.send(None);
        tracing::info!(call = %self.id, "call ended");
    }

    async fn drive(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut buf = vec![0u8; 2000];
        loop {
            let timeout = loop {
                match self.rtc.poll_output()? {
                    Output::Transmit(t) => {
                        self.socket.send_to(&t.contents, t.destination).await?;
                    }
                    Output::Event(e) => {
                        if !self.on_event(e) {
                            return Ok(());
                        }
                    }
                    Output::Timeout(t) => break t,
                }
            };
            if !self.rtc.is_alive() {
                return Ok(());
            }
            if !self.connected && self.started.elapsed() >= self.connect_timeout {
                return Err(format!("the client did not connect within {} ms", self.connect_timeout.as_millis()).into());
            }
            // Take what has already arrived before sleeping (a big event is a burst of packets).
            match self.socket.try_recv_from(&mut buf) {
                Ok((n, source)) => {
                    self.receive(&buf[..n], source)?;
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
            let mut deadline = timeout.min(Instant::now() + Duration::from_secs(1));
            if !self.connected {
                deadline = deadline.min(self.started + self.connect_timeout);
            }
            if let Some(s) = &self.speaking {
                deadline = deadline.min(s.next);
            }
            if let Some((_, at)) = &self.finish_at {
                deadline = deadline.min(*at);
            }
            tokio::select! {
                r = self.socket.recv_from(&mut buf) => {
                    let (n, source) = r?;
                    self.receive(&buf[..n], source)?;
                }
                c = self.commands.recv() => match c {
                    Some(c) => if !self.on_command(c) { return Ok(()) },
                    None => return Ok(()),
                },
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
            self.rtc.handle_input(Input::Timeout(Instant::now()))?;
            if self.finish_at.as_ref().is_some_and(|(_, at)| *at <= Instant::now()) {
                let (rid, _) = self.finish_at.take().expect("checked");
                let actions = self.conv.generation_done(&rid);
                self.run(actions);
            }
            self.pump_audio();
        }
    }

    fn receive(&mut self, packet: &[u8], source: SocketAddr) -> Result<(), str0m::RtcError> {
        feed_udp(&mut self.rtc, packet, source, self.local)
    }

    fn on_event(&mut self, e: Event) -> bool {
        match e {
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => return false,
            Event::Connected => {
                self.connected = true;
                self.shared.update(|s| s.info.connected = true);
            }
            Event::MediaAdded(m) if m.kind == MediaKind::Audio => {
                let pt = self
                    .rtc
                    .writer(m.mid)
                    .and_then(|w| w.payload_params().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt()));
                if let Some(pt) = pt {
                    self.audio = Some((m.mid, pt));
                }
            }
            Event::MediaData(d) => {
                let levels = self.meter.push(&d.data);
                let stats = self.meter.stats();
                self.shared.update(|s| {
                    let sent = s.info.audio.packets_sent;
                    s.info.audio = stats;
                    s.info.audio.packets_sent = sent;
                });
                for level in levels {
                    let actions = self.conv.on_audio_frame(level);
                    self.run(actions);
                }
            }
            Event::ChannelOpen(id, label) => {
                if label == EVENTS_CHANNEL && self.channel.is_none() {
                    self.channel = Some(id);
                    let actions = self.conv.opened();
                    self.run(actions);
                    self.shared.update(|s| s.info.channel_open = true);
                    if !self.on_open.is_empty() {
                        let calls = std::mem::take(&mut self.on_open);
                        let (actions, _) =
                            self.conv.function_calls(calls.into_iter().map(|c| (c.name, c.arguments)).collect());
                        self.run(actions);
                    }
                } else {
                    tracing::info!(call = %self.id, "ignoring data channel '{label}'");
                }
            }
            Event::ChannelData(d) if Some(d.id) == self.channel => {
                let text = String::from_utf8_lossy(&d.data).into_owned();
                let value = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text.clone()));
                let updates_session = value.get("type").and_then(Value::as_str) == Some("session.update");
                self.shared.update(|s| {
                    s.events.push(value);
                    s.info.events_received = s.events.len();
                });
                let actions = self.conv.on_client_text(&text);
                // The session as the client's updates left it (what a test reads in `info()`).
                if updates_session {
                    let session = self.conv.session().clone();
                    self.shared.update(|s| s.info.session = session);
                }
                self.run(actions);
            }
            Event::ChannelClose(id) if Some(id) == self.channel => {
                self.channel = None;
                self.shared.update(|s| {
                    s.info.channel_open = false;
                    s.info.channel_closed = true;
                });
            }
            _ => {}
        }
        true
    }

    fn on_command(&mut self, c: Command) -> bool {
        match c {
            Command::CallTools(calls, reply) => {
                let (actions, ids) =
                    self.conv.function_calls(calls.into_iter().map(|c| (c.name, c.arguments)).collect());
                self.run(actions);
                let _ = reply.send(ids);
            }
            Command::Say(text) => {
                let actions = self.conv.speak(&text);
                self.run(actions);
            }
            Command::QueueTranscript(t) => self.conv.queue_transcript(t),
            Command::Hear(t) => {
                let actions = self.conv.hear(t);
                self.run(actions);
            }
            Command::CloseChannel => {
                if let Some(id) = self.channel {
                    self.rtc.direct_api().close_data_channel(id);
                }
            }
            Command::SendRaw(text) => self.write_text(&text, "raw"),
            Command::StopMedia(stop) => self.media_stopped = stop,
            Command::Hangup => return false,
            Command::SidebandText(text) => {
                let value = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text.clone()));
                self.shared.update(|s| s.info.sideband_events.push(value));
                let actions = self.conv.on_client_text(&text);
                self.run(actions);
            }
        }
        true
    }

    fn run(&mut self, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Send(ev) => self.send_event(&ev),
                Action::Speak { response_id, ms } => {
                    let pcm = audio::speech_like(ms, 150.0);
                    match self.encoder.encode_clip(&pcm) {
                        // Queued after whatever is still playing, like OpenAI's output audio buffer.
                        Ok(frames) => match &mut self.speaking {
                            Some(s) => {
                                s.frames.extend(frames);
                                s.response_id = response_id;
                            }
                            None => {
                                self.speaking =
                                    Some(Speaking { response_id, frames: frames.into(), next: Instant::now() })
                            }
                        },
                        Err(e) => {
                            tracing::warn!(call = %self.id, "cannot encode the clip: {e}");
                            let actions = self.conv.audio_done(&response_id);
                            self.run(actions);
                        }
                    }
                }
                Action::FinishLater { response_id, ms } => {
                    self.finish_at = Some((response_id, Instant::now() + Duration::from_millis(ms)));
                }
                Action::StopAudio => self.speaking = None,
                Action::Output { call_id, output } => {
                    self.shared.update(|s| s.info.function_outputs.push(FunctionOutput { call_id, output }));
                }
            }
        }
    }

    /// To the data channel and to every sideband connection (OpenAI sends a call's server events
    /// to both).
    fn send_event(&mut self, ev: &ServerEvent) {
        let kind = ev.type_name();
        let text = ev.to_json();
        if self.shared.sideband.receiver_count() > 0 {
            let _ = self.shared.sideband.send(Some(Arc::from(text.as_str())));
        }
        self.write_text(&text, &kind);
    }

    fn write_text(&mut self, text: &str, kind: &str) {
        let Some(id) = self.channel else {
            tracing::debug!(call = %self.id, "channel closed; dropping {kind}");
            return;
        };
        match self.rtc.channel(id).map(|mut c| c.write(false, text.as_bytes())) {
            Some(Ok(true)) => {
                let kind = kind.to_string();
                self.shared.update(|s| s.info.sent_types.push(kind));
            }
            Some(Ok(false)) => {
                tracing::warn!(call = %self.id, "channel buffer full; dropped {kind}")
            }
            Some(Err(e)) => tracing::warn!(call = %self.id, "cannot send {kind}: {e}"),
            None => tracing::debug!(call = %self.id, "channel gone; dropping {kind}"),
        }
    }

    /// Send the frames of the clip that are due, 20 ms apart in real time.
    fn pump_audio(&mut self) {
        let now = Instant::now();
        let mut sent = 0;
        let mut finished = None;
        if let Some(s) = &mut self.speaking {
            while s.next <= now {
                let Some(frame) = s.frames.pop_front() else {
                    finished = Some(s.response_id.clone());
                    break;
                };
                s.next += Duration::from_millis(FRAME_MS);
                self.rtp_time += audio::FRAME_SAMPLES as u64;
                if self.media_stopped {
                    continue;
                }
                if let Some((mid, pt)) = self.audio {
                    if let Some(w) = self.rtc.writer(mid) {
                        let t = MediaTime::new(self.rtp_time, Frequency::FORTY_EIGHT_KHZ);
                        if w.write(pt, now, t, frame).is_ok() {
                            sent += 1;
                        }
                    }
                }
            }
        }
        if sent > 0 {
            self.shared.update(|s| s.info.audio.packets_sent += sent);
        }
        if let Some(rid) = finished {
            self.speaking = None;
            let actions = self.conv.audio_done(&rid);
            self.run(actions);
        }
    }
}

/// Hands one UDP datagram to str0m (if it is for this connection) and advances its clock.
/// Shared by the peer's calls and the in-process test client.
pub(crate) fn feed_udp(
    rtc: &mut Rtc,
    packet: &[u8],
    source: SocketAddr,
    local: SocketAddr,
) -> Result<(), str0m::RtcError> {
    if let Ok(contents) = packet.try_into() {
        let input =
            Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: local, contents });
        if rtc.accepts(&input) {
            rtc.handle_input(input)?;
        }
    }
    rtc.handle_input(Input::Timeout(Instant::now()))
}
