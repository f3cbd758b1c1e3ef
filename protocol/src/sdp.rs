//! Checks an SDP offer must pass before the companion spends an upstream call on it, and that the
//! local peer applies too: a real offer, within size, with an audio section and a data channel.

use thiserror::Error;

/// 64 KiB: a browser's offer with audio and a data channel is 2-6 KB.
pub const MAX_OFFER_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpError {
    #[error("the offer is empty")]
    Empty,
    #[error("the offer is {0} bytes; the limit is {MAX_OFFER_BYTES}")]
    TooLarge(usize),
    #[error("the offer is not UTF-8 text")]
    NotText,
    #[error("this is not an SDP offer: it must start with 'v=0'")]
    NotSdp,
    #[error("the offer has no '{0}' line")]
    MissingLine(&'static str),
    #[error("the offer has no audio section (m=audio): Hark needs the microphone track")]
    NoAudio,
    #[error("the offer has no data channel section (m=application ... webrtc-datachannel): Hark needs the 'oai-events' channel")]
    NoDataChannel,
    #[error("the offer has no ICE credentials (a=ice-ufrag / a=ice-pwd)")]
    NoIce,
    #[error("the offer has no DTLS fingerprint (a=fingerprint)")]
    NoFingerprint,
}

/// What the checks found, for logs and for the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferSummary {
    pub audio_sections: usize,
    pub has_data_channel: bool,
    pub bytes: usize,
}

pub fn check_offer(body: &[u8]) -> Result<OfferSummary, SdpError> {
    if body.is_empty() {
        return Err(SdpError::Empty);
    }
    if body.len() > MAX_OFFER_BYTES {
        return Err(SdpError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotText)?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some("v=0") {
        return Err(SdpError::NotSdp);
    }
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for required in ["o=", "s=", "t="] {
        if !lines.iter().any(|l| l.starts_with(required)) {
            return Err(SdpError::MissingLine(required));
        }
    }
    let audio_sections = lines.iter().filter(|l| l.starts_with("m=audio ")).count();
    let has_data_channel = lines.iter().any(|l| l.starts_with("m=application ") && l.contains("webrtc-datachannel"));
    if audio_sections == 0 {
        return Err(SdpError::NoAudio);
    }
    if !has_data_channel {
        return Err(SdpError::NoDataChannel);
    }
    if !lines.iter().any(|l| l.starts_with("a=ice-ufrag:")) || !lines.iter().any(|l| l.starts_with("a=ice-pwd:")) {
        return Err(SdpError::NoIce);
    }
    if !lines.iter().any(|l| l.starts_with("a=fingerprint:")) {
        return Err(SdpError::NoFingerprint);
    }
    Ok(OfferSummary { audio_sections, has_data_channel, bytes: body.len() })
}

/// The answer as the browser applies it: the same SDP without `a=ice-lite`.
///
/// An ICE-lite answerer (the local peer; OpenAI's, we believe) starts DTLS only once the browser
/// nominates a candidate pair. Told the far end is lite, Chromium nominates on the check after
/// the pair works, which its pacing sends ~48 ms later: a third of a start. Told it is a full
/// agent, Chromium (semi-aggressive nomination) puts USE-CANDIDATE in its first check. A
/// controlled agent takes that as RFC 8445 §7.3.1.5 says: pion marks the pair and selects it
/// when its own triggered check of it succeeds, one round trip later. A lite agent starts no
/// checks of its own and never controls, so nothing else the browser does depends on the flag.
pub fn answer_to_apply(answer: &str) -> std::borrow::Cow<'_, str> {
    let is_lite = |line: &str| line.trim_end() == "a=ice-lite";
    if !answer.split_inclusive('\n').any(is_lite) {
        return std::borrow::Cow::Borrowed(answer);
    }
    std::borrow::Cow::Owned(answer.split_inclusive('\n').filter(|l| !is_lite(l)).collect())
}

/// An offer as Chromium makes it (audio + data channel), trimmed of codecs: passes [`check_offer`].
/// For tests and benchmarks that need a valid offer without a browser.
pub const SAMPLE_BROWSER_OFFER: &str = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
a=group:BUNDLE 0 1\r\na=msid-semantic: WMS\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n\
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n\
a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n\
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n\
a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n\
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n\
a=setup:actpass\r\na=mid:1\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_offer_passes() {
        let s = check_offer(SAMPLE_BROWSER_OFFER.as_bytes()).unwrap();
        assert_eq!(s.audio_sections, 1);
        assert!(s.has_data_channel);
    }

    #[test]
    fn the_answer_applied_loses_only_its_ice_lite_line() {
        let answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0 1\r\n\
                      m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\na=setup:active\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n";
        let applied = answer_to_apply(answer);
        assert_eq!(applied, answer.replace("a=ice-lite\r\n", ""));
        assert!(applied.contains("a=setup:active\r\n") && applied.ends_with("typ host\r\n"));
        // A full agent's answer, or one with bare newlines, is applied as it came.
        let full = answer.replace("a=ice-lite\r\n", "");
        assert!(matches!(answer_to_apply(&full), std::borrow::Cow::Borrowed(_)));
        assert_eq!(answer_to_apply("v=0\na=ice-lite\nm=audio 9 x 0\n"), "v=0\nm=audio 9 x 0\n");
        assert_eq!(answer_to_apply("a=ice-lite"), "");
    }

    #[test]
    fn each_defect_is_named() {
        assert_eq!(check_offer(b""), Err(SdpError::Empty));
        assert_eq!(check_offer(&vec![b'a'; MAX_OFFER_BYTES + 1]), Err(SdpError::TooLarge(MAX_OFFER_BYTES + 1)));
        assert_eq!(check_offer(b"{\"sdp\":\"v=0\"}"), Err(SdpError::NotSdp));
        assert_eq!(check_offer(&[0xff, 0xfe, 0x00]), Err(SdpError::NotText));
        let no_audio = SAMPLE_BROWSER_OFFER.replace("m=audio", "m=video");
        assert_eq!(check_offer(no_audio.as_bytes()), Err(SdpError::NoAudio));
        let no_dc = SAMPLE_BROWSER_OFFER.replace("webrtc-datachannel", "foo");
        assert_eq!(check_offer(no_dc.as_bytes()), Err(SdpError::NoDataChannel));
        let no_fp = SAMPLE_BROWSER_OFFER.replace("a=fingerprint", "a=x-fingerprint");
        assert_eq!(check_offer(no_fp.as_bytes()), Err(SdpError::NoFingerprint));
    }
}
