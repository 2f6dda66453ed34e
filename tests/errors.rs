//! Exit codes and exact messages for config, usage and output errors, and
//! the `check` command.

use crate::util::{SMALL_CONFIG, SMALL_RECORDS, TestDir};

#[test]
fn a_missing_config_exits_2() {
    let t = TestDir::new();
    let run = t.run(&["build"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: config not found: feeds.toml (pass --config PATH or create feeds.toml)\n"
    );
}

#[test]
fn an_unknown_key_names_line_column_and_the_closest_key() {
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        SMALL_CONFIG.replace("description = \"Fixture site\"", "descripton = \"Fixture site\""),
    );
    let run = t.run(&["build"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: feeds.toml:5:1: unknown key \"descripton\" in [site]; did you mean \"description\"? (valid keys: title, link, description, language, timezone, output, formats, summary_length, ellipsis, items_per_channel, author, state)\n"
    );
    assert!(!t.exists("output"));
}

#[test]
fn a_bad_channel_id_is_rejected_before_anything_is_written() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG.replace("id = \"tech\"", "id = \"../etc\""));
    let run = t.run(&["build"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: feeds.toml:21:6: invalid channel id \"../etc\": use 1-64 characters of a-z, 0-9, \"-\" and \"_\", starting with a letter or digit\n"
    );
}

#[test]
fn a_toml_syntax_error_names_the_position() {
    let t = TestDir::new();
    t.file("feeds.toml", "[site]\ntitle = \"x\nlink = 1\n");
    let run = t.run(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: feeds.toml:2:"), "{}", run.stderr);
}

#[test]
fn an_output_path_that_is_a_file_exits_3() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG)
        .file("records.jsonl", SMALL_RECORDS)
        .file("output", "not a dir");
    let run = t.run(&["build"]);
    assert_eq!(run.code, 3);
    assert_eq!(run.stderr, format!("error: output path {} is not a directory\n", "output"));
    assert_eq!(t.read("output"), "not a dir");
}

#[test]
fn check_lists_counts_and_every_problem_and_writes_nothing() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file(
        "records.jsonl",
        format!("{SMALL_RECORDS}{}\n", r#"{"id": "q", "title": "Where?", "channel": "sport"}"#),
    );
    let run = t.run(&["check"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "note: wire: records.jsonl:3: record has no date; it sorts last\n\
         warning: skipped: wire: records.jsonl:4: channel \"sport\" is not configured (channels: news, tech, world)\n"
    );
    assert_eq!(
        run.stdout,
        "channels:\n  news   3 items\n  world  2 items\n  tech   1 item\nsources:\n  wire  3 read, 1 skipped\n"
    );
    assert!(!t.exists("output"));
}

#[test]
fn an_empty_config_is_a_no_op_with_a_warning() {
    let t = TestDir::new();
    t.file("feeds.toml", "# nothing yet\n");
    let run = t.run(&["build"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "warning: the config defines no channels; nothing to do\n");
    assert!(!t.exists("output"));
}

#[test]
fn usage_errors_exit_2() {
    let t = TestDir::new();
    let run = t.run(&["build", "--no-such-flag"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
}

#[test]
fn a_second_run_on_a_locked_output_exits_3_and_names_the_holder() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG).file("records.jsonl", SMALL_RECORDS);
    t.file("output/.feedwright-lock", "4242");
    let holder =
        std::fs::OpenOptions::new().write(true).open(t.join("output/.feedwright-lock")).unwrap();
    holder.try_lock().unwrap();
    let run = t.run(&["build"]);
    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr,
        "error: output directory output is locked by pid 4242: another feedwright run is writing it; try again when it ends\n"
    );
    assert!(!t.exists("output/world"));
    drop(holder);
    assert_eq!(t.run(&["build"]).code, 0, "the lock is released with its holder");
}

#[test]
fn an_oversized_whole_file_record_is_refused_by_name() {
    let t = TestDir::new();
    let config = SMALL_CONFIG.replace("path = \"records.jsonl\"", "path = \"big.toml\"");
    t.file("feeds.toml", config);
    t.file("big.toml", vec![b'#'; 10 * 1024 * 1024 + 1]);
    let run = t.run(&["build"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "warning: skipped: wire: big.toml: file is 10485761 bytes, over the 10485760-byte limit for toml files; split it or use JSONL\n\
         error: source \"wire\" failed: none of the 1 file(s) matching \"big.toml\" could be read\n"
    );
}

#[test]
fn problems_can_be_json_lines_for_log_collectors() {
    let t = TestDir::new();
    t.file("feeds.toml", SMALL_CONFIG)
        .file("records.jsonl", format!("{SMALL_RECORDS}{{\"id\": \"x\"}}\n"));
    let run = t.run(&["build", "--log-format", "json", "-q"]);
    assert_eq!(run.code, 1);
    let line: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(
        line,
        serde_json::json!({
            "level": "skipped",
            "source": "wire",
            "location": "records.jsonl:4",
            "message": "record has no title; every record needs a non-empty \"title\""
        })
    );
}
