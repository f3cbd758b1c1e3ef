//! The person's language (the options page's "Language"): an ISO 639-1 code such as `fr`, or a
//! tag such as `pt-BR`. The transcription gets the code (OpenAI's `transcription.language` takes
//! ISO 639-1), and the model is told by name to answer in it.

/// Names of the languages people most often set; any other well-formed code is named by its code.
const NAMES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("bn", "Bengali"),
    ("ca", "Catalan"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fa", "Persian"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hu", "Hungarian"),
    ("id", "Indonesian"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("nl", "Dutch"),
    ("no", "Norwegian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sv", "Swedish"),
    ("sw", "Swahili"),
    ("th", "Thai"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("vi", "Vietnamese"),
    ("zh", "Chinese"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Language {
    /// ISO 639-1, lowercase: what the transcription takes.
    pub code: String,
    /// How the model is told ("French"; an unlisted code as "the language with ISO 639-1 code xx").
    pub name: String,
}

/// `Ok(None)`: automatic (empty). An error says what a code looks like.
pub fn parse(setting: &str) -> Result<Option<Language>, String> {
    let setting = setting.trim();
    if setting.is_empty() {
        return Ok(None);
    }
    let primary = setting.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    let well_formed = primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_lowercase());
    if !well_formed
        || setting.len() > 12
        || !setting.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        let shown: String = setting.chars().take(40).collect();
        return Err(format!(
            "\"{shown}\" is not a language code. Set a two-letter ISO 639-1 code such as fr, de or ja on Hark's options page, or leave it empty for automatic."
        ));
    }
    let name = NAMES
        .iter()
        .find(|(c, _)| *c == primary)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("the language with ISO 639-1 code {primary}"));
    Ok(Some(Language { code: primary, name }))
}

impl Language {
    /// A system note for the model: additive, so the companion's instructions (and the person's
    /// own) stay as they are.
    pub fn note(&self) -> String {
        format!(
            "The person speaks {name}. Always answer them in {name}, whatever language the page or the tools use; keep page text you quote as it is.",
            name = self.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_tags_name_the_language() {
        assert_eq!(parse("fr").unwrap().unwrap(), Language { code: "fr".into(), name: "French".into() });
        assert_eq!(parse(" pt-BR ").unwrap().unwrap().code, "pt");
        assert_eq!(parse("DE").unwrap().unwrap().name, "German");
        assert_eq!(parse("qu").unwrap().unwrap().name, "the language with ISO 639-1 code qu");
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn what_is_not_a_code_gets_words() {
        for bad in ["french", "f", "12", "fr;drop", "ﬁ", "fr-".repeat(9).as_str()] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("ISO 639-1") && e.contains("options page"), "{bad}: {e}");
        }
    }
}
