//! Bytes of a fetched or local feed or page to UTF-8 text.
//!
//! [`decode`] picks one encoding by a fixed precedence (RELIABILITY ENC-05: byte-order mark,
//! then "the bytes are valid UTF-8", then the HTTP `charset`, then the XML prolog, then an HTML
//! `<meta>` charset, then windows-1252 with a warning), decodes once, removes every BOM from the
//! start and rewrites the prolog's `encoding` attribute to `UTF-8`, so that a parser reading the
//! result never decodes a second time. Labels are resolved by `encoding_rs` with the WHATWG
//! rules (`gb2312` → GBK, `latin1` → windows-1252, …). This module must not do I/O, must not
//! guess by statistics beyond the UTF-8 check described on [`decode`], and must not panic on any
//! input; an encoding it cannot decode is an error, never silently wrong text.

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use regex::bytes::Regex as BytesRegex;

/// Why a document could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No bytes at all, or only whitespace (and byte-order marks).
    #[error("empty document")]
    Empty,
    /// The document declares (or its first bytes show) an encoding that WHATWG does not define,
    /// such as UTF-32, and its bytes are not valid UTF-8 either.
    #[error("unsupported encoding {0:?}")]
    UnsupportedEncoding(String),
}

/// A decoded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text, without a leading BOM, with the XML prolog's encoding rewritten to `UTF-8`:
    /// borrowed from the bytes where they were UTF-8 already and needed no change (copying
    /// every fetched feed once was a twentieth of a large merge).
    pub text: Cow<'a, str>,
    /// The WHATWG name of the encoding used, e.g. `UTF-8`, `GBK`, `windows-1252`.
    pub encoding: &'static str,
    /// Set when the result is a fallback or contains replacement characters: what was
    /// assumed, and the byte offset of the first undecodable byte where there is one.
    pub warning: Option<String>,
}

/// How far into the document the XML prolog is looked for. A prolog must be the very first
/// thing, so a few hundred bytes would do; the extra room covers leading whitespace.
const PROLOG_SCAN: usize = 1024;

/// How far into the document an HTML `<meta>` charset is looked for. The HTML standard's
/// prescan stops at 1024 bytes, but real pages often put the meta after a long `<head>`
/// preamble (ENC-12), so we look further; 4 KiB still keeps the scan cheap.
const META_SCAN: usize = 4096;

/// Decodes `bytes` to UTF-8 text.
///
/// Precedence (RELIABILITY ENC-05), first match wins:
/// 1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE); a UTF-32 BOM is
///    [`DecodeError::UnsupportedEncoding`]. BOM-less UTF-16 whose first bytes are `<?` with
///    zero bytes between is recognised the same way (XML 1.0 appendix F);
/// 2. bytes that are valid UTF-8 are UTF-8, whatever is declared, because a declaration that
///    contradicts valid UTF-8 is almost always a stale template (ENC-04: no "CafÃ©");
/// 3. the HTTP `charset` (`http_charset`, e.g. from [`charset_of`]);
/// 4. the XML prolog's `encoding`;
/// 5. an HTML `<meta charset>` or `<meta http-equiv=Content-Type content="…; charset=…">`
///    within the first 4 KiB (also after byte 1024);
/// 6. windows-1252, with a warning.
///
/// Labels map through `encoding_rs` (WHATWG), so `gb2312` → GBK and `latin1` →
/// windows-1252. A declared label WHATWG does not know (`utf-32`, `bogus`) is skipped in favour
/// of a later source of the precedence list that is known; when none is known, the first
/// unknown label is reported as [`DecodeError::UnsupportedEncoding`]. A UTF-16 label in the
/// prolog or a meta tag is ignored: we could read it as ASCII, so the bytes are not UTF-16.
///
/// When the chosen encoding is UTF-8 but the bytes are not valid UTF-8, the document is decoded
/// as UTF-8 with U+FFFD replacements if most of its non-ASCII sequences are valid UTF-8 (a few
/// corrupt bytes, ENC-01), and as windows-1252 otherwise (a Latin-1 file labelled UTF-8,
/// ENC-03); both add a warning naming the first bad byte offset. Other encodings that meet
/// undecodable bytes replace them and warn.
///
/// The returned text never starts with a BOM (a second BOM after the first is removed too),
/// and its XML prolog, if any, says `encoding="UTF-8"`. Empty or whitespace-only input is
/// [`DecodeError::Empty`].
pub fn decode<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Result<Decoded<'a>, DecodeError> {
    // UTF-32 is checked before the UTF-16 BOM because FF FE 00 00 starts with FF FE.
    if bytes.starts_with(&[0x00, 0x00, 0xFE, 0xFF])
        || bytes.starts_with(&[0xFF, 0xFE, 0x00, 0x00])
        || bytes.starts_with(&[0x00, 0x00, 0x00, b'<'])
        || bytes.starts_with(&[b'<', 0x00, 0x00, 0x00])
    {
        // NUL bytes are valid UTF-8, so BOM-less UTF-32 would pass the UTF-8 check below.
        return Err(DecodeError::UnsupportedEncoding("utf-32".to_owned()));
    }

    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        let warning = had_errors
            .then(|| format!("undecodable {} bytes replaced with U+FFFD", encoding.name()));
        return finish(text, encoding, warning);
    }
    if bytes.starts_with(&[b'<', 0x00, b'?', 0x00]) {
        return decode_with(bytes, UTF_16LE, None);
    }
    if bytes.starts_with(&[0x00, b'<', 0x00, b'?']) {
        return decode_with(bytes, UTF_16BE, None);
    }

    // Most feeds are UTF-8, and checking a large one with std took a twentieth of a merge.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return finish(Cow::Borrowed(text), UTF_8, None);
    }

    // Declared labels in precedence order; the first one WHATWG knows is used.
    let mut first_unknown: Option<String> = None;
    let declared = [
        (http_charset.map(|c| c.as_bytes().to_vec()), true),
        (prolog_encoding(bytes), false),
        (meta_charset(bytes), false),
    ];
    for (label, from_http) in declared {
        let Some(label) = label else { continue };
        match Encoding::for_label(&label) {
            // A UTF-16 label found by reading the bytes as ASCII cannot be right.
            Some(enc) if !from_http && (enc == UTF_16LE || enc == UTF_16BE) => {}
            Some(enc) => return decode_with(bytes, enc, Some(&label)),
            None => {
                first_unknown
                    .get_or_insert_with(|| String::from_utf8_lossy(&label).trim().to_owned());
            }
        }
    }
    if let Some(label) = first_unknown {
        return Err(DecodeError::UnsupportedEncoding(label.to_ascii_lowercase()));
    }
    decode_with(bytes, UTF_8, None)
}

/// The `charset` parameter of a Content-Type header value, if any, without quotes.
///
/// `text/xml; charset="GBK"` → `Some("GBK")`; `text/html` → `None`.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then_some(value)
    })
}

/// Rewrites the `encoding` attribute of a leading XML declaration to `UTF-8`. Text handed to a
/// parser is already decoded; a prolog still naming GBK would make quick-xml decode it again.
pub(crate) fn rewrite_prolog_encoding(text: &str) -> Cow<'_, str> {
    static ENC: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r#"^(\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])([^"']*)(["'])"#)
            .expect("valid regex")
    });
    match ENC.captures(text) {
        Some(c) if !c[3].eq_ignore_ascii_case("utf-8") => {
            let (prefix, value) = (c.get(1).expect("group 1"), c.get(3).expect("group 3"));
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..prefix.end()]);
            out.push_str(&c[2]);
            out.push_str("UTF-8");
            out.push_str(&text[value.end()..]);
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(text),
    }
}

/// Decodes with `encoding` (the one the precedence chose; `label` is what was declared).
fn decode_with<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
    label: Option<&[u8]>,
) -> Result<Decoded<'a>, DecodeError> {
    if encoding == UTF_8 {
        // Only reached when the bytes are not valid UTF-8.
        let (good, bad, first_bad) = utf8_census(bytes);
        let declared = match label {
            Some(l) => format!("declared {:?}", String::from_utf8_lossy(l).trim()),
            None => "no encoding declared".to_owned(),
        };
        if good > bad {
            let text = String::from_utf8_lossy(bytes);
            let warning = format!(
                "invalid UTF-8 at byte {first_bad} ({bad} sequence(s) replaced with U+FFFD; \
                 {declared})"
            );
            return finish(text, UTF_8, Some(warning));
        }
        // Mostly not UTF-8: guess the real encoding from the bytes
        // (chardetng, the detector browsers use), so an undeclared GBK or
        // Big5 page still reads as Chinese; windows-1252 is its usual answer
        // for Latin text.
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(bytes, true);
        // Only a multi-byte East Asian guess is trusted: on short Latin text
        // the detector's single-byte guesses (ISO-8859-4 for "naïve") are
        // worse than windows-1252.
        let guess = match detector.guess(None, chardetng::Utf8Detection::Deny) {
            g if [encoding_rs::GBK, encoding_rs::GB18030, encoding_rs::BIG5].contains(&g)
                || [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP, encoding_rs::EUC_KR]
                    .contains(&g) =>
            {
                g
            }
            _ => WINDOWS_1252,
        };
        let (text, _) = guess.decode_without_bom_handling(bytes);
        let warning = format!(
            "not valid UTF-8 (first bad byte at {first_bad}; {declared}); decoded as {}",
            guess.name()
        );
        return finish(text, guess, Some(warning));
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let warning = had_errors.then(|| {
        let offset = first_error_offset(bytes, encoding);
        format!("undecodable {} bytes from byte {offset} replaced with U+FFFD", encoding.name())
    });
    finish(text, encoding, warning)
}

/// Strips leading BOMs, rejects empty text and rewrites the prolog.
fn finish<'a>(
    text: Cow<'a, str>,
    encoding: &'static Encoding,
    warning: Option<String>,
) -> Result<Decoded<'a>, DecodeError> {
    // A second BOM (a file saved twice by a BOM-adding editor) is just as invisible as the
    // first and would end up in the first title, so every leading one goes.
    let empty = |t: &str| t.trim().is_empty();
    let text = match text {
        Cow::Borrowed(t) => {
            let t = t.trim_start_matches('\u{feff}');
            if empty(t) {
                return Err(DecodeError::Empty);
            }
            rewrite_prolog_encoding(t)
        }
        Cow::Owned(t) => {
            let trimmed = t.trim_start_matches('\u{feff}');
            if empty(trimmed) {
                return Err(DecodeError::Empty);
            }
            match rewrite_prolog_encoding(trimmed) {
                Cow::Owned(rewritten) => Cow::Owned(rewritten),
                Cow::Borrowed(same) if same.len() == t.len() => Cow::Owned(t),
                Cow::Borrowed(same) => Cow::Owned(same.to_owned()),
            }
        }
    };
    Ok(Decoded { text, encoding: encoding.name(), warning })
}

/// Counts valid multi-byte UTF-8 sequences and invalid ones; also returns the offset of the
/// first invalid byte. Used to tell "UTF-8 with a few corrupt bytes" from "not UTF-8 at all".
fn utf8_census(bytes: &[u8]) -> (usize, usize, usize) {
    let (mut good, mut bad, mut first_bad) = (0, 0, None);
    let mut rest = bytes;
    let mut offset = 0;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                // The prefix is valid UTF-8 by construction, so this never falls back.
                let prefix = std::str::from_utf8(&rest[..valid]).unwrap_or_default();
                good += prefix.chars().filter(|c| !c.is_ascii()).count();
                bad += 1;
                first_bad.get_or_insert(offset + valid);
                // A truncated sequence at the very end has no error length: stop there.
                let skip = valid + e.error_len().unwrap_or(rest.len() - valid);
                offset += skip;
                rest = &rest[skip..];
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    (good, bad, first_bad.unwrap_or(0))
}

/// The byte offset of the first undecodable byte in `bytes` for `encoding` (for the warning).
fn first_error_offset(bytes: &[u8], encoding: &'static Encoding) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len());
    let mut out = String::with_capacity(capacity.unwrap_or(bytes.len().saturating_mul(3)));
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(len, consumed_after) => {
            read.saturating_sub(usize::from(len) + usize::from(consumed_after))
        }
        _ => read,
    }
}

/// The `encoding` of an XML declaration at the start of `bytes`, read as ASCII.
fn prolog_encoding(bytes: &[u8]) -> Option<Vec<u8>> {
    static PROLOG: LazyLock<BytesRegex> = LazyLock::new(|| {
        BytesRegex::new(r#"^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:()\-]+)\s*["']"#)
            .expect("valid regex")
    });
    let head = &bytes[..bytes.len().min(PROLOG_SCAN)];
    PROLOG.captures(head).map(|c| c[1].to_vec())
}

/// The charset of the first HTML `<meta>` that declares one, within the first 4 KiB.
fn meta_charset(bytes: &[u8]) -> Option<Vec<u8>> {
    // One pattern covers `<meta charset="x">` and
    // `<meta http-equiv="Content-Type" content="text/html; charset=x">`: both put `charset`,
    // `=` and the label inside the meta tag.
    static META: LazyLock<BytesRegex> = LazyLock::new(|| {
        BytesRegex::new(r#"(?i-u)<meta\s[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:()\-]+)"#)
            .expect("valid regex")
    });
    let head = &bytes[..bytes.len().min(META_SCAN)];
    META.captures(head).map(|c| c[1].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml_with(encoding: &str, body: &str, enc: &'static Encoding) -> Vec<u8> {
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<rss version=\"2.0\"><channel>\
             <title>{body}</title></channel></rss>"
        );
        let (bytes, _, unmappable) = enc.encode(&doc);
        assert!(!unmappable, "test text must be encodable");
        bytes.into_owned()
    }

    fn title<'a>(d: &'a Decoded<'_>) -> &'a str {
        let start = d.text.find("<title>").unwrap() + 7;
        let end = d.text.find("</title>").unwrap();
        &d.text[start..end]
    }

    #[test]
    fn undeclared_gbk_and_big5_are_detected() {
        let gbk = encoding_rs::GBK
            .encode("<p>青禾市图书馆今晚延长开放时间，欢迎读者前来借阅新到的图书和期刊。</p>")
            .0;
        let d = decode(&gbk, None).unwrap();
        assert_eq!(d.encoding, "GBK");
        assert!(d.text.contains("青禾市图书馆"), "{}", d.text);
        let warning = d.warning.unwrap();
        assert!(warning.ends_with("no encoding declared); decoded as GBK"), "{warning}");
        let big5 = encoding_rs::BIG5
            .encode("<p>臺北市立圖書館今晚延長開放時間，歡迎讀者前來借閱新到的圖書與期刊。</p>")
            .0;
        let d = decode(&big5, None).unwrap();
        assert_eq!(d.encoding, "Big5");
        assert!(d.text.contains("圖書館"), "{}", d.text);
    }

    #[test]
    fn gbk_declared_only_in_prolog() {
        let bytes = xml_with("GBK", "中文新闻标题", encoding_rs::GBK);
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "GBK");
        assert_eq!(title(&d), "中文新闻标题");
        assert_eq!(d.warning, None);
        assert!(d.text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{}", d.text);
    }

    #[test]
    fn gb2312_label_decodes_gbk_only_characters() {
        // 镕 and 堃 are outside GB2312 but inside GBK; WHATWG maps the gb2312 label to GBK.
        let bytes = xml_with("gb2312", "朱镕基与堃", encoding_rs::GBK);
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "GBK");
        assert_eq!(title(&d), "朱镕基与堃");
    }

    #[test]
    fn legacy_encodings_from_the_prolog() {
        let cases: [(&str, &str, &'static Encoding, &str); 5] = [
            ("Big5", "臺灣新聞", encoding_rs::BIG5, "Big5"),
            ("Shift_JIS", "日本語のニュース", encoding_rs::SHIFT_JIS, "Shift_JIS"),
            ("EUC-KR", "한국어 뉴스", encoding_rs::EUC_KR, "EUC-KR"),
            ("windows-1252", "Café “quoted” – naïve", encoding_rs::WINDOWS_1252, "windows-1252"),
            ("KOI8-R", "Новости дня", encoding_rs::KOI8_R, "KOI8-R"),
        ];
        for (label, text, enc, name) in cases {
            let bytes = xml_with(label, text, enc);
            let d = decode(&bytes, None).unwrap();
            assert_eq!((d.encoding, title(&d)), (name, text), "{label}");
            assert_eq!(d.warning, None, "{label}");
        }
    }

    #[test]
    fn http_charset_beats_prolog() {
        // The server says GBK, the prolog (a stale template) says windows-1252.
        let doc = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss><channel>\
                   <title>新闻</title></channel></rss>";
        let (bytes, _, _) = encoding_rs::GBK.encode(doc);
        let d = decode(&bytes, Some("gbk")).unwrap();
        assert_eq!((d.encoding, title(&d)), ("GBK", "新闻"));
        assert!(d.text.contains("encoding=\"UTF-8\""));
    }

    #[test]
    fn valid_utf8_beats_a_latin1_prolog_and_header() {
        let doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel>\
                   <title>Café</title></channel></rss>";
        let d = decode(doc.as_bytes(), Some("iso-8859-1")).unwrap();
        assert_eq!((d.encoding, title(&d)), ("UTF-8", "Café"));
        assert!(!d.text.contains("Ã"));
        assert!(d.text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    }

    #[test]
    fn latin1_bytes_with_utf8_prolog_fall_back_with_warning() {
        let mut bytes =
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><title>Caf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b" cr\xE8me</title></channel></rss>");
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("windows-1252", "Café crème"));
        let warning = d.warning.unwrap();
        assert!(warning.contains("first bad byte at 62"), "{warning}");
        assert!(warning.contains("windows-1252"), "{warning}");
        assert!(!d.text.contains('\u{fffd}'));
    }

    #[test]
    fn mostly_utf8_with_one_bad_byte_keeps_utf8() {
        let mut bytes = "<rss><channel><title>中文 ".as_bytes().to_vec();
        let bad_at = bytes.len();
        bytes.push(0xFF);
        bytes.extend_from_slice("新闻</title></channel></rss>".as_bytes());
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("UTF-8", "中文 \u{fffd}新闻"));
        assert!(d.warning.unwrap().contains(&format!("invalid UTF-8 at byte {bad_at}")));
    }

    #[test]
    fn invalid_utf8_variants_become_replacement_characters_with_a_warning() {
        let cases: [(&str, &[u8], &str); 3] = [
            ("lone continuation byte", &[0x80], "\u{fffd}"),
            // Overlong "/": C0 can never start a sequence, so each byte is its own error.
            ("overlong", &[0xC0, 0xAF], "\u{fffd}\u{fffd}"),
            ("encoded surrogate", &[0xED, 0xA0, 0x80], "\u{fffd}\u{fffd}\u{fffd}"),
        ];
        for (name, bad, replaced) in cases {
            let mut bytes = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><title>中文 "
                .as_bytes()
                .to_vec();
            let bad_at = bytes.len();
            bytes.extend_from_slice(bad);
            bytes.extend_from_slice("新闻</title></channel></rss>".as_bytes());
            let d = decode(&bytes, None).unwrap();
            assert_eq!(
                (d.encoding, title(&d)),
                ("UTF-8", &*format!("中文 {replaced}新闻")),
                "{name}"
            );
            let warning = d.warning.unwrap();
            assert!(
                warning.contains(&format!("invalid UTF-8 at byte {bad_at}")),
                "{name}: {warning}"
            );
        }

        // The first two bytes of a three-byte character, and then the body ends.
        let mut cut = "<rss><channel><title>中文新闻</title></channel></rss>".as_bytes().to_vec();
        let bad_at = cut.len();
        cut.extend_from_slice(&"中".as_bytes()[..2]);
        let d = decode(&cut, None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("UTF-8", "中文新闻"));
        assert!(d.text.ends_with("</rss>\u{fffd}"), "{:?}", d.text);
        let warning = d.warning.unwrap();
        assert!(warning.contains(&format!("invalid UTF-8 at byte {bad_at}")), "{warning}");
    }

    #[test]
    fn invalid_utf8_in_plain_ascii_text_falls_back_with_a_warning() {
        // With no valid multi-byte character to outvote it, one bad sequence reads as
        // mislabelled Latin text; the offset is still named.
        for bad in [&[0x80][..], &[0xC0, 0xAF], &[0xED, 0xA0, 0x80], &[0xE4, 0xB8]] {
            let mut bytes = b"<rss><channel><title>News ".to_vec();
            let bad_at = bytes.len();
            bytes.extend_from_slice(bad);
            bytes.extend_from_slice(b"</title></channel></rss>");
            let d = decode(&bytes, None).unwrap();
            assert_eq!(d.encoding, "windows-1252", "{bad:?}");
            assert!(title(&d).starts_with("News "), "{bad:?}");
            let warning = d.warning.unwrap();
            assert!(warning.contains(&format!("first bad byte at {bad_at}")), "{warning}");
        }
    }

    #[test]
    fn boms_decode_and_never_reach_the_text() {
        let doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>Ünïcödé 中</title></channel></rss>";
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend_from_slice(doc.as_bytes());
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in doc.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        for (bytes, name) in [(utf8, "UTF-8"), (le, "UTF-16LE"), (be, "UTF-16BE")] {
            // The header contradicts the BOM; the BOM wins.
            let d = decode(&bytes, Some("windows-1252")).unwrap();
            assert_eq!((d.encoding, title(&d)), (name, "Ünïcödé 中"));
            assert!(d.text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{name}");
            assert!(!d.text.contains('\u{feff}'));
        }
    }

    #[test]
    fn double_bom_is_stripped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(b"<rss><channel><title>x</title></channel></rss>");
        let d = decode(&bytes, None).unwrap();
        assert!(d.text.starts_with("<rss>"), "{:?}", d.text);
    }

    #[test]
    fn bomless_utf16_is_recognised() {
        let doc = "<?xml version=\"1.0\"?><rss><channel><title>日本</title></channel></rss>";
        let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let d = decode(&le, None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("UTF-16LE", "日本"));
    }

    #[test]
    fn utf32_and_unknown_labels() {
        let utf32: Vec<u8> = "<rss/>".chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let mut with_bom = vec![0xFF, 0xFE, 0x00, 0x00];
        with_bom.extend_from_slice(&utf32);
        for bytes in [utf32, with_bom] {
            assert_eq!(
                decode(&bytes, None),
                Err(DecodeError::UnsupportedEncoding("utf-32".to_owned()))
            );
        }
        let err = DecodeError::UnsupportedEncoding("utf-32".to_owned());
        assert_eq!(err.to_string(), "unsupported encoding \"utf-32\"");

        // A label WHATWG does not know, with bytes that are not UTF-8.
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"UTF-32\"?><rss><title>".to_vec();
        bytes.extend_from_slice(b"\xE9</title></rss>");
        assert_eq!(decode(&bytes, None), Err(DecodeError::UnsupportedEncoding("utf-32".into())));
        assert_eq!(
            decode(&bytes, Some("x-bogus")),
            Err(DecodeError::UnsupportedEncoding("x-bogus".into()))
        );
        // An unknown header label yields to a known prolog label.
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"latin1\"?><rss><title>".to_vec();
        bytes.extend_from_slice(b"caf\xE9</title></rss>");
        let d = decode(&bytes, Some("x-bogus")).unwrap();
        assert_eq!((d.encoding, title(&d)), ("windows-1252", "café"));
        // Valid UTF-8 wins over any label.
        let d = decode("<?xml version=\"1.0\" encoding=\"utf-32\"?><rss/>".as_bytes(), None);
        assert_eq!(d.unwrap().encoding, "UTF-8");
    }

    #[test]
    fn html_meta_charset_after_byte_1024() {
        let padding = "<!-- ".to_owned() + &"x".repeat(1500) + " -->";
        let page = format!(
            "<!DOCTYPE html><html><head>{padding}<meta http-equiv=\"Content-Type\" \
             content=\"text/html; charset=gb2312\"><title>网页标题</title></head></html>"
        );
        let (bytes, _, _) = encoding_rs::GBK.encode(&page);
        assert!(bytes.windows(5).position(|w| w == b"<meta").unwrap() > 1024);
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("GBK", "网页标题"));

        let page = "<html><head><meta charset='windows-1251'><title>Новости</title></head></html>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(page);
        let d = decode(&bytes, None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("windows-1251", "Новости"));
    }

    #[test]
    fn no_label_and_not_utf8_is_windows_1252_with_warning() {
        let d = decode(b"<rss><title>na\xEFve</title></rss>", None).unwrap();
        assert_eq!((d.encoding, title(&d)), ("windows-1252", "naïve"));
        assert!(d.warning.unwrap().contains("no encoding declared"));
    }

    #[test]
    fn empty_and_whitespace() {
        assert_eq!(decode(b"", None), Err(DecodeError::Empty));
        assert_eq!(decode(b" \r\n\t ", None), Err(DecodeError::Empty));
        assert_eq!(decode(&[0xEF, 0xBB, 0xBF, b' ', b'\n'], None), Err(DecodeError::Empty));
    }

    #[test]
    fn prolog_rewrite_keeps_quotes_and_leaves_utf8_alone() {
        let d = decode(b"<?xml version='1.0' encoding='Shift_JIS' standalone='yes'?><a/>", None);
        assert_eq!(d.unwrap().text, "<?xml version='1.0' encoding='UTF-8' standalone='yes'?><a/>");
        assert!(matches!(
            rewrite_prolog_encoding("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(rewrite_prolog_encoding("<rss encoding=\"gbk\"/>"), Cow::Borrowed(_)));
    }

    #[test]
    fn charset_of_content_type() {
        assert_eq!(charset_of("text/xml; charset=GBK"), Some("GBK"));
        assert_eq!(charset_of("application/rss+xml;Charset=\"utf-8\"; q=1"), Some("utf-8"));
        assert_eq!(charset_of("text/html"), None);
        assert_eq!(charset_of("text/html; charset="), None);
        assert_eq!(charset_of("charset=utf-8"), None);
    }
}
