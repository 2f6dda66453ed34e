//! Every record format, read through `feedwright check`: good records are
//! counted, bad ones are skipped with `file:line` (or `file[index]`) and the
//! reason, and one bad file never hides the others.

use crate::util::TestDir;

const CONFIG: &str = r#"
[site]
title = "T"
link = "https://example.org/"
timezone = "Asia/Shanghai"

[[channel]]
id = "main"
title = "Main"
aliases = ["主频道"]

[[source]]
id = "src"
kind = "records"
path = "data"
channel = "main"
"#;

fn run_check(files: &[(&str, &str)]) -> crate::util::Run {
    let t = TestDir::new();
    t.file("feeds.toml", CONFIG);
    for (name, body) in files {
        t.file(&format!("data/{name}"), body);
    }
    t.run(&["check"])
}

fn assert_problems(run: &crate::util::Run, expected: &[&str]) {
    let got: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(got, expected, "stdout: {}", run.stdout);
}

#[test]
fn csv_rows_with_the_wrong_number_of_fields_are_named_by_line() {
    let csv = "id,title,link,published,author,categories\n\
               c1,First,https://example.org/1,2025-02-12 18:00:35,A;B,x;y\n\
               c2,Too few,https://example.org/2\n\
               c3,\"Quoted, with comma\",https://example.org/3,2025/02/13 09:00,C,\n\
               c4,Bad date,https://example.org/4,yesterday,D,\n";
    let run = run_check(&[("a.csv", csv)]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/a.csv:3: row has 3 fields, expected 6 as in the header row",
            "warning: skipped: src: data/a.csv:5: published: unrecognised date \"yesterday\"; expected RFC 3339, RFC 2822, YYYY-MM-DD[ HH:MM[:SS]], YYYY/MM/DD HH:MM, YYYY年MM月DD日 HH:MM or unix seconds",
        ],
    );
    assert!(run.stdout.contains("src  2 read, 2 skipped"), "{}", run.stdout);
    assert_eq!(run.code, 1);
}

#[test]
fn csv_without_a_title_column_fails_that_file_only() {
    let run = run_check(&[
        ("a.csv", "id,name\n1,x\n"),
        ("b.jsonl", "{\"id\": \"j\", \"title\": \"Fine\", \"published\": \"2025-01-01\"}\n"),
    ]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/a.csv: header row has no \"title\" column (found: id, name); the first row must name the fields",
        ],
    );
    assert!(run.stdout.contains("src  1 read, 0 skipped"), "{}", run.stdout);
}

#[test]
fn json_array_elements_are_named_by_index() {
    let json = r#"[
  {"id": "a", "title": "A", "published": "2025-02-12"},
  {"id": "b"},
  "not a record",
  {"id": "c", "title": 5, "published": 1739354400},
  {"id": "d", "title": "D", "link": "javascript:alert(1)"}
]"#;
    let run = run_check(&[("list.json", json)]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/list.json[1]: record has no title; every record needs a non-empty \"title\"",
            "warning: skipped: src: data/list.json[2]: expected a record object, found a string",
            "warning: skipped: src: data/list.json[4]: link \"javascript:alert(1)\" is not an absolute http(s) URL",
        ],
    );
    assert!(run.stdout.contains("src  2 read, 3 skipped"), "{}", run.stdout);
}

#[test]
fn a_json_object_may_hold_items_and_broken_json_names_the_position() {
    let run = run_check(&[
        ("obj.json", r#"{"items": [{"id": "x", "title": "X", "published": "2025-02-12"}]}"#),
        (
            "broken.json",
            "[\n  {\"id\": \"y\", \"title\": \"Y\", \"date\": \"2025-01-01\"},\n  {\"id\": \n",
        ),
    ]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/broken.json: EOF while parsing a value at line 4 column 0; expected a JSON array of record objects",
        ],
    );
    // The element before the break was still read.
    assert!(run.stdout.contains("src  2 read, 0 skipped"), "{}", run.stdout);
}

#[test]
fn toml_records_are_named_by_line_and_accept_toml_dates() {
    let toml = "[[record]]\nid = \"t1\"\ntitle = \"One\"\npublished = 2025-02-12T18:00:35+08:00\n\n[[record]]\nid = \"t2\"\ntitle = \"Two\"\npublished = \"2025-02-30 10:00\"\n";
    let run = run_check(&[("r.toml", toml)]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/r.toml:6: published: date out of range: \"2025-02-30 10:00\" (no such day)",
        ],
    );
}

#[test]
fn markdown_front_matter_in_yaml_and_toml() {
    let yaml = "---\ntitle: Yaml post\nid: m1\nchannel: 主频道\npublished: 2025-02-12 18:00:35\nauthor: [A, B]\n---\nFirst *para*.\n\nSecond para.\n";
    let toml = "+++\ntitle = \"Toml post\"\nid = \"m2\"\npublished = \"2025-02-13\"\n+++\nBody.\n";
    let none = "Just text, no front matter.\n";
    let bad = "---\ntitle: [unclosed\n---\nx\n";
    let run = run_check(&[("a.md", yaml), ("b.md", toml), ("c.md", none), ("d.md", bad)]);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert_eq!(
        lines[0],
        "warning: skipped: src: data/c.md: no front matter; start the file with a --- (YAML) or +++ (TOML) block holding at least title"
    );
    assert!(
        lines[1].starts_with("warning: skipped: src: data/d.md: YAML front matter error at line"),
        "{}",
        lines[1]
    );
    assert!(run.stdout.contains("src  2 read, 2 skipped"), "{}", run.stdout);
}

#[test]
fn invalid_utf8_is_named_with_its_position() {
    let t = TestDir::new();
    t.file("feeds.toml", CONFIG);
    t.file("data/a.jsonl", b"{\"id\": \"1\", \"title\": \"ok\", \"published\": \"2025-01-01\"}\n{\"id\": \"2\", \"title\": \"\xff\"}\n".as_slice());
    t.file("data/b.toml", b"title = \"\xfe\"\n".as_slice());
    let run = t.run(&["check"]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/a.jsonl:2: not valid UTF-8 at column 23",
            "warning: skipped: src: data/b.toml: not valid UTF-8 at byte 9; save the file as UTF-8",
        ],
    );
}

#[test]
fn dst_gap_times_are_errors_and_offsets_follow_the_zone() {
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        CONFIG
            .replace("channel = \"main\"\n", "channel = \"main\"\ntimezone = \"Europe/Berlin\"\n"),
    );
    t.file(
        "data/a.jsonl",
        "{\"id\": \"w\", \"title\": \"Winter\", \"published\": \"2025-01-15 12:00\"}\n\
         {\"id\": \"s\", \"title\": \"Summer\", \"published\": \"2025-07-15 12:00\"}\n\
         {\"id\": \"g\", \"title\": \"Gap\", \"published\": \"2025-03-30 02:30\"}\n",
    );
    let run = t.run(&["build"]);
    assert_problems(
        &run,
        &[
            "warning: skipped: src: data/a.jsonl:3: published: 2025-03-30 02:30 does not exist in Europe/Berlin (daylight-saving gap)",
        ],
    );
    let rss = t.read("output/main/rss.xml");
    assert!(rss.contains("<pubDate>Tue, 15 Jul 2025 12:00:00 +0200</pubDate>"), "{rss}");
    assert!(rss.contains("<pubDate>Wed, 15 Jan 2025 12:00:00 +0100</pubDate>"), "{rss}");
}

#[test]
fn every_date_format_reads_in_the_sources_zone() {
    let t = TestDir::new();
    t.file("feeds.toml", CONFIG);
    let dates = [
        ("rfc3339", "\"2025-02-12T18:00:35+08:00\""),
        ("rfc2822", "\"Wed, 12 Feb 2025 10:00:35 +0000\""),
        ("space", "\"2025-02-12 18:00:35\""),
        ("minutes", "\"2025-02-12 18:00\""),
        ("day", "\"2025-02-12\""),
        ("slash", "\"2025/02/12 18:00\""),
        ("cjk", "\"2025年02月12日 18:00\""),
        ("unix", "1739354435"),
    ];
    let lines: Vec<String> = dates
        .iter()
        .map(|(id, d)| format!("{{\"id\": \"{id}\", \"title\": \"{id}\", \"published\": {d}}}"))
        .collect();
    t.file("data/a.jsonl", lines.join("\n"));
    let run = t.run(&["build"]);
    assert_eq!(run.stderr, "");
    let json: serde_json::Value = serde_json::from_str(&t.read("output/main/feed.json")).unwrap();
    let mut got: Vec<(String, String)> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_owned(),
                i["date_published"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("cjk", "2025-02-12T18:00:00+08:00"),
            ("day", "2025-02-12T00:00:00+08:00"),
            ("minutes", "2025-02-12T18:00:00+08:00"),
            ("rfc2822", "2025-02-12T10:00:35+00:00"),
            ("rfc3339", "2025-02-12T18:00:35+08:00"),
            ("slash", "2025-02-12T18:00:00+08:00"),
            ("space", "2025-02-12T18:00:35+08:00"),
            ("unix", "2025-02-12T10:00:35+00:00"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

/// Runs `feedwright build` in `t`, failing the test instead of hanging if
/// the run blocks (opening a FIFO for reading waits for a writer).
#[cfg(unix)]
fn build_within(t: &TestDir, limit: std::time::Duration) -> crate::util::Run {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_feedwright"))
        .arg("build")
        .current_dir(t.join(""))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("build still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    crate::util::Run { code: status.code().unwrap_or(-1), stdout, stderr }
}

#[cfg(unix)]
#[test]
fn a_glob_names_each_record_path_it_cannot_read_and_reads_the_rest() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::new();
    let config = CONFIG.replace("path = \"data\"", "path = \"data/*.jsonl\"")
        + "\n[[source]]\nid = \"other\"\nkind = \"records\"\npath = \"other.jsonl\"\nchannel = \"main\"\n";
    t.file("feeds.toml", config);
    let record = |id: &str| format!("{{\"id\": \"{id}\", \"title\": \"Title {id}\"}}\n");
    t.file("data/a.jsonl", record("a")).file("data/z.jsonl", record("z"));
    t.file("other.jsonl", record("o"));
    std::fs::create_dir(t.join("data/dir.jsonl")).unwrap();
    std::os::unix::fs::symlink(t.join("nowhere.jsonl"), t.join("data/broken.jsonl")).unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(t.join("data/fifo.jsonl")).status();
    let fifo = fifo.is_ok_and(|s| s.success());
    if !fifo {
        eprintln!("FIFO case skipped: mkfifo is not available");
    }
    t.file("data/locked.jsonl", record("l"));
    let locked = t.join("data/locked.jsonl");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads a file whatever its mode bits say.
    let unreadable = std::fs::File::open(&locked).is_err();
    if !unreadable {
        eprintln!("permission case skipped: running as root, mode 000 does not stop reading");
    }

    let run = build_within(&t, std::time::Duration::from_secs(60));
    let mut expected = vec![format!(
        "warning: skipped: src: data/broken.jsonl: is a broken symbolic link: its target \"{}\" does not exist",
        t.join("nowhere.jsonl").display()
    )];
    expected.push(
        "warning: skipped: src: data/dir.jsonl: is a directory, expected a record file".to_owned(),
    );
    if fifo {
        expected.push("warning: skipped: src: data/fifo.jsonl: is not a regular file (a FIFO, socket or device), expected a record file".to_owned());
    }
    if unreadable {
        expected.push(
            "warning: skipped: src: data/locked.jsonl: cannot read file: Permission denied (os error 13)"
                .to_owned(),
        );
    }
    assert_eq!(run.stderr.lines().collect::<Vec<_>>(), expected, "{}", run.stdout);
    assert_eq!(run.code, 1);
    let feed = t.read("output/main/feed.json");
    for title in ["Title a", "Title z", "Title o"] {
        assert!(feed.contains(title), "{title} is still built: {feed}");
    }
    assert_eq!(feed.contains("Title l"), !unreadable);
}

/// FS-08: a record file rewritten in place while builds read it (an editor
/// or a sync tool saving it): every build ends, every feed it writes is
/// whole, and any problem names the file and line. Which version each build
/// sees is up to the timing; none of that may break a run.
#[test]
fn a_record_file_rewritten_while_it_is_read_never_breaks_a_build() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let t = TestDir::new();
    t.file("feeds.toml", CONFIG.replace("path = \"data\"", "path = \"data/live.jsonl\""));
    let version = |n: usize, v: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "{{\"id\": \"r{i}\", \"title\": \"Version {v} record {i}\", \
                     \"published\": \"2025-01-0{} 10:00\", \"summary\": \"{}\"}}\n",
                    1 + i % 9,
                    "words ".repeat(40)
                )
            })
            .collect()
    };
    t.file("data/live.jsonl", version(2000, 0));
    let (path, stop) = (t.join("data/live.jsonl"), Arc::new(AtomicBool::new(false)));
    // Stops the writer however the test ends, a failed assertion included.
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let stopping = Stop(Arc::clone(&stop));
    let writer = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut v = 1;
            while !stop.load(Ordering::Relaxed) {
                // Truncated and written in place, a piece at a time: a reader
                // can meet an empty file, half a line, or a file that grows
                // under it.
                use std::io::Write;
                let mut file = std::fs::File::create(&path).unwrap();
                for piece in version(500 + v % 3 * 1000, v).as_bytes().chunks(50_000) {
                    file.write_all(piece).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                v += 1;
            }
        })
    };
    for _ in 0..6 {
        let run = t.run(&["build"]);
        assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
        for line in run.stderr.lines() {
            assert!(line.starts_with("warning: skipped: src: data/live.jsonl:"), "{line}");
        }
        let rss = t.read("output/main/rss.xml");
        assert!(rss.starts_with("<?xml") && rss.ends_with("</rss>\n"), "{rss}");
        let items = rss.matches("<item>").count();
        assert_eq!(items, rss.matches("</item>").count());
        assert!(items <= 50, "{items}");
    }
    drop(stopping);
    writer.join().unwrap();
}
