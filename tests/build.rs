//! `feedwright build` end to end.

use crate::util::{SMALL_CONFIG, SMALL_RECORDS, TestDir, repo_root};

fn small_site() -> TestDir {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file("records.jsonl", SMALL_RECORDS);
    t
}

#[test]
fn writes_every_format_for_every_channel() {
    let t = small_site();
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");
    for channel in ["news", "world", "tech"] {
        for file in ["rss.xml", "atom.xml", "feed.json", "index.html"] {
            assert!(t.exists(&format!("output/{channel}/{file}")), "{channel}/{file}");
        }
    }
    assert!(t.exists("output/index.html"));
    assert!(t.exists("output/feeds.opml"));
}

#[test]
fn reports_items_sources_and_files() {
    let t = small_site();
    let run = t.run(&["build"]);
    assert_eq!(
        run.stdout,
        "channels:\n  news   3 items\n  world  2 items\n  tech   1 item\nsources:\n  wire  3 read, 0 skipped\nfiles: 15 changed, 0 unchanged, 0 removed in output\n"
    );
}

#[test]
fn snapshots_of_the_three_formats() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    insta::assert_snapshot!("world_rss", t.read("output/world/rss.xml"));
    insta::assert_snapshot!("world_atom", t.read("output/world/atom.xml"));
    insta::assert_snapshot!("world_json", t.read("output/world/feed.json"));
    insta::assert_snapshot!("tech_atom", t.read("output/tech/atom.xml"));
}

#[test]
fn every_format_parses_back_with_the_same_items() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    for file in ["rss.xml", "atom.xml", "feed.json"] {
        let bytes = std::fs::read(t.join(&format!("output/news/{file}"))).unwrap();
        let feed = feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{file}: {e}"));
        let titles: Vec<String> =
            feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect();
        assert_eq!(
            titles,
            ["Q&A: why <feeds> still matter", "河口观鸟站迎来第一批候鸟", "简讯：港口夜间作业恢复"],
            "{file}"
        );
        let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "tag:example.org,2025:feeds/tech/t-1",
                "tag:example.org,2025:feeds/world/w-1",
                "tag:example.org,2025:feeds/world/w-2"
            ],
            "{file}"
        );
        let links: Vec<Option<&str>> =
            feed.entries.iter().map(|e| e.links.first().map(|l| l.href.as_str())).collect();
        assert_eq!(links[0], Some("https://example.org/tech/qa.html"), "{file}");
        assert_eq!(links[1], Some("https://example.org/world/1.html"), "{file}");
        let published: Vec<Option<String>> =
            feed.entries.iter().map(|e| e.published.map(|d| d.to_rfc3339())).collect();
        // 2025-02-12 18:00:35 in Asia/Shanghai is 10:00:35 UTC.
        assert_eq!(published[0].as_deref(), Some("2025-02-13T09:30:00+00:00"), "{file}");
        assert_eq!(published[1].as_deref(), Some("2025-02-12T10:00:35+00:00"), "{file}");
        let summary = feed.entries[1].summary.as_ref().unwrap().content.clone();
        assert!(summary.starts_with("清晨六点，观鸟站的志愿者"), "{file}: {summary}");
        assert!(summary.ends_with("..."), "{file}: {summary}");
        assert_eq!(summary.chars().count(), 103, "{file}: 100 characters plus the ellipsis");
        assert_eq!(feed.entries[2].summary.as_ref().unwrap().content, "港口夜间作业今日恢复。");
    }
}

#[test]
fn two_builds_give_identical_bytes_and_the_second_changes_nothing() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    let files = [
        "output/news/rss.xml",
        "output/news/atom.xml",
        "output/news/feed.json",
        "output/index.html",
        "output/feeds.opml",
    ];
    let first: Vec<(Vec<u8>, std::time::SystemTime)> = files
        .iter()
        .map(|f| {
            (
                std::fs::read(t.join(f)).unwrap(),
                std::fs::metadata(t.join(f)).unwrap().modified().unwrap(),
            )
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.ends_with("files: 0 changed, 15 unchanged, 0 removed in output\n"),
        "{}",
        run.stdout
    );
    for (f, (bytes, mtime)) in files.iter().zip(first) {
        assert_eq!(std::fs::read(t.join(f)).unwrap(), bytes, "{f}");
        assert_eq!(
            std::fs::metadata(t.join(f)).unwrap().modified().unwrap(),
            mtime,
            "{f} was rewritten"
        );
    }
}

#[test]
fn files_of_a_removed_channel_disappear_but_foreign_files_stay() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    t.file("output/tech/notes.txt", "mine");
    t.file("output/keep.txt", "mine too");
    let without_tech = SMALL_CONFIG.replace("[[channel]]\nid = \"tech\"\ntitle = \"Technology\"\nparent = \"news\"\nlanguage = \"en\"\n", "");
    t.file("feeds.toml", without_tech);
    t.file(
        "records.jsonl",
        SMALL_RECORDS.lines().filter(|l| !l.contains("\"t-1\"")).collect::<Vec<_>>().join("\n"),
    );
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(" 4 removed in output"), "{}", run.stdout);
    for file in ["rss.xml", "atom.xml", "feed.json", "index.html"] {
        assert!(!t.exists(&format!("output/tech/{file}")), "{file} should be gone");
    }
    assert_eq!(t.read("output/tech/notes.txt"), "mine");
    assert_eq!(t.read("output/keep.txt"), "mine too");
    assert!(t.exists("output/world/rss.xml"));
}

#[test]
fn a_bad_record_is_skipped_and_named_while_the_rest_are_written() {
    let t = small_site();
    let records = format!(
        "{SMALL_RECORDS}{}\n{}\n{}\n",
        r#"{"id": "x-1", "link": "https://example.org/x"}"#,
        r#"{"id": "x-2", "title": "Bad date", "published": "12/02/2025"}"#,
        r#"{"id": "x-3", "title": "Broken"#,
    );
    t.file("records.jsonl", records);
    let run = t.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.stderr,
        "warning: skipped: wire: records.jsonl:4: record has no title; every record needs a non-empty \"title\"\n\
         warning: skipped: wire: records.jsonl:5: published: unrecognised date \"12/02/2025\"; expected RFC 3339, RFC 2822, YYYY-MM-DD[ HH:MM[:SS]], YYYY/MM/DD HH:MM, YYYY年MM月DD日 HH:MM or unix seconds\n\
         warning: skipped: wire: records.jsonl:6: invalid JSON at column 30: EOF while parsing a string; expected one JSON object per line\n"
    );
    assert!(run.stdout.contains("wire  3 read, 3 skipped"), "{}", run.stdout);
    assert!(t.read("output/news/rss.xml").contains("河口观鸟站"));
}

#[test]
fn strict_refuses_to_write_when_a_record_is_bad() {
    let t = small_site();
    t.file("records.jsonl", format!("{SMALL_RECORDS}{{\"id\": \"x\"}}\n"));
    let run = t.run(&["build", "--strict"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with("error: --strict: problems found, nothing was written\n"),
        "{}",
        run.stderr
    );
    assert!(!t.exists("output"));
}

#[test]
fn out_flag_overrides_the_output_directory() {
    let t = small_site();
    let run = t.run(&["build", "--out", "public", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(t.exists("public/world/atom.xml"));
    assert!(!t.exists("output"));
}

#[test]
fn one_missing_source_does_not_stop_the_others() {
    let t = small_site();
    let config = format!(
        "{SMALL_CONFIG}\n[[source]]\nid = \"gone\"\nkind = \"records\"\npath = \"missing/*.json\"\nchannel = \"tech\"\n"
    );
    t.file("feeds.toml", config);
    let run = t.run(&["build"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: source \"gone\" failed: path \"missing/*.json\" matches no record files\n"
    );
    assert!(t.read("output/world/rss.xml").contains("河口观鸟站"));
}

#[test]
fn the_default_config_builds_cleanly() {
    let t = TestDir::new();
    let out = t.join("out");
    let config = repo_root().join("feeds.toml");
    // The state database goes to the temp dir, never into the repository.
    let state = t.join("state.db");
    let args = ["build", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let run = t.run(&[&args[..], &["--state", state.to_str().unwrap()]].concat());
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");
    let news = t.read("out/news/rss.xml");
    assert!(news.matches("<item>").count() >= 40, "the parent channel aggregates its children");
    // The merged channel: the story carried by all three sample feeds once,
    // the local record instead of the JSON Feed copy of the ferry story.
    let digest = t.read("out/digest/rss.xml");
    assert_eq!(
        digest.matches("Cold-Storage Pier").count() + digest.matches("cold storage pier").count(),
        1,
        "{digest}"
    );
    assert!(digest.contains("青禾夜航渡轮恢复运营"));
    for bad in ["<script", "onerror", "javascript:", "steal()"] {
        assert!(!digest.contains(bad), "{bad}");
    }
    assert!(state.exists());
}

#[test]
fn hostile_content_is_sanitised_in_every_format_and_links_made_absolute() {
    let t = small_site();
    let hostile = r#"{"id": "h", "title": "<script>alert(1)</script> Title", "link": "https://example.org/world/2025/h.html", "channel": "world", "published": "2025-02-14 08:00", "content": "<p onclick=\"steal()\">Read <a href=\"../more.html\">more</a> <img src=\"pic.png\" onerror=\"x()\"> <a href=\"javascript:alert(2)\">bad</a></p><script>alert(3)</script><style>body{display:none}</style><iframe src=\"https://evil.example/\"></iframe>"}"#;
    t.file("records.jsonl", format!("{SMALL_RECORDS}{hostile}\n"));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // In the XML and HTML files markup in the title is escaped text, so no
    // raw `<script` may appear anywhere.
    for file in ["rss.xml", "atom.xml", "index.html"] {
        let out = t.read(&format!("output/world/{file}"));
        for bad in ["<script", "onclick", "onerror", "javascript:", "<style", "<iframe", "steal()"]
        {
            assert!(!out.contains(bad), "{file} contains {bad}");
        }
    }
    // JSON strings are not markup: the title keeps its text, the HTML field is clean.
    let json: serde_json::Value = serde_json::from_str(&t.read("output/world/feed.json")).unwrap();
    let item = &json["items"][0];
    let content = item["content_html"].as_str().unwrap();
    for bad in ["<script", "onclick", "onerror", "javascript:", "<style", "<iframe", "steal()"] {
        assert!(!content.contains(bad), "content_html contains {bad}");
    }
    // The title is plain text: kept as written, escaped by each format.
    assert_eq!(item["title"], "<script>alert(1)</script> Title");
    let html = item["content_html"].as_str().unwrap();
    assert!(html.contains(r#"href="https://example.org/world/more.html""#), "{html}");
    assert!(html.contains(r#"src="https://example.org/world/2025/pic.png""#), "{html}");
    assert!(
        t.read("output/world/rss.xml")
            .contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; Title</title>")
    );
}

#[test]
fn temp_files_left_by_a_crash_are_cleaned_and_outputs_are_world_readable() {
    let t = small_site();
    t.file("output/world/.feedwright-tmp-abc123", "half a feed");
    t.file("output/.feedwright-tmp-xyz", "half a page");
    assert_eq!(t.run(&["build"]).code, 0);
    assert!(!t.exists("output/world/.feedwright-tmp-abc123"));
    assert!(!t.exists("output/.feedwright-tmp-xyz"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(t.join("output/world/rss.xml")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn a_changed_record_rewrites_only_the_feeds_it_is_in() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    t.file("records.jsonl", SMALL_RECORDS.replace("Q&A: why <feeds> still matter", "Q&A: feeds"));
    let run = t.run(&["build"]);
    // tech and news (3 feeds + page each) change; world, the index, the OPML and the stylesheet do not.
    assert!(
        run.stdout.ends_with("files: 8 changed, 7 unchanged, 0 removed in output\n"),
        "{}",
        run.stdout
    );
    assert!(t.read("output/tech/atom.xml").contains("Q&amp;A: feeds"));
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_at_an_output_path_is_replaced_not_followed() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    let outside = t.join("outside.txt");
    std::fs::write(&outside, "precious").unwrap();
    let target = t.join("output/world/rss.xml");
    std::fs::remove_file(&target).unwrap();
    std::os::unix::fs::symlink(&outside, &target).unwrap();
    // A changed record forces world/rss.xml to be rewritten.
    t.file(
        "records.jsonl",
        SMALL_RECORDS.replace("河口观鸟站迎来第一批候鸟", "河口观鸟站迎来第二批候鸟"),
    );
    assert_eq!(t.run(&["build"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "precious",
        "the link's target is untouched"
    );
    let meta = std::fs::symlink_metadata(&target).unwrap();
    assert!(meta.file_type().is_file(), "the link was replaced by a regular file");
    assert!(t.read("output/world/rss.xml").contains("第二批候鸟"));
}

#[cfg(unix)]
#[test]
fn a_channel_directory_replaced_by_a_symlink_is_not_written_through() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    let elsewhere = t.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(t.join("output/world")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, t.join("output/world")).unwrap();
    let run = t.run(&["build"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing was written through the link"
    );
}

#[cfg(unix)]
#[test]
fn stale_files_are_never_removed_through_a_symlinked_directory() {
    let t = small_site();
    assert_eq!(t.run(&["build"]).code, 0);
    let elsewhere = t.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("rss.xml"), "not ours").unwrap();
    std::fs::remove_dir_all(t.join("output/tech")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, t.join("output/tech")).unwrap();
    // Removing the channel makes its files stale.
    let without_tech = SMALL_CONFIG.replace("[[channel]]\nid = \"tech\"\ntitle = \"Technology\"\nparent = \"news\"\nlanguage = \"en\"\n", "");
    t.file("feeds.toml", without_tech);
    t.file(
        "records.jsonl",
        SMALL_RECORDS.lines().filter(|l| !l.contains("\"t-1\"")).collect::<Vec<_>>().join("\n"),
    );
    assert_eq!(t.run(&["build"]).code, 0);
    assert_eq!(std::fs::read_to_string(elsewhere.join("rss.xml")).unwrap(), "not ours");
}
