//! Hostile feeds end to end: markup, URLs and XML built to run code, track readers or reach
//! other hosts, read by the real binary and checked in every file it writes. The checks parse
//! what was written, as a reader would, rather than trusting one spelling of an attack to be
//! absent.

use scraper::{Html, Selector};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::{Run, TestDir};

/// The files a one-channel build writes that readers or browsers open.
const OUTPUTS: [&str; 5] =
    ["digest/rss.xml", "digest/atom.xml", "digest/feed.json", "digest/index.html", "index.html"];

fn config(sources: &str) -> String {
    format!(
        "[site]\ntitle = \"Hostile\"\nlink = \"https://example.org/feeds/\"\ntimezone = \"UTC\"\n\n\
         [[channel]]\nid = \"digest\"\ntitle = \"Digest\"\n\n{sources}"
    )
}

fn file_source(id: &str, file: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"feed\"\npath = \"{file}\"\nchannel = \"digest\"\n\n"
    )
}

fn url_source(id: &str, url: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"feed\"\nurl = \"{url}\"\nchannel = \"digest\"\nallow_private = true\n\n"
    )
}

/// An RSS 2.0 document around `items`, with the content and media namespaces bound.
fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>Up</title>\
         <link>https://up.example/</link><description>d</description>\n{items}</channel></rss>\n"
    )
}

/// One RSS item with `content` as its `content:encoded` and `extra` elements.
fn item(n: usize, content: &str, extra: &str) -> String {
    format!(
        "<item><title>Item {n}</title><link>https://up.example/{n}</link>\
         <guid>https://up.example/{n}</guid><pubDate>Mon, 03 Mar 2025 10:{n:02}:00 +0000</pubDate>\
         {extra}<content:encoded><![CDATA[{content}]]></content:encoded></item>\n"
    )
}

/// Runs `feedwright build` in `t` off the test's async runtime, so servers keep answering.
async fn build(t: &TestDir) -> Run {
    let dir = t.join("");
    tokio::task::spawn_blocking(move || crate::util::run_in(&dir, &["build"])).await.unwrap()
}

fn output(t: &TestDir, file: &str) -> String {
    t.read(&format!("output/{file}"))
}

/// Every item's content HTML from each feed format, named by format and item title.
fn contents(t: &TestDir) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for file in ["digest/rss.xml", "digest/atom.xml"] {
        let feed = feed_rs::parser::parse(output(t, file).as_bytes()).unwrap();
        for entry in feed.entries {
            let title = entry.title.map(|t| t.content).unwrap_or_default();
            if let Some(body) = entry.content.and_then(|c| c.body) {
                found.push((format!("{file} {title}"), body));
            }
        }
    }
    let json: serde_json::Value = serde_json::from_str(&output(t, "digest/feed.json")).unwrap();
    for item in json["items"].as_array().unwrap() {
        if let Some(html) = item["content_html"].as_str() {
            found.push((
                format!("feed.json {}", item["title"].as_str().unwrap_or_default()),
                html.to_owned(),
            ));
        }
    }
    found
}

/// Whether `value`, as a browser would read a URL, uses a scheme that runs code or carries its
/// own document.
fn dangerous_url(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"].iter().any(|s| squeezed.starts_with(s))
}

/// Asserts that `html`, parsed as a browser parses it, has no element that runs or embeds
/// anything, no event handler and no attribute holding a dangerous URL.
fn assert_inert(html: &str, what: &str) {
    let doc = Html::parse_document(html);
    for element in doc.select(&Selector::parse("*").unwrap()) {
        let name = element.value().name();
        assert!(
            !matches!(
                name,
                "script"
                    | "style"
                    | "iframe"
                    | "frame"
                    | "object"
                    | "embed"
                    | "svg"
                    | "math"
                    | "form"
                    | "base"
                    | "noscript"
                    | "template"
                    | "applet"
            ),
            "{what}: <{name}> in {html}"
        );
        for (attribute, value) in element.value().attrs() {
            assert!(!attribute.starts_with("on"), "{what}: {attribute} in {html}");
            assert!(!dangerous_url(value), "{what}: {attribute}={value:?} in {html}");
            assert!(attribute != "http-equiv", "{what}: http-equiv in {html}");
        }
    }
}

/// Asserts that no attribute value, element text or JSON string in `raw` starts with a
/// dangerous URL scheme.
fn assert_no_dangerous_urls(raw: &str, what: &str) {
    let lower = raw.to_ascii_lowercase();
    for scheme in ["javascript:", "vbscript:", "data:"] {
        for opener in ['"', '\'', '>'] {
            let needle = format!("{opener}{scheme}");
            assert!(!lower.contains(&needle), "{what} contains {needle}:\n{raw}");
        }
    }
}

/// Every JSON string in `value` with the path to it.
fn json_strings(value: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((at.to_owned(), s.clone())),
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                json_strings(v, &format!("{at}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                json_strings(v, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// The checks every hostile build must pass, in every output.
fn assert_every_output_is_safe(t: &TestDir) {
    for file in OUTPUTS {
        let raw = output(t, file);
        assert_no_dangerous_urls(&raw, file);
        if file.ends_with(".html") {
            assert_inert(&raw, file);
        }
    }
    for (what, html) in contents(t) {
        assert_inert(&html, &what);
    }
    let json: serde_json::Value = serde_json::from_str(&output(t, "digest/feed.json")).unwrap();
    let mut strings = Vec::new();
    json_strings(&json, "$", &mut strings);
    for (at, s) in strings {
        assert!(!dangerous_url(&s), "feed.json {at} = {s:?}");
    }
}

/// XSS-11: `<img>` tracking pixels are removed from the content of every format, on the fast
/// sanitiser path (plain markup, absolute URLs) and on ammonia's (relative links), and never
/// become an item's lead image; `referrerpolicy` is stripped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_pixels_are_removed_in_every_format() {
    let t = TestDir::new();
    let items = [
        item(
            1,
            "<p>Story one.<img src=\"https://tracker.example/open.gif?u=42\" width=\"1\" height=\"1\"></p>\
             <p><img src=\"https://img.example/photo.jpg\" alt=\"Photo\" width=\"640\" height=\"480\"></p>",
            "",
        ),
        item(
            2,
            "<div><a href=\"/more\">more</a><img src=\"/t.gif?r=tracker.example\" width=\"0\" \
             height=\"0px\" referrerpolicy=\"unsafe-url\"><img src=\"https://img.example/two.png\" \
             referrerpolicy=\"unsafe-url\"></div>",
            "",
        ),
        item(3, "<p>Only a pixel<IMG SRC=https://tracker.example/p.gif WIDTH=1 HEIGHT=1></p>", ""),
    ];
    t.file("pixels.xml", rss(&items.concat()));
    t.file("feeds.toml", config(&file_source("pixels", "pixels.xml")));
    let run = build(&t).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    for file in OUTPUTS {
        let raw = output(&t, file);
        assert!(!raw.contains("tracker.example"), "{file} keeps a pixel:\n{raw}");
        assert!(!raw.contains("referrerpolicy"), "{file}:\n{raw}");
    }
    let contents = contents(&t);
    // Three items with content in each of three formats.
    assert_eq!(contents.len(), 9, "{contents:?}");
    for (what, html) in &contents {
        assert!(!html.contains("tracker.example"), "{what}: {html}");
        if what.ends_with("Item 1") {
            assert!(html.contains("<img src=\"https://img.example/photo.jpg\""), "{what}: {html}");
        }
        if what.ends_with("Item 2") {
            assert!(html.contains("<img src=\"https://img.example/two.png\">"), "{what}: {html}");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&output(&t, "digest/feed.json")).unwrap();
    let image = |title: &str| {
        let items = json["items"].as_array().unwrap();
        items.iter().find(|i| i["title"] == title).unwrap()["image"].clone()
    };
    assert_eq!(image("Item 1"), "https://img.example/photo.jpg");
    assert_eq!(image("Item 2"), "https://img.example/two.png");
    assert_eq!(image("Item 3"), serde_json::Value::Null);
    assert_every_output_is_safe(&t);
}

/// XSS-09: `javascript:` and `data:` URLs in an enclosure, a media thumbnail, a guid marked as
/// a permalink, an item link, content and a JSON Feed's `home_page_url`, `feed_url`, icons, item
/// `url`, `external_url`, `image`, `banner_image` and attachments reach no output. Items keep
/// everything else; only a dropped item link is warned about (the other fields are optional
/// and dropped quietly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_http_urls_in_enclosures_images_guids_and_home_pages_reach_no_output() {
    let t = TestDir::new();
    let items = [
        item(
            1,
            "<p><a href=\"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;\">d</a>\
             <img src=\"javascript:alert(2)\"><img src=\"data:image/svg+xml,&lt;svg onload=alert(3)&gt;\"></p>",
            "<enclosure url=\"javascript:alert(4)\" type=\"audio/mpeg\" length=\"10\"/>\
             <media:thumbnail url=\"data:image/png;base64,iVBORw0KGgo=\"/>\
             <media:content url=\"javascript:alert(5)\" type=\"image/png\"/>",
        )
        .replace(
            "<guid>https://up.example/1</guid>",
            "<guid isPermaLink=\"true\">javascript:alert(6)</guid>",
        ),
        item(2, "<p>two</p>", "")
            .replace("<link>https://up.example/2</link>", "<link>javascript:alert(7)</link>")
            .replace("<guid>https://up.example/2</guid>", "<guid isPermaLink=\"true\">data:text/html,x</guid>"),
    ];
    t.file("rss.xml", rss(&items.concat()));
    let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "Json Up",
        "home_page_url": "javascript:alert(8)", "feed_url": "javascript:alert(9)",
        "icon": "javascript:alert(10)", "favicon": "data:image/png;base64,AAAA",
        "items": [{"id": "j1", "title": "Json item", "url": "javascript:alert(11)",
                   "external_url": "data:text/html,x", "image": "javascript:alert(12)",
                   "banner_image": "javascript:alert(13)", "date_published": "2025-03-03T09:00:00Z",
                   "content_html": "<p>json <a href=\"javascript:alert(14)\">a</a></p>",
                   "attachments": [{"url": "javascript:alert(15)", "mime_type": "audio/mpeg"}]}]}"#;
    t.file("feed.json", json);
    t.file(
        "feeds.toml",
        config(&(file_source("rss", "rss.xml") + &file_source("json", "feed.json"))),
    );
    let run = build(&t).await;
    // The dropped item links are warnings, which make the exit code 1.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("link \"javascript:alert(7)\" is not an absolute http(s) URL; dropped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("link \"javascript:alert(11)\" is not an absolute http(s) URL; dropped"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("failed"), "{}", run.stderr);
    assert_every_output_is_safe(&t);

    // Every item is still there.
    let json: serde_json::Value = serde_json::from_str(&output(&t, "digest/feed.json")).unwrap();
    let titles: Vec<&str> =
        json["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Item 2", "Item 1", "Json item"]);
    for item in json["items"].as_array().unwrap() {
        for field in ["image", "banner_image", "attachments", "external_url"] {
            assert!(item.get(field).is_none(), "{field} in {item}");
        }
    }
    assert_eq!(json["items"][1]["url"], "https://up.example/1");
    assert!(json["items"][0].get("url").is_none() && json["items"][2].get("url").is_none());
    // The guids are kept as opaque ids, never as links: no permalink claim, a `tag:` URI.
    let rss_out = output(&t, "digest/rss.xml");
    assert!(!rss_out.contains("<enclosure"), "{rss_out}");
    assert_eq!(rss_out.matches("<guid isPermaLink=\"false\">tag:").count(), 3, "{rss_out}");
    let atom_out = output(&t, "digest/atom.xml");
    assert!(!atom_out.contains("rel=\"enclosure\""), "{atom_out}");
    for id in json["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()) {
        assert!(id.starts_with("tag:"), "{id}");
    }
}

/// XSS-10: unclosed comments, `<!-->`, `--!>`, markup hidden in attribute values and the
/// classic parser-confusion (mutation XSS) shapes leave nothing executable in any output.
/// What a browser would show as text stays text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_tricks_and_parser_confusion_leave_nothing_executable() {
    let cases = [
        "<p>kept</p><!-- <script>alert(1)</script> never closed <p>HIDDEN</p>",
        "<p>a</p><!--><script>alert(2)</script><p>after empty comment</p>",
        "<p>b</p><!---><img src=x onerror=alert(3)><p>after</p>",
        "<!-- x --!><img src=\"https://e.example/i.png\" onerror=alert(4)><p>after bang</p>",
        "<!-- a -- b --><p>double dash</p><!-- <!-- nested --> <script>alert(5)</script> -->",
        "<img src=\"https://e.example/i.png\" alt=\"--><script>alert(6)</script>\">",
        "<a href=\"https://e.example/\" title=\"<!--\">t</a><script>alert(7)</script><!-- -->",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(8)>\"></noscript>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(9)></style></mglyph></table></mtext></math>",
        "<svg><![CDATA[</svg><script>alert(10)</script>]]></svg>",
        "<scr<script>ipt>alert(11)</scr</script>ipt>",
        "<<script>alert(12);//<</script>",
        "<img \"\"\"><script>alert(13)</script>\">",
        "<div title=\"x\" onmouseover=alert(14)//",
        "<a href=\"jav&#x09;ascript:alert(15)\">tab</a><a href=\"&#x6A;avascript:alert(16)\">ref</a>",
        "<style><!--</style><script>alert(17)</script>--></style>",
        "<xmp><p title=\"</xmp><img src=x onerror=alert(18)>\"></xmp>",
        "<iframe srcdoc=\"<script>alert(19)</script>\"></iframe><p>frame gone</p>",
        "<p>cut off <a href=\"https://e.example/\" onclick=\"alert(20)",
    ];
    let t = TestDir::new();
    // JSON Feed carries each case verbatim (no CDATA or XML escaping to get in the way).
    let items: Vec<serde_json::Value> = cases
        .iter()
        .enumerate()
        .map(|(n, html)| {
            serde_json::json!({
                "id": format!("case-{n}"), "title": format!("Case {n}"),
                "url": format!("https://up.example/case/{n}"),
                "date_published": format!("2025-03-03T10:{n:02}:00Z"),
                "content_html": html,
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1", "title": "Tricks", "items": items,
    });
    t.file("tricks.json", feed.to_string());
    // An unclosed comment in RSS content too, where the CDATA section ends the feed's markup.
    t.file("tricks.xml", rss(&item(1, "<p>rss</p><!-- <script>alert(21)</script>", "")));
    t.file(
        "feeds.toml",
        config(&(file_source("tricks", "tricks.json") + &file_source("rss", "tricks.xml"))),
    );
    let run = build(&t).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_every_output_is_safe(&t);
    for file in OUTPUTS {
        let raw = output(&t, file);
        assert!(!raw.contains("<script") && !raw.contains("HIDDEN"), "{file}:\n{raw}");
    }
    let json: serde_json::Value = serde_json::from_str(&output(&t, "digest/feed.json")).unwrap();
    let content = |title: &str| {
        let items = json["items"].as_array().unwrap();
        let item = items.iter().find(|i| i["title"] == title);
        item.and_then(|i| i["content_html"].as_str()).unwrap_or_default().to_owned()
    };
    assert_eq!(content("Case 0"), "<p>kept</p>");
    assert_eq!(content("Case 1"), "<p>a</p><p>after empty comment</p>");
    assert_eq!(content("Case 3"), "<img src=\"https://e.example/i.png\"><p>after bang</p>");
    assert_eq!(
        content("Case 5"),
        "<img src=\"https://e.example/i.png\" alt=\"--&gt;&lt;script&gt;alert(6)&lt;/script&gt;\">"
    );
    assert_eq!(content("Case 17"), "<p>frame gone</p>");
    assert_eq!(content("Item 1"), "<p>rss</p>");
}

/// XML-10 / XML-11: external entities in text and in attribute values, a parameter entity, an
/// external DTD and an XInclude, in RSS and Atom fetched over HTTP, all naming a canary server
/// or a canary file: the canary server gets no request at all and its text, or the file's, is in
/// no output. (That the file is never opened is inferred from its text never appearing; the
/// feed parser has no code that opens files.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_entities_in_attributes_dtds_and_xinclude_fetch_and_read_nothing() {
    let canary = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("CANARY-LEAKED"))
        .mount(&canary)
        .await;
    let c = format!("{}/canary", canary.uri());
    let t = TestDir::new();
    t.file("secret.txt", "CANARY-LEAKED from a file\nroot:x:0:0:root:/root:/bin/sh\n");
    let secret = format!("file://{}", t.join("secret.txt").display());
    let rss_doc = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "{c}/rss.dtd" [
  <!ENTITY % remote SYSTEM "{c}/param.dtd">
  %remote;
  <!ENTITY % local SYSTEM "{secret}">
  %local;
  <!ENTITY file SYSTEM "{secret}">
  <!ENTITY web SYSTEM "{c}/entity">
]>
<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Safe &web;</title><link>https://safe.example/</link><description>d</description>
<item><title>Entities &file; &web;</title><link>https://safe.example/1</link><guid>https://safe.example/1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate>
<enclosure url="&web;" type="audio/mpeg" length="1"/><media:thumbnail url="&file;"/><category domain="&web;">&file;</category>
<description>text &file;</description><xi:include href="{c}/xinclude" parse="text"/></item>
</channel></rss>"#
    );
    let atom_doc = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE feed PUBLIC "-//x//y" "{c}/atom.dtd" [
  <!ENTITY web SYSTEM "{c}/atom-entity">
  <!ENTITY file SYSTEM "{secret}">
]>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:xi="http://www.w3.org/2001/XInclude"><title>Atom &web;</title><id>urn:x:feed</id><link href="&web;"/>
<entry><id>urn:x:1</id><title>Atom &file;</title><updated>2025-03-03T11:00:00Z</updated><link href="https://safe.example/a"/><link rel="enclosure" href="&web;" type="audio/mpeg"/>
<link rel="related" href="&file;"/><content type="html" xml:base="&web;">&lt;p&gt;x &amp;file;&lt;/p&gt;</content><xi:include href="{c}/atom-xinclude"/></entry></feed>"#
    );
    let feeds = MockServer::start().await;
    Mock::given(path("/rss.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(rss_doc, "application/rss+xml"))
        .mount(&feeds)
        .await;
    Mock::given(path("/atom.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(atom_doc, "application/atom+xml"))
        .mount(&feeds)
        .await;
    let sources = url_source("rss", &format!("{}/rss.xml", feeds.uri()))
        + &url_source("atom", &format!("{}/atom.xml", feeds.uri()));
    t.file("feeds.toml", config(&sources));
    let run = build(&t).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let asked: Vec<String> =
        canary.received_requests().await.unwrap().iter().map(|r| r.url.to_string()).collect();
    assert!(asked.is_empty(), "the canary was asked for {asked:?}");
    assert_eq!(feeds.received_requests().await.unwrap().len(), 2);
    for file in OUTPUTS {
        let raw = output(&t, file);
        assert!(!raw.contains("CANARY-LEAKED") && !raw.contains("root:x"), "{file}:\n{raw}");
    }
    // Both items were read, their entities left unexpanded.
    let json: serde_json::Value = serde_json::from_str(&output(&t, "digest/feed.json")).unwrap();
    let titles: Vec<&str> =
        json["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Atom &file;", "Entities &file; &web;"]);
    assert_every_output_is_safe(&t);
}
