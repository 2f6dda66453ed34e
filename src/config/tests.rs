//! Config parsing and validation, driven by inline TOML.

use std::path::Path;

use super::*;

const MINIMAL: &str = "[site]\ntitle = \"S\"\nlink = \"https://example.org/feeds\"\n";

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Path::new("/cfg/feeds.toml")).map_err(|e| e.to_string())
}

fn err(text: &str) -> String {
    parse(text).expect_err("config should be rejected")
}

#[test]
fn fills_in_site_defaults() {
    let c = parse(MINIMAL).unwrap();
    let site = c.site.unwrap();
    assert_eq!(site.link.as_str(), "https://example.org/feeds/", "a trailing slash is added");
    assert_eq!(site.timezone, chrono_tz::UTC);
    assert_eq!(site.output, Path::new("/cfg/output"));
    assert_eq!(site.formats, [Format::Rss, Format::Atom, Format::Json]);
    assert_eq!((site.summary_length, site.items_per_channel), (100, 50));
    assert_eq!(site.ellipsis, "...");
    assert!(c.channels.is_empty());
}

#[test]
fn channels_inherit_site_limits_and_resolve_by_id_title_or_alias() {
    let c = parse(&format!(
        "{MINIMAL}summary_length = 80\n[[channel]]\nid = \"world\"\ntitle = \"国际新闻\"\naliases = [\"国际\"]\nitems_per_channel = 5\n"
    ))
    .unwrap();
    let ch = &c.channels[0];
    assert_eq!((ch.items_per_channel, ch.summary_length), (5, 80));
    assert_eq!(ch.link.as_str(), "https://example.org/feeds/world/");
    for name in ["world", "国际新闻", "国际", "WORLD"] {
        assert_eq!(c.names.resolve(name).map(ChannelId::as_str), Some("world"), "{name}");
    }
    assert_eq!(c.names.resolve("sport"), None);
}

#[test]
fn unknown_key_gets_position_table_and_suggestion() {
    assert_eq!(
        err(&format!("{MINIMAL}[[channel]]\nid = \"a\"\ntitle = \"A\"\nparnt = \"b\"\n")),
        "/cfg/feeds.toml:7:1: unknown key \"parnt\" in [[channel]]; did you mean \"parent\"? (valid keys: id, title, description, link, language, parent, aliases, items_per_channel, summary_length, keep_days, keep_items)"
    );
}

#[test]
fn unknown_top_level_table_is_named() {
    assert_eq!(
        err(&format!("{MINIMAL}[[sources]]\nid = \"a\"\n")),
        "/cfg/feeds.toml:4:3: unknown key \"sources\" in [[sources]]; did you mean \"source\"? (valid keys: site, channel, source, fetch)"
    );
}

#[test]
fn wrong_type_names_the_key_and_line() {
    assert_eq!(
        err(&format!("{MINIMAL}summary_length = \"abc\"\n")),
        "/cfg/feeds.toml:4:18: summary_length in [site]: invalid type: string \"abc\", expected an integer\n  4 | summary_length = \"abc\"\n    |                  ^"
    );
}

#[test]
fn out_of_range_values_say_the_allowed_range() {
    assert_eq!(
        err(&format!("{MINIMAL}items_per_channel = 0\n")),
        "/cfg/feeds.toml:4:21: items_per_channel = 0 is out of range; use 1 to 100000"
    );
    assert_eq!(
        err(&format!("{MINIMAL}summary_length = 1000000000\n")),
        "/cfg/feeds.toml:4:18: summary_length = 1000000000 is out of range; use 1 to 10000"
    );
}

#[test]
fn missing_required_key_is_named() {
    assert_eq!(
        err("[site]\ntitle = \"S\"\n"),
        "/cfg/feeds.toml:1:1: missing key \"link\" in [site]"
    );
}

#[test]
fn site_link_must_be_http() {
    assert_eq!(
        err("[site]\ntitle = \"S\"\nlink = \"ftp://example.org/\"\n"),
        "/cfg/feeds.toml:3:8: link \"ftp://example.org/\" must be an http or https URL"
    );
}

#[test]
fn unknown_timezone_suggests_the_closest() {
    assert_eq!(
        err(&format!("{MINIMAL}timezone = \"Asia/Shangai\"\n")),
        "/cfg/feeds.toml:4:12: unknown timezone \"Asia/Shangai\"; did you mean \"Asia/Shanghai\"?"
    );
}

#[test]
fn channel_ids_must_be_safe_slugs() {
    let long = "x".repeat(65);
    for bad in ["../etc", "/abs", "..", "", "Upper", "a b", "con\\u0000", &long, "-lead", "CON"] {
        let text = format!("{MINIMAL}[[channel]]\nid = \"{bad}\"\ntitle = \"T\"\n");
        let e = err(&text);
        assert!(e.contains("invalid channel id"), "{bad:?}: {e}");
    }
    for good in ["a", "world", "news-2025", "a_b", "0"] {
        assert!(
            parse(&format!("{MINIMAL}[[channel]]\nid = \"{good}\"\ntitle = \"T\"\n")).is_ok(),
            "{good}"
        );
    }
}

#[test]
fn duplicate_channel_ids_name_both_lines() {
    assert_eq!(
        err(&format!(
            "{MINIMAL}[[channel]]\nid = \"a\"\ntitle = \"A\"\n[[channel]]\nid = \"a\"\ntitle = \"B\"\n"
        )),
        "/cfg/feeds.toml:8:6: duplicate channel id \"a\" (first defined at line 5)"
    );
}

#[test]
fn parent_must_exist_and_cycles_are_errors() {
    assert_eq!(
        err(&format!(
            "{MINIMAL}[[channel]]\nid = \"world\"\ntitle = \"W\"\nparent = \"nwes\"\n[[channel]]\nid = \"news\"\ntitle = \"N\"\n"
        )),
        "/cfg/feeds.toml:7:10: parent \"nwes\" is not a channel id; did you mean \"news\"?"
    );
    assert_eq!(
        err(&format!(
            "{MINIMAL}[[channel]]\nid = \"a\"\ntitle = \"A\"\nparent = \"b\"\n[[channel]]\nid = \"b\"\ntitle = \"B\"\nparent = \"a\"\n"
        )),
        "/cfg/feeds.toml:7:10: channel parents form a cycle: a -> b -> a"
    );
    assert_eq!(
        err(&format!("{MINIMAL}[[channel]]\nid = \"a\"\ntitle = \"A\"\nparent = \"a\"\n")),
        "/cfg/feeds.toml:7:10: channel parents form a cycle: a -> a"
    );
}

#[test]
fn a_name_used_by_two_channels_is_an_error() {
    assert_eq!(
        err(&format!(
            "{MINIMAL}[[channel]]\nid = \"a\"\ntitle = \"A\"\naliases = [\"x\"]\n[[channel]]\nid = \"b\"\ntitle = \"B\"\naliases = [\"X\"]\n"
        )),
        "/cfg/feeds.toml:11:12: channel name \"X\" is used by both \"a\" and \"b\"; records could not tell them apart"
    );
}

#[test]
fn sources_are_checked() {
    let ch = "[[channel]]\nid = \"a\"\ntitle = \"Alpha\"\n";
    assert_eq!(
        err(&format!(
            "{MINIMAL}{ch}[[source]]\nid = \"s\"\nkind = \"record\"\npath = \"x.json\"\n"
        )),
        "/cfg/feeds.toml:9:8: unknown source kind \"record\"; did you mean \"records\"? (supported: records, feed, html)"
    );
    assert_eq!(
        err(&format!("{MINIMAL}{ch}[[source]]\nid = \"s\"\nkind = \"records\"\n")),
        "/cfg/feeds.toml:8:6: source \"s\" (kind = \"records\") needs a path"
    );
    assert_eq!(
        err(&format!(
            "{MINIMAL}{ch}[[source]]\nid = \"s\"\nkind = \"records\"\npath = \"x\"\nformat = \"xml\"\n"
        )),
        "/cfg/feeds.toml:11:10: unknown record format \"xml\"; expected one of json, jsonl, csv, toml, md"
    );
    assert_eq!(
        err(&format!(
            "{MINIMAL}{ch}[[source]]\nid = \"s\"\nkind = \"records\"\npath = \"x\"\nchannel = \"alpah\"\n"
        )),
        "/cfg/feeds.toml:11:11: source \"s\": channel \"alpah\" is not configured; did you mean \"Alpha\"?"
    );
    assert_eq!(
        err(&format!(
            "{MINIMAL}{ch}[[source]]\nid = \"s\"\nkind = \"records\"\npath = \"x\"\n[[source]]\nid = \"s\"\nkind = \"records\"\npath = \"y\"\n"
        )),
        "/cfg/feeds.toml:12:6: duplicate source id \"s\" (first defined at line 8)"
    );
}

#[test]
fn source_paths_resolve_against_the_config_directory_and_channels_by_title() {
    let c = parse(&format!(
        "{MINIMAL}[[channel]]\nid = \"a\"\ntitle = \"Alpha\"\n[[source]]\nid = \"s\"\nkind = \"records\"\npath = \"data/*.jsonl\"\nchannel = \"Alpha\"\ntimezone = \"Europe/Berlin\"\n"
    ))
    .unwrap();
    let s = &c.sources[0];
    let SourceKind::Records { path, pattern, format } = &s.kind else { panic!("a records source") };
    assert_eq!(path, Path::new("/cfg/data/*.jsonl"));
    assert_eq!(pattern, "data/*.jsonl");
    assert_eq!(*format, None);
    assert_eq!(s.channel.as_ref().map(ChannelId::as_str), Some("a"));
    assert_eq!(s.timezone, chrono_tz::Europe::Berlin);
}

#[test]
fn bom_and_crlf_are_accepted() {
    let text = format!("\u{feff}{}", MINIMAL.replace('\n', "\r\n"));
    assert!(parse(&text).is_ok());
}

#[test]
fn an_empty_file_is_a_no_op_config() {
    let c = parse("").unwrap();
    assert!(c.is_empty());
    assert_eq!(
        err("[[channel]]\nid = \"a\"\ntitle = \"A\"\n"),
        "/cfg/feeds.toml: missing [site] table; add one with at least title and link"
    );
}

#[test]
fn the_shipped_configs_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["feeds.toml", "feeds.example.toml"] {
        let c = Config::from_file(&root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(c.channels.len() >= 4, "{name}");
        assert!(c.sources.len() >= 4, "{name}");
    }
}

#[test]
fn non_utf8_and_oversized_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"[site]\ntitle = \"\xff\"\n").unwrap();
    let e = Config::from_file(&bad).unwrap_err().to_string();
    assert_eq!(e, format!("{}: not valid UTF-8 at byte 16; save the file as UTF-8", bad.display()));
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; (MAX_CONFIG_BYTES + 1) as usize]).unwrap();
    let e = Config::from_file(&big).unwrap_err().to_string();
    assert!(e.ends_with("config file is 1048577 bytes, over the 1048576-byte limit"), "{e}");
}

const FEED_CH: &str = "[[channel]]\nid = \"d\"\ntitle = \"Digest\"\n";

#[test]
fn feed_sources_parse_with_filters_and_durations() {
    let c = parse(&format!(
        "{MINIMAL}{FEED_CH}[[source]]\nid = \"f\"\nkind = \"feed\"\nurl = \"https://user:pw@example.org/feed.xml\"\nchannel = \"d\"\nevery = \"30m\"\ninclude = \"rust\"\nexclude = [\"^Sponsored\", \"ad\"]\nmax_age = \"7d\"\n"
    ))
    .unwrap();
    let SourceKind::Feed(f) = &c.sources[0].kind else { panic!("a feed source") };
    assert_eq!(f.every, std::time::Duration::from_secs(1800));
    assert_eq!(f.max_age, Some(std::time::Duration::from_secs(7 * 86400)));
    assert_eq!((f.include.len(), f.exclude.len(), f.max_items), (1, 2, 1000));
    assert!(f.include[0].is_match("RUST news"), "filters ignore case");
    assert_eq!(f.location.display(), "https://example.org/feed.xml", "credentials never shown");
    assert!(!f.allow_private);
    assert!(c.needs_state());
}

#[test]
fn feed_source_mistakes_are_explained() {
    let src = |body: &str| {
        format!(
            "{MINIMAL}{FEED_CH}[[source]]\nid = \"f\"\nkind = \"feed\"\nchannel = \"d\"\n{body}"
        )
    };
    assert_eq!(
        err(&src("url = \"file:///etc/passwd\"\n")),
        "/cfg/feeds.toml:11:7: url \"file:///etc/passwd\" must be an http or https URL; for a local file use path"
    );
    assert_eq!(
        err(&src("url = \"https://a.example/\"\npath = \"x.xml\"\n")),
        "/cfg/feeds.toml:11:7: source \"f\" (kind = \"feed\") has both url and path; give one"
    );
    assert_eq!(
        err(&src("")),
        "/cfg/feeds.toml:8:6: source \"f\" (kind = \"feed\") needs a url or a path"
    );
    assert!(
        err(&src("path = \"x.xml\"\ninclude = \"(unclosed\"\n"))
            .starts_with("/cfg/feeds.toml:12:11: include: invalid regular expression"),
    );
    assert_eq!(
        err(&src("path = \"x.xml\"\nevery = \"soon\"\n")),
        "/cfg/feeds.toml:12:9: every = \"soon\" is not a duration (expected number at 0); write e.g. \"30s\", \"15m\", \"2h\" or \"7d\""
    );
    assert_eq!(
        err(&format!(
            "{MINIMAL}{FEED_CH}[[source]]\nid = \"r\"\nkind = \"records\"\npath = \"x.json\"\nurl = \"https://a.example/\"\n"
        )),
        "/cfg/feeds.toml:11:7: source \"r\": key \"url\" is not used by kind = \"records\""
    );
    assert_eq!(
        err(&format!(
            "{MINIMAL}{FEED_CH}[[source]]\nid = \"f\"\nkind = \"feed\"\npath = \"x.xml\"\n"
        )),
        "/cfg/feeds.toml:8:6: source \"f\" (kind = \"feed\") needs a channel for its items"
    );
}

#[test]
fn fetch_limits_are_checked() {
    let c = parse(&format!("{MINIMAL}[fetch]\nconcurrency = 4\ntimeout = \"5s\"\nmax_body_mib = 2\nallow_private = true\n")).unwrap();
    assert_eq!(c.fetch.concurrency, 4);
    assert_eq!(c.fetch.timeout, std::time::Duration::from_secs(5));
    assert_eq!(c.fetch.max_body, 2 * 1024 * 1024);
    assert!(c.fetch.allow_private);
    assert_eq!(c.fetch.per_host, 2, "defaults fill the rest");
    assert_eq!(
        err(&format!("{MINIMAL}[fetch]\nmax_body_mib = 500\n")),
        "/cfg/feeds.toml:5:16: max_body_mib = 500 is out of range; use 1 to 100"
    );
    assert_eq!(
        err(&format!("{MINIMAL}[fetch]\ntimeout = \"0s\"\n")),
        "/cfg/feeds.toml:5:11: timeout must be between 1s and 10m"
    );
}

#[test]
fn keys_of_another_source_kind_are_rejected_and_every_is_bounded() {
    let html = "[[source]]\nid = \"h\"\nkind = \"html\"\npath = \"p.html\"\nchannel = \"d\"\nexclude = \"ad\"\n[source.select]\nitem = \"li\"\n";
    assert_eq!(
        err(&format!("{MINIMAL}{FEED_CH}{html}")),
        "/cfg/feeds.toml:12:11: source \"h\": key \"exclude\" is not used by kind = \"html\""
    );
    let records = "[[source]]\nid = \"r\"\nkind = \"records\"\npath = \"x.json\"\nfollow = true\n";
    assert_eq!(
        err(&format!("{MINIMAL}{FEED_CH}{records}")),
        "/cfg/feeds.toml:9:8: source \"r\": key \"follow\" is not used by kind = \"records\""
    );
    let feed = "[[source]]\nid = \"f\"\nkind = \"feed\"\npath = \"f.xml\"\nchannel = \"d\"\nevery = \"300000years\"\n";
    assert_eq!(
        err(&format!("{MINIMAL}{FEED_CH}{feed}")),
        "/cfg/feeds.toml:12:9: every must be at most a year (\"365d\")"
    );
}

#[test]
fn urls_in_messages_hide_credentials_and_tokens() {
    let u =
        url::Url::parse("https://me:pw@example.org/feed.xml?api_key=s3cret&page=2&access-token=t")
            .unwrap();
    assert_eq!(
        redact_url(&u),
        "https://example.org/feed.xml?api_key=redacted&page=2&access-token=redacted"
    );
    let plain = url::Url::parse("https://example.org/feed.xml?page=2&keyword=rust").unwrap();
    assert_eq!(redact_url(&plain), "https://example.org/feed.xml?page=2&keyword=rust");
}

#[test]
fn syntax_errors_show_the_line_and_a_caret() {
    let e = err("[site]\ntitle = \"S\"\nlink = https://example.org\n");
    assert!(e.starts_with("/cfg/feeds.toml:3:8: "), "{e}");
    assert!(e.ends_with("\n  3 | link = https://example.org\n    |        ^"), "{e}");
}
