//! The SSRF guard: which addresses count as private, the DNS resolver that drops them, and the
//! per-hop redirect rules (hop limit, http/https only, no https→http downgrade, no private
//! literal IPs). Everything here decides; nothing here performs a request, and nothing here
//! formats URLs with their credentials.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Whether `ip` must be refused when a source does not set `allow_private = true`.
///
/// The rule: an address is private when it cannot, or should not, be reached as a public web
/// server. That is:
///
/// - IPv4: `0.0.0.0/8` (this network, includes unspecified), `10.0.0.0/8`, `100.64.0.0/10`
///   (carrier-grade NAT), `127.0.0.0/8` (loopback), `169.254.0.0/16` (link-local, includes the
///   cloud metadata address `169.254.169.254`), `172.16.0.0/12`, `192.0.0.0/24` (IETF protocol
///   assignments), `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` (documentation),
///   `192.168.0.0/16`, `198.18.0.0/15` (benchmarking), `224.0.0.0/4` (multicast) and
///   `240.0.0.0/4` (reserved, includes broadcast `255.255.255.255`).
/// - IPv6: `::` and `::1`, the deprecated IPv4-compatible `::/96`, `100::/64` (discard),
///   `2001:db8::/32` (documentation), `fc00::/7` (unique local), `fe80::/10` (link-local),
///   `fec0::/10` (deprecated site-local) and `ff00::/8` (multicast).
/// - IPv6 forms that embed an IPv4 address are judged by that address: IPv4-mapped
///   `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::/48`. So
///   `::ffff:127.0.0.1` is private and `::ffff:8.8.8.8` is not.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 0 && c == 2)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 224
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_private_v4(v4);
    }
    // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_private_v4(embedded_v4(seg[6], seg[7]));
    }
    // 6to4 2002::/16 tunnels to the IPv4 address in the next 32 bits.
    if seg[0] == 0x2002 {
        return is_private_v4(embedded_v4(seg[1], seg[2]));
    }
    // ::/96 covers ::, ::1 and the deprecated IPv4-compatible form; none is a public server.
    seg[..6] == [0; 6]
        || seg[..4] == [0x100, 0, 0, 0]
        || (seg[0] == 0x2001 && seg[1] == 0xdb8)
        || (seg[0] & 0xfe00) == 0xfc00
        || (seg[0] & 0xffc0) == 0xfe80
        || (seg[0] & 0xffc0) == 0xfec0
        || (seg[0] & 0xff00) == 0xff00
}

/// The literal IP address in a URL's host, if it has one. The `url` crate normalises the
/// alternative IPv4 spellings (`2130706433`, `0x7f.1`, `0177.0.0.1`) to dotted form, so they
/// are caught here too.
pub(crate) fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(_) => None,
    }
}

/// A resolved or literal address was refused by the SSRF guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrivateRefused {
    pub(crate) addr: IpAddr,
    /// The host name that resolved to `addr`; `None` for literal IPs.
    pub(crate) host: Option<String>,
}

impl fmt::Display for PrivateRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused private address {}", self.addr)
    }
}

impl StdError for PrivateRefused {}

/// DNS resolution failed; carries the host name so the message can name it.
#[derive(Debug)]
pub(crate) struct DnsFailed {
    pub(crate) host: String,
    pub(crate) source: std::io::Error,
}

impl fmt::Display for DnsFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DNS lookup failed for {}: {}", self.host, self.source)
    }
}

impl StdError for DnsFailed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// Resolves names with the system resolver (`tokio::net::lookup_host`) and, when `strict`,
/// drops every private address from the answer, failing if none is left.
///
/// Checking the resolved address (not the name) is what stops DNS names that point at
/// internal hosts, and because reqwest connects to exactly the addresses returned here there is
/// no second lookup an attacker could rebind between check and connect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub(crate) strict: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let strict = self.strict;
        Box::pin(async move {
            // The answer borrows its query, so look up a copy and keep `host` for messages.
            let query = host.clone();
            let found: Vec<SocketAddr> = match tokio::net::lookup_host((query.as_str(), 0)).await {
                Ok(addrs) => addrs.collect(),
                Err(source) => return Err(Box::new(DnsFailed { host, source }) as _),
            };
            if found.is_empty() {
                let source = std::io::Error::other("no addresses");
                return Err(Box::new(DnsFailed { host, source }) as _);
            }
            if !strict {
                return Ok(Box::new(found.into_iter()) as Addrs);
            }
            let first = found[0].ip();
            let public: Vec<SocketAddr> =
                found.into_iter().filter(|addr| !is_private(addr.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(PrivateRefused { addr: first, host: Some(host) }) as _);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Why a redirect hop was not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RedirectRefusal {
    /// More than the allowed number of hops.
    Limit(usize),
    /// The target scheme is not http or https.
    Scheme(String),
    /// https → http.
    Downgrade,
    /// The target is a private literal IP.
    Private(PrivateRefused),
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefusal::Limit(max) => write!(f, "redirect limit ({max}) reached"),
            RedirectRefusal::Scheme(scheme) => {
                write!(f, "redirect to unsupported scheme {scheme:?}")
            }
            RedirectRefusal::Downgrade => f.write_str("redirect from https to http refused"),
            RedirectRefusal::Private(refused) => refused.fmt(f),
        }
    }
}

impl StdError for RedirectRefusal {}

/// Decides one redirect hop. `previous` holds every URL requested so far, the first request
/// included, so `previous.len()` is the number of hops once this one is followed.
pub(crate) fn redirect_verdict(
    next: &Url,
    previous: &[Url],
    max_redirects: usize,
    allow_private: bool,
) -> Result<(), RedirectRefusal> {
    if previous.len() > max_redirects {
        return Err(RedirectRefusal::Limit(max_redirects));
    }
    let scheme = next.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(RedirectRefusal::Scheme(scheme.to_owned()));
    }
    if scheme == "http" && previous.last().is_some_and(|prev| prev.scheme() == "https") {
        return Err(RedirectRefusal::Downgrade);
    }
    if !allow_private
        && let Some(addr) = literal_ip(next)
        && is_private(addr)
    {
        return Err(RedirectRefusal::Private(PrivateRefused { addr, host: None }));
    }
    Ok(())
}

/// The reqwest redirect policy built on [`redirect_verdict`].
pub(crate) fn redirect_policy(
    max_redirects: usize,
    allow_private: bool,
) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        match redirect_verdict(attempt.url(), attempt.previous(), max_redirects, allow_private) {
            Ok(()) => attempt.follow(),
            Err(refusal) => attempt.error(refusal),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn private_address_table() {
        let cases = [
            ("127.0.0.1", true),
            ("127.255.0.9", true),
            ("0.0.0.0", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("172.31.255.255", true),
            ("172.32.0.1", false),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("100.127.255.255", true),
            ("100.128.0.1", false),
            ("192.0.2.10", true),
            ("198.18.0.1", true),
            ("224.0.0.1", true),
            ("255.255.255.255", true),
            ("8.8.8.8", false),
            ("1.1.1.1", false),
            ("93.184.216.34", false),
            ("::", true),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:169.254.169.254", true),
            ("::ffff:8.8.8.8", false),
            ("64:ff9b::7f00:1", true),
            ("64:ff9b::808:808", false),
            ("2002:7f00:1::", true),
            ("fe80::1", true),
            ("fc00::1", true),
            ("fd12:3456::1", true),
            ("fec0::1", true),
            ("ff02::1", true),
            ("2001:db8::1", true),
            ("2001:4860::1", false),
            ("2606:4700:4700::1111", false),
        ];
        for (text, private) in cases {
            assert_eq!(is_private(ip(text)), private, "{text}");
        }
    }

    #[test]
    fn literal_ip_sees_normalised_ipv4_spellings() {
        for text in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            let url = Url::parse(text).unwrap();
            let addr = literal_ip(&url).unwrap();
            assert!(is_private(addr), "{text} → {addr}");
        }
        let url = Url::parse("http://2852039166/").unwrap();
        assert_eq!(literal_ip(&url), Some(ip("169.254.169.254")));
        assert_eq!(literal_ip(&Url::parse("http://example.com/").unwrap()), None);
    }

    fn urls(texts: &[&str]) -> Vec<Url> {
        texts.iter().map(|text| Url::parse(text).unwrap()).collect()
    }

    #[test]
    fn redirect_rules() {
        let start = urls(&["https://example.com/feed"]);
        let next = |text: &str| Url::parse(text).unwrap();

        assert_eq!(redirect_verdict(&next("https://example.org/a"), &start, 5, false), Ok(()));
        assert_eq!(
            redirect_verdict(&next("file:///etc/passwd"), &start, 5, true),
            Err(RedirectRefusal::Scheme("file".into()))
        );
        assert_eq!(
            redirect_verdict(&next("javascript:alert(1)"), &start, 5, true),
            Err(RedirectRefusal::Scheme("javascript".into()))
        );
        assert_eq!(
            redirect_verdict(&next("http://example.com/feed"), &start, 5, true),
            Err(RedirectRefusal::Downgrade)
        );
        let plain = urls(&["http://example.com/feed"]);
        assert_eq!(redirect_verdict(&next("https://example.com/feed"), &plain, 5, false), Ok(()));

        for target in [
            "https://169.254.169.254/latest/meta-data/",
            "https://2852039166/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://127.0.0.1:8080/",
        ] {
            let verdict = redirect_verdict(&next(target), &start, 5, false);
            let Err(RedirectRefusal::Private(refused)) = verdict else {
                panic!("{target}: {verdict:?}");
            };
            assert!(is_private(refused.addr));
            assert_eq!(redirect_verdict(&next(target), &start, 5, true), Ok(()), "{target}");
        }

        let five = urls(&["http://a/1", "http://a/2", "http://a/3", "http://a/4", "http://a/5"]);
        assert_eq!(redirect_verdict(&next("http://a/6"), &five, 5, true), Ok(()));
        let six = urls(&[
            "http://a/1",
            "http://a/2",
            "http://a/3",
            "http://a/4",
            "http://a/5",
            "http://a/6",
        ]);
        assert_eq!(
            redirect_verdict(&next("http://a/7"), &six, 5, true),
            Err(RedirectRefusal::Limit(5))
        );
        assert_eq!(RedirectRefusal::Limit(5).to_string(), "redirect limit (5) reached");
        assert_eq!(
            RedirectRefusal::Scheme("file".into()).to_string(),
            "redirect to unsupported scheme \"file\""
        );
    }
}
