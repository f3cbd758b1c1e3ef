//! The scripting API: handles on calls (what the client sent, audio stats, tool calls, speech,
//! faults) and the peer-wide knobs (HTTP faults, an on-open script).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::audio::AudioStats;

/// Why a script step failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptError {
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, &'static str),
    #[error("the call {0} has ended")]
    CallEnded(String),
}

/// A tool call to make: name and JSON arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInvocation {
    pub name: String,
    #[serde(default = "empty_object")]
    pub arguments: Value,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

impl ToolInvocation {
    pub fn new(name: &str, arguments: Value) -> Self {
        ToolInvocation { name: name.into(), arguments }
    }
}

/// How the HTTP API misbehaves, for reliability tests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// Wait this long before answering a call.
    #[serde(default)]
    pub answer_delay_ms: u64,
    /// Answer the next calls with this HTTP error instead of an SDP answer.
    #[serde(default)]
    pub fail: Option<HttpFailure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpFailure {
    /// 401, 429, 500, ...
    pub status: u16,
    /// `Retry-After` seconds (sent with 429 if given).
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// How many calls fail; `None` = until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

/// A snapshot of a call, as `/_peer/calls` reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallInfo {
    pub id: String,
    /// 1 for the first call the peer answered, 2 for the next, ...
    pub number: usize,
    pub connected: bool,
    pub channel_open: bool,
    /// The data channel was open and has closed.
    pub channel_closed: bool,
    pub ended: bool,
    pub events_received: usize,
    pub function_outputs: Vec<FunctionOutput>,
    pub audio: AudioStats,
    /// The current session (after updates), with ids.
    pub session: Value,
    /// Types of every server event sent, in order.
    pub sent_types: Vec<String>,
    /// Sideband WebSockets (`/v1/realtime?call_id=`) open on the call now, and ever.
    #[serde(default)]
    pub sidebands_open: usize,
    #[serde(default)]
    pub sidebands_ever: usize,
    /// Client events received over a sideband, in order.
    #[serde(default)]
    pub sideband_events: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionOutput {
    pub call_id: String,
    pub output: String,
}

#[derive(Default)]
pub(crate) struct CallState {
    pub info: CallInfo,
    pub events: Vec<Value>,
}

pub(crate) enum Command {
    CallTools(Vec<ToolInvocation>, oneshot::Sender<Vec<String>>),
    Say(String),
    QueueTranscript(String),
    Hear(String),
    CloseChannel,
    SendRaw(String),
    StopMedia(bool),
    Hangup,
    /// A client event that came over the call's sideband WebSocket.
    SidebandText(String),
}

pub(crate) struct CallShared {
    pub state: Mutex<CallState>,
    pub version: watch::Sender<u64>,
    /// Every server event of the call as sent (JSON text), for its sideband connections; `None`
    /// when the call has ended.
    pub sideband: broadcast::Sender<Option<Arc<str>>>,
    /// A test cut the call's sideband: open ones close, new ones are refused.
    pub sideband_cut: watch::Sender<bool>,
}

impl CallShared {
    pub fn new(id: &str) -> Arc<Self> {
        let state = CallState { info: CallInfo { id: id.to_string(), ..Default::default() }, events: Vec::new() };
        Arc::new(CallShared {
            state: Mutex::new(state),
            version: watch::channel(0).0,
            sideband: broadcast::channel(1024).0,
            sideband_cut: watch::channel(false).0,
        })
    }

    pub fn update(&self, f: impl FnOnce(&mut CallState)) {
        f(&mut self.state.lock().expect("call state lock"));
        self.version.send_modify(|v| *v += 1);
    }
}

/// A handle on one call. Cheap to clone.
#[derive(Clone)]
pub struct CallHandle {
    pub(crate) id: String,
    pub(crate) shared: Arc<CallShared>,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
}

/// How long script steps wait by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(20);

impl CallHandle {
    /// The call id (`rtc_…`), as in the `Location` header.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn info(&self) -> CallInfo {
        self.shared.state.lock().expect("call state lock").info.clone()
    }

    /// Every client event received on the channel, in order (as JSON; unparseable text as a string).
    pub fn received_events(&self) -> Vec<Value> {
        self.shared.state.lock().expect("call state lock").events.clone()
    }

    /// The `type` of every client event received, in order.
    pub fn received_types(&self) -> Vec<String> {
        self.received_events().iter().map(|e| e.get("type").and_then(Value::as_str).unwrap_or("").to_string()).collect()
    }

    pub fn audio_stats(&self) -> AudioStats {
        self.info().audio
    }

    pub fn function_outputs(&self) -> Vec<FunctionOutput> {
        self.info().function_outputs
    }

    /// Wait until `cond` holds on the call's state (checked after every change).
    pub async fn wait_for(
        &self,
        what: &'static str,
        timeout: Duration,
        cond: impl Fn(&CallInfo) -> bool,
    ) -> Result<CallInfo, ScriptError> {
        let mut rx = self.shared.version.subscribe();
        let fut = async {
            loop {
                let info = self.info();
                if cond(&info) {
                    return Ok(info);
                }
                if info.ended {
                    return Err(ScriptError::CallEnded(self.id.clone()));
                }
                if rx.changed().await.is_err() {
                    return Err(ScriptError::CallEnded(self.id.clone()));
                }
            }
        };
        tokio::time::timeout(timeout, fut).await.map_err(|_| ScriptError::Timeout(timeout, what))?
    }

    /// Wait until the `oai-events` channel is open (and `session.created` was sent).
    pub async fn wait_channel_open(&self) -> Result<(), ScriptError> {
        self.wait_for("the data channel to open", DEFAULT_WAIT, |i| i.channel_open).await.map(|_| ())
    }

    /// Wait until `n` client events have arrived; returns them all.
    pub async fn wait_events(&self, n: usize, timeout: Duration) -> Result<Vec<Value>, ScriptError> {
        self.wait_for("client events", timeout, |i| i.events_received >= n).await?;
        Ok(self.received_events())
    }

    /// Wait until the client has sent an event of this type; returns the first such event.
    pub async fn wait_event(&self, kind: &str, timeout: Duration) -> Result<Value, ScriptError> {
        let mut rx = self.shared.version.subscribe();
        let fut = async {
            loop {
                if let Some(e) =
                    self.received_events().into_iter().find(|e| e.get("type").and_then(Value::as_str) == Some(kind))
                {
                    return Ok(e);
                }
                if self.info().ended || rx.changed().await.is_err() {
                    return Err(ScriptError::CallEnded(self.id.clone()));
                }
            }
        };
        tokio::time::timeout(timeout, fut).await.map_err(|_| ScriptError::Timeout(timeout, "a client event"))?
    }

    pub(crate) fn send(&self, c: Command) -> Result<(), ScriptError> {
        self.commands.send(c).map_err(|_| ScriptError::CallEnded(self.id.clone()))
    }

    /// Send one response holding these function calls; returns their call ids at once.
    pub async fn start_tools(&self, calls: Vec<ToolInvocation>) -> Result<Vec<String>, ScriptError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::CallTools(calls, tx))?;
        rx.await.map_err(|_| ScriptError::CallEnded(self.id.clone()))
    }

    /// Wait for the client's `function_call_output` for this call id.
    pub async fn wait_output(&self, call_id: &str, timeout: Duration) -> Result<String, ScriptError> {
        let info = self
            .wait_for("a function_call_output", timeout, |i| i.function_outputs.iter().any(|o| o.call_id == call_id))
            .await?;
        Ok(info.function_outputs.into_iter().find(|o| o.call_id == call_id).map(|o| o.output).unwrap_or_default())
    }

    /// Call several tools in one response and wait for every output (in the order given).
    pub async fn call_tools(&self, calls: Vec<ToolInvocation>) -> Result<Vec<String>, ScriptError> {
        let ids = self.start_tools(calls).await?;
        let mut outs = Vec::new();
        for id in ids {
            outs.push(self.wait_output(&id, DEFAULT_WAIT).await?);
        }
        Ok(outs)
    }

    /// Call one tool (a response with one function call) and wait for its output.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<String, ScriptError> {
        Ok(self.call_tools(vec![ToolInvocation::new(name, arguments)]).await?.remove(0))
    }

    /// Speak: a response with this transcript (text + audio transcript) and an audio clip.
    pub fn say(&self, transcript: &str) -> Result<(), ScriptError> {
        self.send(Command::Say(transcript.to_string()))
    }

    /// The transcript to report for the next spoken turn the peer detects.
    pub fn queue_transcript(&self, transcript: &str) -> Result<(), ScriptError> {
        self.send(Command::QueueTranscript(transcript.to_string()))
    }

    /// A whole spoken turn of the person, transcribed as `transcript`: the events OpenAI sends when
    /// its turn detection and transcription hear them (speech started/stopped, committed, item,
    /// transcription), without waiting for the browser's fake microphone to pause.
    pub fn hear(&self, transcript: &str) -> Result<(), ScriptError> {
        self.send(Command::Hear(transcript.to_string()))
    }

    /// Fault: close the `oai-events` channel (the call stays up).
    pub fn close_channel(&self) -> Result<(), ScriptError> {
        self.send(Command::CloseChannel)
    }

    /// Fault: send this text as-is on the channel (e.g. a malformed event).
    pub fn send_raw(&self, text: &str) -> Result<(), ScriptError> {
        self.send(Command::SendRaw(text.to_string()))
    }

    /// Fault: stop (true) or resume (false) sending audio.
    pub fn stop_media(&self, stop: bool) -> Result<(), ScriptError> {
        self.send(Command::StopMedia(stop))
    }

    /// End the call, as `POST /v1/realtime/calls/{id}/hangup` does.
    pub fn hangup(&self) -> Result<(), ScriptError> {
        self.send(Command::Hangup)
    }

    /// Cuts the call's sideband, as a network drop would: open sideband WebSockets close without
    /// a close frame's reason and new ones are refused (503). The call itself goes on.
    pub fn cut_sideband(&self) {
        self.shared.sideband_cut.send_replace(true);
    }

    /// Wait until the call has ended.
    pub async fn wait_ended(&self, timeout: Duration) -> Result<(), ScriptError> {
        match self.wait_for("the call to end", timeout, |i| i.ended).await {
            Ok(_) | Err(ScriptError::CallEnded(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
