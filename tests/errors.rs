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
        "error: feeds.toml:5:1: unknown key \"descripton\" in [site]; did you mean \"description\"? (valid keys: title, link, description, language, timezone, output, formats, summary_length, ellipsis, items_per_channel, author)\n"
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
