//! Test harness: a temp directory holding a config and fixture files, and a
//! way to run the binary in it and look at what it wrote.

use std::path::PathBuf;
use std::process::Command;

/// A fresh directory with files in it.
pub struct TestDir {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// Writes `contents` to `relative`, creating parent directories.
    pub fn file(&self, relative: &str, contents: impl AsRef<[u8]>) -> &TestDir {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Runs `feedwright ARGS` with this directory as the working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args)
    }

    /// Reads a file as text.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.join(relative))
            .unwrap_or_else(|e| panic!("read {relative}: {e}"))
    }

    pub fn exists(&self, relative: &str) -> bool {
        self.join(relative).exists()
    }
}

/// Runs `feedwright ARGS` in `dir`.
pub fn run_in(dir: &std::path::Path, args: &[impl AsRef<std::ffi::OsStr>]) -> Run {
    run_with_env(dir, args, &[])
}

/// Runs `feedwright ARGS` in `dir` with extra environment variables.
pub fn run_with_env(
    dir: &std::path::Path,
    args: &[impl AsRef<std::ffi::OsStr>],
    env: &[(&str, &str)],
) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_feedwright"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("run feedwright");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The repository root, for the default config and sample data.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A small site: parent `news` with children `world` (Chinese) and `tech`.
pub const SMALL_CONFIG: &str = r#"
[site]
title = "Test Site"
link = "https://example.org/feeds/"
description = "Fixture site"
language = "zh-CN"
timezone = "Asia/Shanghai"
author = "Desk"

[[channel]]
id = "news"
title = "新闻频道"

[[channel]]
id = "world"
title = "国际新闻"
parent = "news"
aliases = ["国际"]

[[channel]]
id = "tech"
title = "Technology"
parent = "news"
language = "en"

[[source]]
id = "wire"
kind = "records"
path = "records.jsonl"
channel = "world"
"#;

/// Three records: a Chinese article with paragraphs, an English one with a
/// relative link and categories, and a short undated brief.
pub const SMALL_RECORDS: &str = concat!(
    r#"{"id": "w-1", "title": "河口观鸟站迎来第一批候鸟", "link": "https://example.org/world/1.html", "channel": "国际", "published": "2025-02-12 18:00:35", "author": "林岚", "source": "晨报网", "content": "<p>清晨六点，观鸟站的志愿者已经架好了望远镜，记录下今年最早抵达的一群白鹭和几只罕见的黑脸琵鹭。</p><p>站长介绍说，今年湿地水位稳定，食物充足，预计整个季节的候鸟数量会比去年多出两成左右，届时将向公众开放观测平台。</p>"}"#,
    "\n",
    r#"{"id": "t-1", "title": "Q&A: why <feeds> still matter", "link": "https://example.org/tech/qa.html", "channel": "tech", "published": "2025-02-13T09:30:00+00:00", "author": ["Ann Lee", "Bo Park"], "categories": ["feeds", "web"], "content": "<p>Feeds let readers follow <a href=\"/tech/\">many sites</a> without an account anywhere &amp; without tracking. This is a longer paragraph so the summary has to be cut at a word boundary somewhere.</p>"}"#,
    "\n",
    r#"{"id": "w-2", "title": "简讯：港口夜间作业恢复", "channel": "world", "summary": "港口夜间作业今日恢复。"}"#,
    "\n",
);
