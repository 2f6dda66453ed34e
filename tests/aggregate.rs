//! Feed sources end to end: the binary against feeds served by a test
//! server on 127.0.0.1 (wiremock) and feed files, with the state database in
//! the test's directory.

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::{Run, TestDir};

/// A config with one channel and the given sources appended.
fn config(sources: &str) -> String {
    format!(
        r#"
[site]
title = "Merge Test"
link = "https://example.org/feeds/"
timezone = "UTC"

[[channel]]
id = "digest"
title = "Digest"

{sources}
"#
    )
}

/// A feed source reading `path` (relative to the config) into `digest`.
fn path_source(id: &str, path: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"feed\"\npath = \"{path}\"\nchannel = \"digest\"\n\n"
    )
}

/// Reads a request up to the end of its headers and returns them; `None`
/// if the client went away first.
async fn read_head(socket: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    Some(seen)
}

fn url_source(id: &str, url: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"feed\"\nurl = \"{url}\"\nchannel = \"digest\"\nallow_private = true\n\n"
    )
}

fn rss(items: &[(&str, &str, Option<&str>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Up</title><link>https://up.example/</link><description>d</description>\n",
    );
    for (guid, title, date) in items {
        out.push_str(&format!("<item><title>{title}</title><link>https://up.example/{guid}</link><guid>https://up.example/{guid}</guid>"));
        if let Some(d) = date {
            out.push_str(&format!("<pubDate>{d}</pubDate>"));
        }
        out.push_str("<description>Some text about it.</description></item>\n");
    }
    out.push_str("</channel></rss>\n");
    out
}

/// Runs the binary without blocking the mock server's runtime.
async fn run(t: &TestDir, args: &[&str]) -> Run {
    let dir = t.join("");
    let args: Vec<String> = args.iter().map(ToString::to_string).collect();
    tokio::task::spawn_blocking(move || crate::util::run_in(&dir, &args)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etag_flow_sends_validators_and_an_unchanged_feed_rewrites_nothing() {
    let server = MockServer::start().await;
    let body = rss(&[("a", "Alpha", Some("Mon, 03 Mar 2025 10:00:00 +0000"))]);
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .insert_header("content-type", "application/rss+xml")
                .set_body_string(body),
        )
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file("feeds.toml", config(&url_source("up", &format!("{}/feed.xml", server.uri()))));
    let first = run(&t, &["build"]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(t.read("output/digest/rss.xml").contains("Alpha"));
    let second = run(&t, &["build"]).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("files: 0 changed"), "{}", second.stdout);
    assert!(t.read("output/digest/rss.xml").contains("Alpha"), "a 304 reuses the stored items");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_is_named_and_keeps_its_stored_items_while_others_merge() {
    let server = MockServer::start().await;
    let good = Mock::given(path("/a.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "a1",
            "From A",
            Some("Mon, 03 Mar 2025 10:00:00 +0000"),
        )])))
        .mount_as_scoped(&server)
        .await;
    Mock::given(path("/b.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "b1",
            "From B",
            Some("Tue, 04 Mar 2025 10:00:00 +0000"),
        )])))
        .mount(&server)
        .await;
    let t = TestDir::new();
    let a = format!("{}/a.xml", server.uri());
    t.file(
        "feeds.toml",
        config(&(url_source("a", &a) + &url_source("b", &format!("{}/b.xml", server.uri())))),
    );
    assert_eq!(run(&t, &["build"]).await.code, 0);
    drop(good);
    Mock::given(path("/a.xml")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let second = run(&t, &["build"]).await;
    assert_eq!(second.code, 1);
    assert_eq!(
        second.stderr,
        format!("error: source \"a\" failed: {a}: HTTP 500 Internal Server Error\n")
    );
    let feed = t.read("output/digest/rss.xml");
    assert!(feed.contains("From A") && feed.contains("From B"), "{feed}");
    let status = run(&t, &["status"]).await;
    assert_eq!(status.code, 0);
    let line = status.stdout.lines().find(|l| l.starts_with("a ")).unwrap();
    assert!(line.contains("failed") && line.contains("HTTP 500"), "{}", status.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_on_the_next_run() {
    let server = MockServer::start().await;
    Mock::given(path("/busy.xml"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file("feeds.toml", config(&url_source("busy", &format!("{}/busy.xml", server.uri()))));
    let first = run(&t, &["build"]).await;
    assert_eq!(first.code, 1);
    assert!(first.stderr.contains("HTTP 429"), "{}", first.stderr);
    let second = run(&t, &["build"]).await;
    assert_eq!(second.code, 0, "a source in backoff is not an error: {}", second.stderr);
    let status = run(&t, &["status"]).await;
    assert!(status.stdout.lines().nth(1).unwrap().contains("HTTP 429"), "{}", status.stdout);
    // `expect(1)` is verified when the server drops: no second request was made.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_url_is_refused_unless_allowed() {
    let server = MockServer::start().await;
    Mock::given(path("/f.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[])))
        .expect(0)
        .mount(&server)
        .await;
    let t = TestDir::new();
    let url = format!("{}/f.xml", server.uri());
    t.file("feeds.toml", config(&url_source("local", &url).replace("allow_private = true\n", "")));
    let run = run(&t, &["build"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!("error: source \"local\" failed: {url}: ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("127.0.0.1") && run.stderr.contains("allow_private"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_stay_after_they_drop_off_upstream_and_undated_ones_keep_their_first_seen_date() {
    let server = MockServer::start().await;
    let first = Mock::given(path("/f.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[
            ("old", "Old story", Some("Mon, 03 Mar 2025 10:00:00 +0000")),
            ("undated", "Undated story", None),
        ])))
        .mount_as_scoped(&server)
        .await;
    let t = TestDir::new();
    t.file("feeds.toml", config(&url_source("f", &format!("{}/f.xml", server.uri()))));
    assert_eq!(run(&t, &["build"]).await.code, 0);
    let json1: serde_json::Value =
        serde_json::from_str(&t.read("output/digest/feed.json")).unwrap();
    let undated = |j: &serde_json::Value| {
        j["items"].as_array().unwrap().iter().find(|i| i["title"] == "Undated story").unwrap()["date_published"].clone()
    };
    let seen = undated(&json1);
    assert!(seen.is_string(), "an undated item is dated by first sight: {json1}");
    drop(first);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    Mock::given(path("/f.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[
            ("new", "New story", Some("Wed, 05 Mar 2025 10:00:00 +0000")),
            ("undated", "Undated story", None),
        ])))
        .mount(&server)
        .await;
    assert_eq!(run(&t, &["build"]).await.code, 0);
    let json2: serde_json::Value =
        serde_json::from_str(&t.read("output/digest/feed.json")).unwrap();
    let titles: Vec<&str> =
        json2["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Old story") && titles.contains(&"New story"), "{titles:?}");
    assert_eq!(undated(&json2), seen, "first-seen date is stable across runs");
}

#[test]
fn the_same_story_in_three_feed_files_becomes_one_item_with_its_source() {
    let t = TestDir::new();
    let story = "Harbour bridge reopens";
    t.file(
        "a.xml",
        rss(&[("bridge?utm_source=rss", story, Some("Mon, 03 Mar 2025 08:00:00 +0000"))])
            .replace("Up</title>", "Alpha Wire</title>"),
    );
    t.file(
        "b.xml",
        rss(&[("bridge", "Harbour Bridge Reopens!", Some("Mon, 03 Mar 2025 09:00:00 +0000"))])
            .replace("https://up.example/bridge", "https://elsewhere.example/b"),
    );
    t.file(
        "c.xml",
        rss(&[("bridge#comments", story, Some("Mon, 03 Mar 2025 07:30:00 +0000"))])
            .replace("Up</title>", "Gamma News</title>"),
    );
    let sources: String =
        ["a", "b", "c"].iter().map(|s| path_source(s, &format!("{s}.xml"))).collect();
    t.file("feeds.toml", config(&sources));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rss_out = t.read("output/digest/rss.xml");
    assert_eq!(rss_out.matches("<item>").count(), 1, "{rss_out}");
    // The earliest published copy wins and says where it came from.
    assert!(
        rss_out.contains("<source url=\"https://up.example/\">Gamma News</source>"),
        "{rss_out}"
    );
}

#[test]
fn hostile_feed_content_is_sanitised_in_every_format() {
    let t = TestDir::new();
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Bad</title><link>https://bad.example/</link><description>d</description>
<item><title>&lt;b&gt;Bold&lt;/b&gt; claim</title><link>https://bad.example/1</link><guid>https://bad.example/1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate>
<description><![CDATA[<p onclick="x()">Hi<script>alert(1)</script><img src="p.png" onerror="steal()"><a href="javascript:alert(2)">j</a><iframe src="https://evil.example/"></iframe></p>]]></description></item>
</channel></rss>"#;
    t.file("bad.xml", feed);
    t.file("feeds.toml", config(&path_source("bad", "bad.xml")));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in ["rss.xml", "atom.xml", "feed.json", "index.html"] {
        let out = t.read(&format!("output/digest/{file}"));
        for bad in ["<script", "onclick", "onerror", "javascript:", "<iframe", "steal()"] {
            assert!(!out.contains(bad), "{file} contains {bad}:\n{out}");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&t.read("output/digest/feed.json")).unwrap();
    assert_eq!(json["items"][0]["title"], "Bold claim", "titles are plain text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_feed_declared_only_in_its_prolog_reads_correctly() {
    let server = MockServer::start().await;
    let xml = "<?xml version=\"1.0\" encoding=\"gb2312\"?><rss version=\"2.0\"><channel><title>江城日报</title><link>https://jc.example/</link><description>d</description><item><title>青禾市图书馆延长夜间开放</title><link>https://jc.example/1</link><guid>https://jc.example/1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0800</pubDate><description>读者可在晚上十点前借还图书。</description></item></channel></rss>";
    let (bytes, _, _) = encoding_rs::GBK.encode(xml);
    Mock::given(path("/gbk.xml"))
        // No charset in the header: only the prolog says GBK.
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(bytes.into_owned(), "application/xml"),
        )
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file("feeds.toml", config(&url_source("gbk", &format!("{}/gbk.xml", server.uri()))));
    let run = run(&t, &["build"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("<title>青禾市图书馆延长夜间开放</title>"), "{out}");
    assert!(out.contains("读者可在晚上十点前借还图书。"), "{out}");
    assert!(out.contains(">江城日报</source>"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_costs_one_timeout_and_the_rest_is_built() {
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let server = healthy_server().await;
    let t = TestDir::new();
    let sources = url_source("silent", &format!("http://{silent_addr}/feed.xml"))
        + &url_source("ok", &format!("{}/ok.xml", server.uri()));
    t.file(
        "feeds.toml",
        config(&sources).replace("[[channel]]", "[fetch]\ntimeout = \"1s\"\n\n[[channel]]"),
    );
    let started = std::time::Instant::now();
    let run = run(&t, &["build"]).await;
    let elapsed = started.elapsed();
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error: source \"silent\" failed: http://"), "{}", run.stderr);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(elapsed < std::time::Duration::from_secs(4), "took {elapsed:?}");
    assert!(t.read("output/digest/rss.xml").contains("Still here"));
    holder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_xml_is_named_with_its_position_and_nothing_is_lost() {
    let server = MockServer::start().await;
    let good = Mock::given(path("/f.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "a",
            "Kept story",
            Some("Mon, 03 Mar 2025 10:00:00 +0000"),
        )])))
        .mount_as_scoped(&server)
        .await;
    let t = TestDir::new();
    let url = format!("{}/f.xml", server.uri());
    t.file("feeds.toml", config(&url_source("f", &url)));
    assert_eq!(run(&t, &["build"]).await.code, 0);
    drop(good);
    Mock::given(path("/f.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>\n<title>Broken",
        ))
        .mount(&server)
        .await;
    let run = run(&t, &["build"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!("error: source \"f\" failed: {url}: ")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 3"), "the position is named: {}", run.stderr);
    assert!(t.read("output/digest/rss.xml").contains("Kept story"));
}

/// Builds `ids` (each served at `/<id>.xml` by `server`) plus the healthy `ok` source and
/// returns the run, the test directory, and each source's error line after its prefix.
async fn build_beside_a_healthy_source(
    server: &MockServer,
    ids: &[&str],
) -> (Run, TestDir, Vec<Option<String>>) {
    let at = |route: &str| format!("{}{route}", server.uri());
    let sources: String = ids
        .iter()
        .map(|id| url_source(id, &at(&format!("/{id}.xml"))))
        .chain([url_source("ok", &at("/ok.xml"))])
        .collect();
    let t = TestDir::new();
    t.file("feeds.toml", config(&sources));
    let run = run(&t, &["build"]).await;
    let lines = ids
        .iter()
        .chain(&["ok"])
        .map(|id| {
            let prefix = format!("error: source \"{id}\" failed: {}: ", at(&format!("/{id}.xml")));
            run.stderr.lines().find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
        })
        .collect();
    (run, t, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_content_encodings_fail_only_their_own_source() {
    let server = healthy_server().await;
    // The bodies of the first two are never looked at: the coding alone is refused.
    let gzip_magic = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3];
    for (route, coding, body) in [
        ("/stacked.xml", "gzip, gzip", gzip_magic.clone()),
        ("/unknown.xml", "zstd-fake", gzip_magic),
        ("/plain.xml", "gzip", rss(&[("p", "Plain", None)]).into_bytes()),
    ] {
        Mock::given(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", coding)
                    .set_body_bytes(body),
            )
            .mount(&server)
            .await;
    }
    let (run, t, lines) =
        build_beside_a_healthy_source(&server, &["stacked", "unknown", "plain"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        lines[0].as_deref(),
        Some("cannot decompress response body: unsupported Content-Encoding \"gzip, gzip\""),
        "{}",
        run.stderr
    );
    assert_eq!(
        lines[1].as_deref(),
        Some("cannot decompress response body: unsupported Content-Encoding \"zstd-fake\""),
        "{}",
        run.stderr
    );
    let plain = lines[2].as_deref().unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(plain.starts_with("cannot decompress response body: "), "{plain}");
    assert_eq!(lines[3], None, "{}", run.stderr);
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("Still here") && !out.contains("Plain"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclosed_cdata_section_fails_its_source_with_a_position() {
    let server = healthy_server().await;
    Mock::given(path("/cdata.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>C</title>\n\
             <item><title>c</title>\n<description><![CDATA[<p>never closed</p></description>\n\
             </item></channel></rss>\n",
        ))
        .mount(&server)
        .await;
    let (run, t, lines) = build_beside_a_healthy_source(&server, &["cdata"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let cdata = lines[0].as_deref().unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        cdata.starts_with("malformed feed: CDATA section is not closed at line 4 column 14"),
        "{cdata}"
    );
    assert_eq!(lines[1], None, "{}", run.stderr);
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("Still here") && !out.contains("never closed"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_pub_date_keeps_the_item_and_names_the_date() {
    let server = healthy_server().await;
    Mock::given(path("/german.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "g",
            "Aus Berlin",
            Some("Di, 04 Mär 2025 10:00:00 +0100"),
        )])))
        .mount(&server)
        .await;
    let (run, t, lines) = build_beside_a_healthy_source(&server, &["german"]).await;
    // A warning is a problem for the exit code, not a failure of the source.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(lines, [None, None], "{}", run.stderr);
    assert!(
        run.stderr.lines().any(|l| l.starts_with("warning: german: ")
            && l.matches("/german.xml").count() == 1
            && l.contains("unrecognised date \"Di, 04 Mär 2025 10:00:00 +0100\"")
            && l.ends_with("the item is kept undated")),
        "the unparsed date is named: {}",
        run.stderr
    );
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("Still here") && out.contains("Aus Berlin"), "{out}");
}

/// Starts `feedwright build` in `t`, kills it (SIGKILL) after `after`, and
/// returns its pid.
async fn kill_a_build_after(t: &TestDir, after: std::time::Duration) -> u32 {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_feedwright"))
        .arg("build")
        .current_dir(t.join(""))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(after).await;
    child.kill().unwrap();
    child.wait().unwrap();
    child.id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_run_mid_fetch_leaves_state_and_output_usable() {
    let server = MockServer::start().await;
    Mock::given(path("/slow.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(3))
                .set_body_string(rss(&[(
                    "s",
                    "Slow story",
                    Some("Mon, 03 Mar 2025 10:00:00 +0000"),
                )])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/fast.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "q",
            "Quick story",
            Some("Tue, 04 Mar 2025 10:00:00 +0000"),
        )])))
        .mount(&server)
        .await;
    let t = TestDir::new();
    let sources = url_source("fast", &format!("{}/fast.xml", server.uri()));
    t.file("feeds.toml", config(&sources));
    assert_eq!(run(&t, &["build"]).await.code, 0);
    let sources = sources + &url_source("slow", &format!("{}/slow.xml", server.uri()));
    t.file("feeds.toml", config(&sources));
    kill_a_build_after(&t, std::time::Duration::from_millis(700)).await;
    // The next run opens the same database, fetches both and builds.
    let again = run(&t, &["build"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("Quick story") && out.contains("Slow story"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_first_run_leaves_no_state_and_the_next_run_starts_clean() {
    let server = MockServer::start().await;
    let slow = rss(&[("s", "Slow story", Some("Mon, 03 Mar 2025 10:00:00 +0000"))]);
    Mock::given(path("/slow.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(3))
                .set_body_string(slow),
        )
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file("feeds.toml", config(&url_source("slow", &format!("{}/slow.xml", server.uri()))));
    let pid = kill_a_build_after(&t, std::time::Duration::from_millis(700)).await;
    let names = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(t.join(".feedwright"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // A new database is built aside: the killed run left only its temp file.
    assert_eq!(names(), [format!("state.db.new-{pid}-0")]);
    // A temp file changed in the last seconds may be one a build has just
    // created; this one is taken for left behind once it is older.
    let temp = t.join(&format!(".feedwright/state.db.new-{pid}-0"));
    let a_minute_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(temp).unwrap().set_modified(a_minute_ago).unwrap();
    let again = run(&t, &["build"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(names(), ["state.db"], "the dead run's temp file is removed");
    assert!(t.read("output/digest/rss.xml").contains("Slow story"));
    let status = run(&t, &["status"]).await;
    assert!(
        status.stdout.lines().any(|l| l.starts_with("slow ") && l.contains(" 1 ")),
        "{}",
        status.stdout
    );
}

#[test]
fn two_feeds_with_the_same_plain_guid_keep_both_items() {
    let t = TestDir::new();
    let feed = |title: &str, link: &str| {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title} Wire</title><link>https://{link}/</link><description>d</description><item><title>{title}</title><link>https://{link}/1</link><guid isPermaLink=\"false\">1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate></item></channel></rss>"
        )
    };
    t.file("a.xml", feed("Story from a", "a.example"));
    t.file("b.xml", feed("Story from b", "b.example"));
    let sources: String = ["a", "b"].iter().map(|s| path_source(s, &format!("{s}.xml"))).collect();
    t.file("feeds.toml", config(&sources));
    assert_eq!(t.run(&["build"]).code, 0);
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("Story from a") && out.contains("Story from b"), "{out}");
    // Disabling a source keeps its stored history for when it comes back.
    t.file(
        "feeds.toml",
        config(&sources.replacen(
            "channel = \"digest\"\n",
            "channel = \"digest\"\nenabled = false\n",
            2,
        )),
    );
    assert_eq!(t.run(&["build"]).code, 0);
    let status = t.run(&["status"]);
    assert!(
        status.stdout.lines().any(|l| l.starts_with("b ") && l.contains(" 1 ")),
        "{}",
        status.stdout
    );
}

#[test]
fn a_far_future_date_is_replaced_by_the_first_seen_time() {
    let t = TestDir::new();
    t.file(
        "f.xml",
        rss(&[
            ("future", "From the year 2100", Some("Fri, 01 Jan 2100 00:00:00 +0000")),
            ("now", "Ordinary story", Some("Sat, 01 Mar 2025 09:00:00 +0000")),
        ]),
    );
    t.file("feeds.toml", config(&path_source("f", "f.xml")));
    let run = crate::util::run_with_env(
        &t.join(""),
        &["build"],
        &[("FEEDWRIGHT_NOW", "2025-03-10T00:00:00Z")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&t.read("output/digest/feed.json")).unwrap();
    let date = |title: &str| {
        json["items"].as_array().unwrap().iter().find(|i| i["title"] == title).unwrap()["date_published"].clone()
    };
    assert_eq!(date("From the year 2100"), "2025-03-10T00:00:00+00:00");
    assert_eq!(date("Ordinary story"), "2025-03-01T09:00:00+00:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_entities_dtds_and_xinclude_are_never_fetched_or_expanded() {
    let canary = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("CANARY-LEAKED"))
        .expect(0)
        .mount(&canary)
        .await;
    let c = canary.uri();
    let feed = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "{c}/canary.dtd" [
  <!ENTITY % remote SYSTEM "{c}/canary/param.dtd">
  %remote;
  <!ENTITY file SYSTEM "file:///etc/passwd">
  <!ENTITY web SYSTEM "{c}/canary/entity">
]>
<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>Safe</title><link>https://safe.example/</link><description>d</description>
<item><title>Entity &file; and &web;</title><link>https://safe.example/1</link><guid>https://safe.example/1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate>
<description><![CDATA[<p>body</p>]]></description><category domain="&web;">x</category><xi:include href="{c}/canary/xinclude"/></item>
</channel></rss>"#
    );
    let t = TestDir::new();
    t.file("x.xml", feed);
    t.file("feeds.toml", config(&path_source("x", "x.xml")));
    let run = run(&t, &["build"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in ["rss.xml", "atom.xml", "feed.json", "index.html"] {
        let out = t.read(&format!("output/digest/{file}"));
        assert!(!out.contains("root:") && !out.contains("CANARY-LEAKED"), "{file}: {out}");
    }
    // The unexpanded entities stay literal text in the title.
    assert!(t.read("output/digest/feed.json").contains("Entity &file; and &web;"));
    // `expect(0)` on the canary is verified when the server drops: nothing
    // was requested from it, not the DTD, the parameter entity, the general
    // entity or the XInclude.
}

#[test]
fn a_corrupt_state_database_exits_3_and_leaves_outputs_and_the_file_alone() {
    let t = TestDir::new();
    t.file("f.xml", rss(&[("a", "Kept story", Some("Mon, 03 Mar 2025 10:00:00 +0000"))]));
    t.file("feeds.toml", config(&path_source("f", "f.xml")));
    assert_eq!(t.run(&["build"]).code, 0);
    let before = t.read("output/digest/rss.xml");
    let garbage = vec![0x5a_u8; 64 * 1024];
    t.file(".feedwright/state.db", &garbage);
    let _ = std::fs::remove_file(t.join(".feedwright/state.db-wal"));
    let _ = std::fs::remove_file(t.join(".feedwright/state.db-shm"));
    t.file("f.xml", rss(&[("b", "New story", Some("Tue, 04 Mar 2025 10:00:00 +0000"))]));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: state database .feedwright/state.db is corrupt or not a SQLite database ("
        ) && run.stderr.contains("move it aside")
            && run.stderr.contains("never deletes it"),
        "names the file and says what to do: {}",
        run.stderr
    );
    assert_eq!(t.read("output/digest/rss.xml"), before, "outputs untouched");
    assert_eq!(
        std::fs::read(t.join(".feedwright/state.db")).unwrap(),
        garbage,
        "never deleted or recreated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_gone_upstream_says_so_and_keeps_warning() {
    let server = MockServer::start().await;
    Mock::given(path("/gone.xml")).respond_with(ResponseTemplate::new(410)).mount(&server).await;
    let t = TestDir::new();
    let url = format!("{}/gone.xml", server.uri());
    t.file("feeds.toml", config(&url_source("gone", &url)));
    for _ in 0..3 {
        let run = run(&t, &["build"]).await;
        assert_eq!(run.code, 1);
        assert_eq!(
            run.stderr,
            format!(
                "error: source \"gone\" failed: {url}: HTTP 410 Gone: the feed is gone upstream; remove the source or change its url\n"
            )
        );
    }
    // Three failures put the source in backoff; it still warns every run.
    let run = run(&t, &["build"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("in backoff") && run.stderr.contains("HTTP 410 Gone"),
        "{}",
        run.stderr
    );
}

/// CON-10: fetch bookkeeping written while the clock ran ahead must not hold
/// a source once the clock is set back: it waits `every`, or its backoff
/// delay, counted from the first run after the jump, not until the clock
/// catches up five years later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_set_back_holds_a_source_no_longer_than_its_interval_or_backoff() {
    let server = MockServer::start().await;
    Mock::given(path("/ok.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "a",
            "Alpha",
            Some("Mon, 03 Mar 2025 10:00:00 +0000"),
        )])))
        .mount(&server)
        .await;
    Mock::given(path("/down.xml")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let t = TestDir::new();
    let sources = format!(
        "{}every = \"1h\"\n\n{}",
        url_source("ok", &format!("{}/ok.xml", server.uri())),
        url_source("down", &format!("{}/down.xml", server.uri()))
    );
    t.file("feeds.toml", config(&sources));
    let build_at = |now: &'static str| {
        let dir = t.join("");
        tokio::task::spawn_blocking(move || {
            crate::util::run_with_env(&dir, &["build"], &[("FEEDWRIGHT_NOW", now)])
        })
    };
    let requests = |p: &'static str| {
        let server = &server;
        async move {
            server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == p).count()
        }
    };

    // With the clock five years ahead: "ok" is fetched, "down" fails three
    // times and goes into backoff for about 15 minutes.
    for now in ["2030-01-01T00:00:00Z", "2030-01-01T00:01:00Z", "2030-01-01T00:02:00Z"] {
        assert_eq!(build_at(now).await.unwrap().code, 1);
    }
    assert_eq!((requests("/ok.xml").await, requests("/down.xml").await), (1, 3));

    // The clock is set back. Both count as attempted just now.
    let run = build_at("2025-01-01T00:00:00Z").await.unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the last fetch was recorded at 2030-01-01 00:02:00 UTC, after now (2025-01-01 00:00:00 UTC)"
        )
            && run.stderr.contains("the clock moved back; counting it as fetched now"),
        "{}",
        run.stderr
    );
    // Logged through `tracing`; stderr is a pipe here, so no colour codes.
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(
        run.stderr.contains("in backoff after 3 failure(s) until 2025-01-01 00:1"),
        "{}",
        run.stderr
    );
    assert_eq!((requests("/ok.xml").await, requests("/down.xml").await), (1, 3));
    assert_eq!(build_at("2025-01-01T00:10:00Z").await.unwrap().code, 0);
    assert_eq!((requests("/ok.xml").await, requests("/down.xml").await), (1, 3));

    // The backoff (15 min ± 10%) ends, then the interval (1 h): each source
    // is fetched again long before 2030.
    assert_eq!(build_at("2025-01-01T00:20:00Z").await.unwrap().code, 1);
    assert_eq!((requests("/ok.xml").await, requests("/down.xml").await), (1, 4));
    let run = build_at("2025-01-01T01:00:01Z").await.unwrap();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(requests("/ok.xml").await, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("clock moved back"), "{}", run.stderr);
}

/// A server whose `/ok.xml` is a healthy one-item feed ("Still here"), to show
/// that the other sources of a run are still built when one fails.
async fn healthy_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/ok.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "ok",
            "Still here",
            Some("Mon, 03 Mar 2025 10:00:00 +0000"),
        )])))
        .mount(&server)
        .await;
    server
}

/// A raw server on 127.0.0.1 that answers every request with `head` (status line and header
/// lines, without the blank line ending them) and a one-item feed. Returns its base URL.
async fn raw_head_server(head: String) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let head = std::sync::Arc::new(head);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let head = std::sync::Arc::clone(&head);
            tokio::spawn(async move {
                if read_head(&mut socket).await.is_none() {
                    return;
                }
                let body = rss(&[("h", "Behind huge headers", None)]);
                let _ = socket.write_all(head.as_bytes()).await;
                let end = format!("Content-Length: {}\r\n\r\n{body}", body.len());
                let _ = socket.write_all(end.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// RES-09: a server sending 10,000 header lines and one sending a 1 MiB header each fail their
/// own source with a named error; the other source is built and the run exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_or_numerous_response_headers_fail_only_their_source() {
    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("X-Pad-{i}: v\r\n"));
    }
    let huge = format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n", "a".repeat(1024 * 1024));
    let many = raw_head_server(many).await;
    let huge = raw_head_server(huge).await;
    let server = healthy_server().await;
    let t = TestDir::new();
    let sources = url_source("many", &format!("{many}/feed.xml"))
        + &url_source("huge", &format!("{huge}/feed.xml"))
        + &url_source("ok", &format!("{}/ok.xml", server.uri()));
    t.file("feeds.toml", config(&sources));
    let run = run(&t, &["build"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (id, url) in [("many", &many), ("huge", &huge)] {
        let line = format!(
            "error: source \"{id}\" failed: {url}/feed.xml: protocol error: response headers too \
             large (more than 100 headers or 408 KiB)"
        );
        assert!(run.stderr.contains(&line), "{line}\n{}", run.stderr);
    }
    let out = t.read("output/digest/rss.xml");
    assert!(out.contains("Still here") && !out.contains("Behind huge headers"), "{out}");
}

#[test]
fn keep_items_retires_stored_items_through_builds_and_the_state_file_shrinks() {
    let feed = |n: usize, from: usize| {
        let mut out = String::from(
            "<rss version=\"2.0\"><channel><title>Up</title><link>https://up.example/</link><description>d</description>\n",
        );
        let body = "Long paragraph about the story. ".repeat(120);
        for i in from..from + n {
            // One item a minute, newest last in the file.
            let date = chrono::DateTime::from_timestamp(1_740_000_000 + 60 * i as i64, 0).unwrap();
            out.push_str(&format!(
                "<item><title>Story {i}</title><link>https://up.example/{i}</link><pubDate>{}</pubDate><description>{body}{i}</description></item>\n",
                date.to_rfc2822()
            ));
        }
        out + "</channel></rss>\n"
    };
    let config = |keep: usize| {
        format!(
            "[site]\ntitle = \"T\"\nlink = \"https://example.org/\"\ntimezone = \"UTC\"\n\n\
             [[channel]]\nid = \"digest\"\ntitle = \"Digest\"\nitems_per_channel = 1000\nkeep_items = {keep}\n\n\
             [[source]]\nid = \"f\"\nkind = \"feed\"\npath = \"f.xml\"\nchannel = \"digest\"\n"
        )
    };
    let t = TestDir::new();
    let stored = |t: &TestDir| -> Vec<String> {
        let db = rusqlite::Connection::open(t.join(".feedwright/state.db")).unwrap();
        let mut q = db
            .prepare("SELECT json_extract(article, '$.link') FROM items WHERE source = 'f' ORDER BY item_date DESC")
            .unwrap();
        q.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    t.file("f.xml", feed(400, 0)).file("feeds.toml", config(500));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(stored(&t).len(), 400);
    let full = std::fs::metadata(t.join(".feedwright/state.db")).unwrap().len();
    assert!(full > 2 << 20, "{full} bytes");

    // Upstream now shows two new stories; the channel keeps ten stored items.
    t.file("f.xml", feed(2, 400)).file("feeds.toml", config(10));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kept = stored(&t);
    let want: Vec<String> = (392..402).rev().map(|i| format!("https://up.example/{i}")).collect();
    assert_eq!(kept, want, "the newest ten, gone-upstream ones included");
    let rss = t.read("output/digest/rss.xml");
    assert_eq!(rss.matches("<item>").count(), 10, "{rss}");
    assert!(rss.contains("Story 401") && rss.contains("Story 392") && !rss.contains("Story 391<"));
    // Pruning freed most of the file; the run's housekeeping vacuumed it.
    let after = std::fs::metadata(t.join(".feedwright/state.db")).unwrap().len();
    assert!(after * 4 < full, "{after} bytes after, {full} before");
}

/// NET-13: the body decides what a document is, whatever the Content-Type
/// says, and without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_is_read_whatever_its_content_type() {
    let server = MockServer::start().await;
    let date = Some("Mon, 03 Mar 2025 10:00:00 +0000");
    let atom = |name: &str| {
        format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>urn:{name}</id>\
             <updated>2025-03-03T10:00:00Z</updated><entry><title>Served {name}</title>\
             <id>urn:{name}:1</id><link href=\"https://up.example/{name}\"/>\
             <updated>2025-03-03T10:00:00Z</updated></entry></feed>"
        )
    };
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"urn:json:1","url":"https://up.example/json","title":"Served json","content_text":"x","date_published":"2025-03-03T10:00:00Z"}]}"#
        .to_owned();
    let cases = [
        ("plain", Some("text/plain"), rss(&[("plain", "Served plain", date)])),
        ("octets", Some("application/octet-stream"), atom("octets")),
        ("html", Some("text/html; charset=utf-8"), rss(&[("html", "Served html", date)])),
        ("png", Some("image/png"), atom("png")),
        ("json", Some("application/json"), json),
        ("none", None, rss(&[("none", "Served none", date)])),
    ];
    let mut sources = String::new();
    for (name, mime, body) in &cases {
        let reply = match mime {
            Some(mime) => ResponseTemplate::new(200).set_body_raw(body.clone(), mime),
            None => ResponseTemplate::new(200).set_body_bytes(body.clone()),
        };
        Mock::given(path(format!("/{name}"))).respond_with(reply).expect(1).mount(&server).await;
        sources += &url_source(name, &format!("{}/{name}", server.uri()));
    }
    let t = TestDir::new();
    t.file("feeds.toml", config(&sources));
    let run = run(&t, &["build"]).await;
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let feed = t.read("output/digest/feed.json");
    for (name, _, _) in &cases {
        assert!(feed.contains(&format!("\"Served {name}\"")), "{name}: {feed}");
    }
}

/// NET-15: `Expires: 0` changes nothing (an unchanged feed rewrites no file),
/// and an unsolicited 304 (no validators were sent) is an error for its
/// source alone, whose stored items stay in the channel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expires_zero_rewrites_nothing_and_an_unsolicited_304_keeps_the_channel_whole() {
    let server = MockServer::start().await;
    Mock::given(path("/fresh.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("expires", "0")
                .insert_header("cache-control", "no-cache")
                .set_body_string(rss(&[(
                    "f1",
                    "Fresh story",
                    Some("Mon, 03 Mar 2025 10:00:00 +0000"),
                )])),
        )
        .expect(2)
        .mount(&server)
        .await;
    // No ETag or Last-Modified: the next run has no validators to send.
    let first_reply = Mock::given(path("/odd.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(rss(&[(
            "o1",
            "Odd story",
            Some("Tue, 04 Mar 2025 10:00:00 +0000"),
        )])))
        .expect(1)
        .mount_as_scoped(&server)
        .await;
    let t = TestDir::new();
    let odd = format!("{}/odd.xml", server.uri());
    t.file(
        "feeds.toml",
        config(
            &(url_source("fresh", &format!("{}/fresh.xml", server.uri()))
                + &url_source("odd", &odd)),
        ),
    );
    let first = run(&t, &["build"]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = t.read("output/digest/rss.xml");
    drop(first_reply);
    Mock::given(path("/odd.xml")).respond_with(ResponseTemplate::new(304)).mount(&server).await;
    let second = run(&t, &["build"]).await;
    assert_eq!(second.code, 1);
    assert_eq!(
        second.stderr,
        format!(
            "error: source \"odd\" failed: {odd}: unsolicited 304 Not Modified with no stored copy\n"
        )
    );
    assert!(second.stdout.contains("files: 0 changed"), "{}", second.stdout);
    assert_eq!(t.read("output/digest/rss.xml"), before, "both stories, unchanged");
    assert!(before.contains("Fresh story") && before.contains("Odd story"), "{before}");
}

/// CFG-10: credentials and token parameters in a source URL appear nowhere
/// a failing run reports it: not in the error line, not in `-v` request
/// logs, not in `status`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_a_failing_url_are_never_printed() {
    let server = MockServer::start().await;
    Mock::given(path("/private.xml")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let address = server.address();
    let url = format!("http://reader:pa55word@{address}/private.xml?api_key=k3y-value&page=2");
    let t = TestDir::new();
    t.file("feeds.toml", config(&url_source("private", &url)));
    let shown = format!("http://{address}/private.xml?api_key=redacted&page=2");
    let build = run(&t, &["build", "-v"]).await;
    assert_eq!(build.code, 1, "{}", build.stderr);
    assert!(
        build.stderr.contains(&format!("error: source \"private\" failed: {shown}: HTTP 404")),
        "{}",
        build.stderr
    );
    assert!(build.stderr.contains(&format!("fetch: failed url={shown} ")), "{}", build.stderr);
    let status = run(&t, &["status"]).await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains("HTTP 404"), "{}", status.stdout);
    for (what, text) in [
        ("build stdout", &build.stdout),
        ("build stderr", &build.stderr),
        ("status", &status.stdout),
        ("status stderr", &status.stderr),
    ] {
        for secret in ["pa55word", "k3y-value", "reader:"] {
            assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
        }
    }
    // The request itself still carried them.
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().any(|r| r.url.query() == Some("api_key=k3y-value&page=2")));
}

/// RES-06: a feed of 100,000 items is read whole but keeps only the newest
/// 1,000 (the per-source parse limit), with a warning; the channel shows
/// its newest `items_per_channel` of them.
#[test]
fn a_feed_of_100000_items_keeps_the_newest_thousand() {
    let mut feed = String::from(
        "<rss version=\"2.0\"><channel><title>Big</title><link>https://big.example/</link><description>d</description>\n",
    );
    for i in 0..100_000u32 {
        // Shuffled order (a multiplicative step mod 100,000): the newest are
        // not simply the first or the last in the file.
        let n = (i as u64 * 7_919 % 100_000) as i64;
        let date = chrono::DateTime::from_timestamp(1_700_000_000 + 60 * n, 0).unwrap();
        feed.push_str(&format!(
            "<item><title>Item {n}</title><link>https://big.example/{n}</link><pubDate>{}</pubDate></item>\n",
            date.to_rfc2822()
        ));
    }
    feed.push_str("</channel></rss>\n");
    let t = TestDir::new();
    t.file("big.xml", feed);
    t.file("feeds.toml", config(&path_source("big", "big.xml")));
    let run = t.run(&["build"]);
    // Written, with the cut as a warning: exit 1.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "warning: big: big.xml: 100000 entries; kept the newest 1000\n");
    assert!(run.stdout.contains("big  1000 read"), "{}", run.stdout);
    let rss = t.read("output/digest/rss.xml");
    // The default items_per_channel: the 50 newest, newest first.
    let titles: Vec<&str> =
        rss.split("<title>").skip(2).map(|s| s.split('<').next().unwrap()).collect();
    let want: Vec<String> = (0..50).map(|k| format!("Item {}", 99_999 - k)).collect();
    assert_eq!(titles, want);
}

/// RES-07: many sources on several hosts through one build. At most
/// `[fetch] concurrency` requests are in flight at once, and at most
/// `per_host` on any one host, and every source is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sources_on_several_hosts_keep_both_fetch_limits() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use tokio::io::AsyncWriteExt;
    const HOSTS: usize = 6;
    const PER_HOST_SOURCES: usize = 4;
    // In flight overall, and on each host: (now, highest).
    let overall = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let mut sources = String::new();
    let mut per_host = Vec::new();
    for h in 0..HOSTS {
        // Every 127.x.y.z address is loopback on Linux: six hosts, one machine.
        // (Elsewhere only 127.0.0.1 may exist; then there is nothing to test.)
        let Ok(listener) = tokio::net::TcpListener::bind(format!("127.0.0.{}:0", h + 1)).await
        else {
            eprintln!("skipped: cannot listen on 127.0.0.{}", h + 1);
            return;
        };
        let address = listener.local_addr().unwrap();
        let host = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        per_host.push(Arc::clone(&host));
        let overall = Arc::clone(&overall);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (overall, host) = (Arc::clone(&overall), Arc::clone(&host));
                tokio::spawn(async move {
                    let Some(seen) = read_head(&mut socket).await else { return };
                    for (now, peak) in [(&overall.0, &overall.1), (&host.0, &host.1)] {
                        peak.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                    }
                    // Held until four are in flight (or a while has passed: the
                    // last few never make four), so the peak does not depend on
                    // how fast the client happens to be.
                    let held = std::time::Instant::now();
                    while overall.0.load(SeqCst) < 4
                        && held.elapsed() < std::time::Duration::from_secs(1)
                    {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    // Counted out before answering, so the next request cannot overlap it.
                    overall.0.fetch_sub(1, SeqCst);
                    host.0.fetch_sub(1, SeqCst);
                    let request = String::from_utf8_lossy(&seen).into_owned();
                    let name = request.split_whitespace().nth(1).unwrap_or("/").trim_matches('/');
                    let body = rss(&[(name, &format!("Story {name}"), None)]);
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        for s in 0..PER_HOST_SOURCES {
            let id = format!("h{h}s{s}");
            sources += &url_source(&id, &format!("http://{address}/{id}"));
        }
    }
    let t = TestDir::new();
    t.file("feeds.toml", format!("{}\n[fetch]\nconcurrency = 4\nper_host = 2\n", config(&sources)));
    let run = run(&t, &["build"]).await;
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(overall.1.load(SeqCst), 4, "the overall limit was reached and held");
    for (h, host) in per_host.iter().enumerate() {
        assert!(host.1.load(SeqCst) <= 2, "host {h}: {} in flight", host.1.load(SeqCst));
    }
    let feed = t.read("output/digest/rss.xml");
    for h in 0..HOSTS {
        for s in 0..PER_HOST_SOURCES {
            assert!(feed.contains(&format!("<title>Story h{h}s{s}</title>")), "h{h}s{s}: {feed}");
        }
    }
}
