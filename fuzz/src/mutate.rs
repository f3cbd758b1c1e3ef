//! Byte-level mutation of seed inputs, AFL-style: each input is a seed plus a short list of edits
//! (bit flips, inserted/overwritten dictionary tokens, deleted, duplicated or spliced runs,
//! truncation). Edits are generated values, so a failing input shrinks to fewer, smaller edits.

use proptest::prelude::*;
use proptest::sample::Index;

/// One edit of a byte string. Positions are [`Index`]es, scaled to the string's current length.
#[derive(Debug, Clone)]
pub enum Edit {
    Flip {
        at: Index,
        bit: u8,
    },
    Set {
        at: Index,
        byte: u8,
    },
    Insert {
        at: Index,
        bytes: Vec<u8>,
    },
    /// Insert a dictionary token.
    Token {
        at: Index,
        token: Index,
    },
    /// Overwrite with a dictionary token.
    Overwrite {
        at: Index,
        token: Index,
    },
    Delete {
        at: Index,
        len: u16,
    },
    Duplicate {
        at: Index,
        len: u16,
    },
    Truncate {
        at: Index,
    },
    /// Insert a run of another seed.
    Splice {
        at: Index,
        seed: Index,
        from: Index,
        len: u16,
    },
    /// Repeat a short run many times (long lines, deep nesting, big bodies).
    Repeat {
        at: Index,
        len: u8,
        times: u16,
    },
}

fn pos(at: &Index, len: usize) -> usize {
    // Index::index panics on 0; position 0..=len.
    at.index(len + 1)
}

fn edit() -> BoxedStrategy<Edit> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Set { at, byte }),
        2 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        6 => (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Edit::Token { at, token }),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Edit::Overwrite { at, token }),
        4 => (any::<Index>(), prop_oneof![1u16..4, 1u16..64, 1u16..2048]).prop_map(|(at, len)| Edit::Delete { at, len }),
        2 => (any::<Index>(), 1u16..256).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        1 => any::<Index>().prop_map(|at| Edit::Truncate { at }),
        2 => (any::<Index>(), any::<Index>(), any::<Index>(), 1u16..512).prop_map(|(at, seed, from, len)| Edit::Splice { at, seed, from, len }),
        1 => (any::<Index>(), 1u8..16, prop_oneof![2u16..16, 16u16..4096]).prop_map(|(at, len, times)| Edit::Repeat { at, len, times }),
    ]
    .boxed()
}

/// Up to `max` edits.
pub fn edits(max: usize) -> BoxedStrategy<Vec<Edit>> {
    proptest::collection::vec(edit(), 0..=max).boxed()
}

/// `seed` with `edits` applied; tokens from `dict`, splices from `seeds`. Never longer than `cap`.
pub fn apply(seed: &[u8], edits: &[Edit], dict: &[&[u8]], seeds: &[&[u8]], cap: usize) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        match e {
            Edit::Flip { at, bit } => {
                if !b.is_empty() {
                    let i = at.index(b.len());
                    b[i] ^= 1 << bit;
                }
            }
            Edit::Set { at, byte } => {
                if !b.is_empty() {
                    let i = at.index(b.len());
                    b[i] = *byte;
                }
            }
            Edit::Insert { at, bytes } => {
                let i = pos(at, b.len());
                b.splice(i..i, bytes.iter().copied());
            }
            Edit::Token { at, token } => {
                if !dict.is_empty() {
                    let i = pos(at, b.len());
                    b.splice(i..i, dict[token.index(dict.len())].iter().copied());
                }
            }
            Edit::Overwrite { at, token } => {
                if !dict.is_empty() {
                    let t = dict[token.index(dict.len())];
                    let i = pos(at, b.len());
                    let end = (i + t.len()).min(b.len());
                    b.splice(i..end, t.iter().copied());
                }
            }
            Edit::Delete { at, len } => {
                let i = pos(at, b.len());
                let end = (i + *len as usize).min(b.len());
                b.drain(i..end);
            }
            Edit::Duplicate { at, len } => {
                if !b.is_empty() {
                    let i = at.index(b.len());
                    let end = (i + *len as usize).min(b.len());
                    let run = b[i..end].to_vec();
                    b.splice(end..end, run);
                }
            }
            Edit::Truncate { at } => {
                let i = pos(at, b.len());
                b.truncate(i);
            }
            Edit::Splice { at, seed, from, len } => {
                if !seeds.is_empty() {
                    let other = seeds[seed.index(seeds.len())];
                    if !other.is_empty() {
                        let f = from.index(other.len());
                        let end = (f + *len as usize).min(other.len());
                        let i = pos(at, b.len());
                        b.splice(i..i, other[f..end].iter().copied());
                    }
                }
            }
            Edit::Repeat { at, len, times } => {
                if !b.is_empty() {
                    let i = at.index(b.len());
                    let end = (i + *len as usize).min(b.len());
                    let run = b[i..end].to_vec();
                    let mut rep = Vec::with_capacity(run.len() * *times as usize);
                    for _ in 0..*times {
                        rep.extend_from_slice(&run);
                    }
                    b.splice(end..end, rep);
                }
            }
        }
        if b.len() > cap {
            b.truncate(cap);
        }
    }
    b
}

/// A seed from `seeds` with up to `max_edits` edits.
pub fn mutated(seeds: Vec<Vec<u8>>, dict: Vec<Vec<u8>>, max_edits: usize, cap: usize) -> BoxedStrategy<Vec<u8>> {
    (any::<Index>(), edits(max_edits))
        .prop_map(move |(which, edits)| {
            let d: Vec<&[u8]> = dict.iter().map(Vec::as_slice).collect();
            let s: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
            apply(s[which.index(s.len())], &edits, &d, &s, cap)
        })
        .boxed()
}

/// [`mutated`], read as text (invalid UTF-8 replaced): for parsers that take `&str`.
pub fn mutated_text(seeds: Vec<String>, dict: Vec<String>, max_edits: usize, cap: usize) -> BoxedStrategy<String> {
    mutated(
        seeds.into_iter().map(String::into_bytes).collect(),
        dict.into_iter().map(String::into_bytes).collect(),
        max_edits,
        cap,
    )
    .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
    .boxed()
}

/// Short strings people and pages produce, and the odd ones that break code: empty, blanks,
/// control characters, combining marks, right-to-left text, emoji, characters whose lowercase is
/// longer, very long runs.
pub fn odd_string() -> BoxedStrategy<String> {
    prop_oneof![
        16 => proptest::sample::select(ODD_STRINGS).prop_map(str::to_string),
        16 => proptest::collection::vec(proptest::sample::select(ODD_CHARS), 0..24).prop_map(|v| v.into_iter().collect()),
        6 => proptest::collection::vec(any::<char>(), 0..16).prop_map(|v| v.into_iter().collect()),
        1 => (proptest::sample::select(ODD_STRINGS), 1usize..2000).prop_map(|(s, n)| s.repeat(n).chars().take(8_000).collect()),
    ]
    .boxed()
}

pub const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "  \t\n ",
    "\u{0}",
    "\r\n",
    "\u{feff}",
    "\u{200b}",
    "\u{202e}abc",
    "İstanbul",
    "ß",
    "ǅ",
    "ﬃ",
    "Σ",
    "e\u{301}",
    "👍🏽",
    "🇳🇴",
    "中文按钮",
    "שלום",
    "…",
    "\"",
    "'",
    "\\",
    "\\u0000",
    "{}",
    "[]",
    "null",
    "true",
    "NaN",
    "-0",
    "1e999",
    "e12",
    "[e12]",
    "#12",
    "12",
    "0",
    "number 7",
    "all",
    "the Save button",
    "Save",
    "yes",
    "no",
    "Allow: type into Password?",
    "javascript:alert(1)",
    "https://example.org/a?b=1#c",
    "/path",
    "navy",
    "#1e90ff",
    "rgb(30, 144, 255)",
    "20px",
    "1.5em",
    "200%",
    "2x",
];

pub const ODD_CHARS: &[char] = &[
    'a', 'Z', '0', '9', ' ', '\t', '\n', '\r', '\u{0}', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}',
    '\u{301}', '\u{200d}', '\u{feff}', '\u{fffd}', 'é', 'İ', 'ß', 'ẞ', 'Ω', '中', '👍', '"', '\'', '\\', '/', '[', ']',
    '{', '}', '#', '.', ',', ':', ';', '-', '_', '%', '…', '’', 'e', '1',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_stay_in_bounds_and_under_the_cap() {
        crate::fuzz("self-test-edits", 300, (edits(12), 0usize..3000), |(edits, cap)| {
            for seed in [&b""[..], b"v=0\r\no=-\r\n"] {
                let out = apply(seed, &edits, &[b"m=audio", b""], &[b"x", b"", b"abcdefgh"], cap);
                prop_assert!(out.len() <= cap.max(seed.len()));
            }
            Ok(())
        });
    }
}
