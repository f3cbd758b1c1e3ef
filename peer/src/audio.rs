//! Audio: Opus in (decode, level, voice activity) and Opus out (a speech-like clip, 20 ms frames).

use serde::{Deserialize, Serialize};

pub const SAMPLE_RATE: u32 = 48_000;
/// 20 ms at 48 kHz.
pub const FRAME_SAMPLES: usize = 960;
pub const FRAME_MS: u64 = 20;
/// A 20 ms frame louder than this counts as voiced.
pub const VOICE_THRESHOLD_DBFS: f32 = -50.0;
/// What a frame of digital silence measures.
pub const SILENCE_DBFS: f32 = -120.0;

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
}

/// What arrived on the audio track so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioStats {
    /// RTP packets (Opus frames) received.
    pub packets: u64,
    pub bytes: u64,
    /// 20 ms frames decoded (a packet can carry more than one).
    pub frames: u64,
    pub decode_errors: u64,
    /// Frames above [`VOICE_THRESHOLD_DBFS`].
    pub voiced_frames: u64,
    /// RMS level of everything decoded, in dBFS (-120 for digital silence).
    pub level_dbfs: f32,
    /// The loudest 20 ms frame, in dBFS.
    pub peak_frame_dbfs: f32,
    /// Fraction of frames that are voiced, 0..=1.
    pub voice_activity: f32,
    /// Opus packets the peer sent.
    pub packets_sent: u64,
}

impl Default for AudioStats {
    fn default() -> Self {
        AudioStats {
            packets: 0,
            bytes: 0,
            frames: 0,
            decode_errors: 0,
            voiced_frames: 0,
            level_dbfs: SILENCE_DBFS,
            peak_frame_dbfs: SILENCE_DBFS,
            voice_activity: 0.0,
            packets_sent: 0,
        }
    }
}

impl AudioStats {
    /// True when what arrived looks like someone talking rather than silence.
    pub fn heard_speech(&self) -> bool {
        self.voice_activity >= 0.2 && self.level_dbfs > -45.0
    }
}

/// RMS of a block of samples in dBFS.
pub fn dbfs(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return SILENCE_DBFS;
    }
    let sum: f64 = samples.iter().map(|&s| (s as f64) * (s as f64)).sum();
    to_dbfs(sum, samples.len() as u64)
}

fn to_dbfs(sum_sq: f64, n: u64) -> f32 {
    if n == 0 || sum_sq <= 0.0 {
        return SILENCE_DBFS;
    }
    let rms = (sum_sq / n as f64).sqrt() / 32768.0;
    ((20.0 * rms.log10()) as f32).max(SILENCE_DBFS)
}

/// Decodes received Opus packets and keeps [`AudioStats`].
pub struct AudioMeter {
    decoder: opus::Decoder,
    pcm: Vec<i16>,
    sum_sq: f64,
    samples: u64,
    stats: AudioStats,
}

impl AudioMeter {
    pub fn new() -> Result<Self, AudioError> {
        Ok(AudioMeter {
            decoder: opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono)?,
            pcm: vec![0; FRAME_SAMPLES * 6],
            sum_sq: 0.0,
            samples: 0,
            stats: AudioStats::default(),
        })
    }

    /// Decode one packet; returns the level of each 20 ms frame in it.
    pub fn push(&mut self, packet: &[u8]) -> Vec<f32> {
        self.stats.packets += 1;
        self.stats.bytes += packet.len() as u64;
        let n = match self.decoder.decode(packet, &mut self.pcm, false) {
            Ok(n) => n,
            Err(_) => {
                self.stats.decode_errors += 1;
                return Vec::new();
            }
        };
        let mut levels = Vec::new();
        for frame in self.pcm[..n].chunks(FRAME_SAMPLES) {
            let sum: f64 = frame.iter().map(|&s| (s as f64) * (s as f64)).sum();
            self.sum_sq += sum;
            self.samples += frame.len() as u64;
            let level = to_dbfs(sum, frame.len() as u64);
            self.stats.frames += 1;
            if level > VOICE_THRESHOLD_DBFS {
                self.stats.voiced_frames += 1;
            }
            self.stats.peak_frame_dbfs = self.stats.peak_frame_dbfs.max(level);
            levels.push(level);
        }
        self.stats.level_dbfs = to_dbfs(self.sum_sq, self.samples);
        self.stats.voice_activity = self.stats.voiced_frames as f32 / self.stats.frames.max(1) as f32;
        levels
    }

    pub fn stats(&self) -> AudioStats {
        self.stats.clone()
    }
}

/// Encodes 20 ms mono frames to Opus.
pub struct OpusEncoder {
    encoder: opus::Encoder,
    out: Vec<u8>,
}

impl OpusEncoder {
    pub fn new() -> Result<Self, AudioError> {
        Ok(OpusEncoder {
            encoder: opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)?,
            out: vec![0; 4000],
        })
    }

    /// Encode one frame of [`FRAME_SAMPLES`] samples.
    pub fn encode(&mut self, frame: &[i16]) -> Result<Vec<u8>, AudioError> {
        let n = self.encoder.encode(frame, &mut self.out)?;
        Ok(self.out[..n].to_vec())
    }

    /// Encode a whole clip (padded to whole frames).
    pub fn encode_clip(&mut self, pcm: &[i16]) -> Result<Vec<Vec<u8>>, AudioError> {
        let mut frames = Vec::new();
        for chunk in pcm.chunks(FRAME_SAMPLES) {
            let mut frame = chunk.to_vec();
            frame.resize(FRAME_SAMPLES, 0);
            frames.push(self.encode(&frame)?);
        }
        Ok(frames)
    }
}

/// A speech-like signal: a voice-like harmonic series with a syllable envelope (about 4 Hz),
/// around -20 dBFS. What the peer "says", and what test clients send as "speech".
pub fn speech_like(duration_ms: u64, pitch_hz: f32) -> Vec<i16> {
    let n = (SAMPLE_RATE as u64 * duration_ms / 1000) as usize;
    let sr = SAMPLE_RATE as f32;
    (0..n)
        .map(|i| {
            let t = i as f32 / sr;
            let syllable = 0.55 + 0.45 * (2.0 * std::f32::consts::PI * 4.0 * t).sin();
            let mut v = 0.0;
            for (k, a) in [(1.0, 1.0), (2.0, 0.5), (3.0, 0.3), (4.0, 0.15)] {
                v += a * (2.0 * std::f32::consts::PI * pitch_hz * k * t).sin();
            }
            (v / 1.95 * syllable * 0.2 * 32767.0) as i16
        })
        .collect()
}

/// How long the peer talks for a transcript: about 60 ms a word, 0.6-2 s.
pub fn clip_ms_for(transcript: &str) -> u64 {
    (400 + 60 * transcript.split_whitespace().count() as u64).clamp(600, 2000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_is_loud_and_silence_is_silent_after_an_opus_round_trip() {
        let mut enc = OpusEncoder::new().unwrap();
        let mut speech = AudioMeter::new().unwrap();
        for p in enc.encode_clip(&speech_like(1000, 160.0)).unwrap() {
            speech.push(&p);
        }
        let s = speech.stats();
        assert_eq!(s.packets, 50);
        assert!(s.heard_speech(), "{s:?}");
        assert!(s.level_dbfs > -30.0, "{s:?}");

        let mut silence = AudioMeter::new().unwrap();
        let mut enc = OpusEncoder::new().unwrap();
        for p in enc.encode_clip(&vec![0; 48_000]).unwrap() {
            silence.push(&p);
        }
        let s = silence.stats();
        assert_eq!(s.frames, 50);
        assert!(!s.heard_speech(), "{s:?}");
        assert!(s.level_dbfs < -60.0, "{s:?}");
    }

    #[test]
    fn garbage_packets_count_as_decode_errors() {
        let mut m = AudioMeter::new().unwrap();
        m.push(&[0xff; 3]);
        assert_eq!(m.stats().packets, 1);
    }
}
