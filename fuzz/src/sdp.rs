//! SDP offers: the offers real browsers made (Chromium, Firefox) and the sample offer, mutated;
//! offers assembled line by line from the lines the check looks for; bodies around the size
//! limit; random bytes.

use proptest::prelude::*;
use proptest::sample::select;

use hark_protocol::sdp::{MAX_OFFER_BYTES, SAMPLE_BROWSER_OFFER};

use crate::mutate;

pub fn seeds() -> Vec<Vec<u8>> {
    vec![
        SAMPLE_BROWSER_OFFER.as_bytes().to_vec(),
        include_bytes!("../../peer/tests/fixtures/chromium-156-offer.sdp").to_vec(),
        include_bytes!("../../peer/tests/fixtures/firefox-esr-153-offer.sdp").to_vec(),
    ]
}

/// Lines (and pieces of lines) the check reads, and their near misses.
pub const LINES: &[&str] = &[
    "v=0",
    "v=1",
    " v=0",
    "v=0 ",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "o=",
    "s=-",
    "s=",
    "t=0 0",
    "t=",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "m=audio",
    "m=audio ",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "m=application 9 UDP/DTLS/SCTP",
    "m=application webrtc-datachannel",
    "a=ice-ufrag:abcd",
    "a=ice-ufrag:",
    "a=ice-pwd:abcdefghijklmnopqrstuvwx",
    "a=ice-pwd:",
    "a=fingerprint:sha-256 00:11:22:33",
    "a=fingerprint:",
    "a=x-fingerprint:sha-256 00",
    "a=setup:actpass",
    "a=mid:0",
    "a=sctp-port:5000",
    "c=IN IP4 0.0.0.0",
    "a=rtpmap:111 opus/48000/2",
    "a=group:BUNDLE 0 1",
    "",
    " ",
    "\t",
    "\u{feff}v=0",
    "é",
    "\u{0}",
    "\u{2028}",
    "v=0\u{85}",
];

const EOLS: &[&str] = &["\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n", "\n\n", ""];

/// An offer assembled from [`LINES`] with mixed line ends.
fn assembled() -> BoxedStrategy<Vec<u8>> {
    proptest::collection::vec((select(LINES), select(EOLS)), 0..40)
        .prop_map(|lines| {
            let mut out = String::new();
            for (l, eol) in lines {
                out.push_str(l);
                out.push_str(eol);
            }
            out.into_bytes()
        })
        .boxed()
}

/// A real offer padded with attribute lines to just under, at, or just over the size limit.
fn near_the_limit() -> BoxedStrategy<Vec<u8>> {
    (select(seeds()), -3i64..=3, select(&["a=x:", "", "\u{e9}"][..]))
        .prop_map(|(mut b, delta, pad)| {
            let want = (MAX_OFFER_BYTES as i64 + delta) as usize;
            while b.len() < want {
                b.extend_from_slice(pad.as_bytes());
                b.extend_from_slice(b"0123456789abcdef\r\n");
            }
            b.truncate(want);
            b
        })
        .boxed()
}

/// An offer body for the check (and for the companion's `/api/rtc-connect`).
pub fn offer() -> BoxedStrategy<Vec<u8>> {
    let dict: Vec<Vec<u8>> = LINES.iter().chain(EOLS).map(|l| l.as_bytes().to_vec()).collect();
    prop_oneof![
        2 => select(seeds()),
        10 => mutate::mutated(seeds(), dict, 6, MAX_OFFER_BYTES + 1024),
        4 => assembled(),
        1 => near_the_limit(),
        2 => proptest::collection::vec(any::<u8>(), 0..256),
        1 => mutate::odd_string().prop_map(String::into_bytes),
    ]
    .boxed()
}
