//! Quick answers about http(s) links that spare a URL parse.
//!
//! Every record's link is checked, canonicalised for dedupe and its content's
//! image and link URLs are checked; on a large build the URL parser was a
//! twentieth of all the work, nearly all of it on links that are already
//! written exactly as the parser writes them. These checks recognise such
//! links conservatively: when they say no, the caller parses as before.

/// Whether `rest` (an http(s) URL after `://`, free of spaces and controls) starts with a host
/// that `Url::parse` certainly accepts, followed by nothing or by a path, query or fragment,
/// which it accepts whatever they hold (it percent-encodes what needs it). The host must be
/// labels of ASCII letters, digits and hyphens; a port, user info, IP addresses, IDNA and
/// empty labels are left to the parser.
pub(crate) fn has_plain_host(rest: &str) -> bool {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    let mut labels = host.split('.');
    let last = labels.next_back().unwrap_or_default();
    let plain = |label: &str| {
        !label.is_empty()
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    };
    // A last label that starts with a letter is not a number, so the host is not read as an
    // IPv4 address (which "1.2.3.999" or "0x1g" would fail as).
    plain(last) && last.as_bytes()[0].is_ascii_alphabetic() && labels.all(plain)
}

/// Whether `s` is an http(s) URL that `Url::parse` accepts and writes back unchanged, with a
/// host and without a query or fragment: lower-case scheme and host, no port, and a path of
/// characters the parser keeps as they are, without dot segments.
pub(crate) fn is_serialized_http_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else {
        return false;
    };
    let Some(slash) = rest.find('/') else { return false };
    let (host, path) = rest.split_at(slash);
    has_plain_host(host)
        && host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && path.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'~' | b'.' | b',')
        })
        // "/." starts every dot segment ("/./", "/../", a trailing "/." or "/..").
        && !path.contains("/.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    /// A small xorshift generator: the same strings on every run.
    struct Rng(u64);

    impl Rng {
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            items[(self.0 % items.len() as u64) as usize]
        }
    }

    #[test]
    fn a_plain_host_is_one_the_url_parser_accepts() {
        for (rest, plain) in [
            ("news.example.com/a/1.png", true),
            ("EXAMPLE.com", true),
            ("ch00.example.cn?x=1", true),
            ("a-b.c-d#top", true),
            ("localhost", true),
            ("-a.example/", true),
            ("1.2.3.4/", false),
            ("1.2.3.999/", false),
            ("example.0x1g/", false),
            ("example.123/", false),
            ("example.com./", false),
            ("a..b/", false),
            ("xn--nxasmq6b.com/", false),
            ("a.XN--zz/", false),
            ("example.com:8080/", false),
            ("user@example.com/", false),
            ("exa_mple.com/", false),
            ("例え.jp/", false),
            ("/path", false),
            ("", false),
        ] {
            assert_eq!(has_plain_host(rest), plain, "{rest:?}");
            if plain {
                assert!(Url::parse(&format!("https://{rest}")).is_ok(), "{rest:?}");
            }
        }
    }

    #[test]
    fn a_serialized_url_is_what_the_parser_writes() {
        for (s, serialized) in [
            ("https://ch02.example.org/a/0000000", true),
            ("http://news.example.com/world/2025/a.html", true),
            ("https://example.com/", true),
            ("https://example.com/a,b~c_d-e.f", true),
            ("https://example.com", false),
            ("https://Example.com/", false),
            ("HTTPS://example.com/", false),
            ("https://example.com:443/", false),
            ("https://example.com/a?b=1", false),
            ("https://example.com/a#b", false),
            ("https://example.com/a/../b", false),
            ("https://example.com/a/./b", false),
            ("https://example.com/a/..", false),
            ("https://example.com/a%20b", false),
            ("https://example.com/a b", false),
            ("https://example.com/a\\b", false),
            ("https://1.2.3.4/", false),
            ("ftp://example.com/", false),
            ("tag:example.com,2025:a", false),
        ] {
            assert_eq!(is_serialized_http_url(s), serialized, "{s:?}");
        }
    }

    /// On random strings over the characters that matter to URLs, neither check ever says
    /// yes where the parser disagrees.
    #[test]
    fn the_checks_never_contradict_the_parser() {
        let host_pieces = ["a", "b", "Z", "0", "9", "-", ".", "xn--", "80", ":", "@", "%", "é"];
        let tail_pieces = [
            "/", "a", "Z", "0", "-", ".", "..", "?", "#", ":", "@", "_", "~", ",", "%", "%2e",
            "\\", " ", "é", "=", "&",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut hosts, mut serialized) = (0, 0);
        for _ in 0..50_000 {
            let mut s = String::from(rng.pick(&["http://", "https://"]));
            for _ in 0..=(rng.0 % 6) {
                s.push_str(rng.pick(&host_pieces));
            }
            if !rng.0.is_multiple_of(4) {
                s.push('/');
            }
            for _ in 0..(rng.0 % 7) {
                s.push_str(rng.pick(&tail_pieces));
            }
            if has_plain_host(&s[s.find("//").unwrap() + 2..]) && !s.contains([' ', '\\']) {
                hosts += 1;
                assert!(Url::parse(&s).is_ok(), "{s:?}");
            }
            if is_serialized_http_url(&s) {
                serialized += 1;
                let url = Url::parse(&s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
                assert_eq!(url.as_str(), s);
                assert!(
                    url.host_str().is_some() && url.query().is_none() && url.fragment().is_none()
                );
            }
        }
        assert!(hosts > 1000 && serialized > 300, "generator too narrow: {hosts}, {serialized}");
    }
}
