//! `cargo bench --bench sanitize`: content HTML sanitising throughput on one core, per fast-path
//! tier of `sanitize_html` (the byte lexer, html5ever's tokenizer) and for the whole, on an article of about 2 KB shaped like the benchmark corpus's content
//! (`../shared/bench/gen-corpus.py`): Chinese and English paragraphs, links, `&amp;`, lists,
//! images, a quote and a code block. The target for ordinary articles is at least 300 MB/s.

use std::hint::black_box;
use std::time::{Duration, Instant};

use feedwright::sanitize::{sanitize_html, tiers};

const TARGET_MB_S: f64 = 300.0;
/// Bytes sanitised per timed round; best of [`ROUNDS`] is reported, since the machine may be
/// busy with other work.
const ROUND_BYTES: usize = 20_000_000;
const ROUNDS: usize = 15;

/// About 2 KB of corpus-like content HTML.
fn article() -> String {
    let mut html = String::new();
    html.push_str(
        "<p><img src=\"https://ch02.example.org/img/94372.png\" alt=\"修复\"/> Header network \
         deploy service client cache index.</p>",
    );
    html.push_str(
        "<p>本周我们讨论了订阅源聚合器的设计与实现。新版本在解析大型频道时的内存占用下降了一半。\
         Parser feed channel aggregator release memory latency. </p>",
    );
    html.push_str(
        "<ul><li>中文标题、全角标点（如：，。！？）都必须原样保留。</li><li>Open source \
         license maintainer issue review.</li><li>开源社区发布新版本。</li></ul>",
    );
    html.push_str(
        "<p>See <a href=\"https://x.example.org/ref/8712\">Rust async runtime parser</a> &amp; \
         <b>周刊</b>.</p>",
    );
    html.push_str(
        "<p>Throughput benchmark compiler borrow checker trait generic iterator stream, \
         network socket protocol header &amp; cache index storage database query schema.</p>",
    );
    html.push_str(
        "<blockquote>“去重”需要同时考虑链接与全局唯一标识符。</blockquote><pre><code>let x = a \
         &lt; b &amp;&amp; c &gt; d;</code></pre>",
    );
    html.push_str(
        "<p>日期与时区处理是订阅源生成中最容易出错的部分。Update security patch kernel \
         driver container cluster, a & b.</p>",
    );
    html.push_str(
        "<p>See <a href=\"https://x.example.org/ref/1\">Reader&#x27;s editor community</a> \
         &amp; <b>技术</b>.</p><ul><li>Unicode timezone calendar archive.</li><li>我们在北京\
         时间上午九点发布了这份周报，欢迎转发。</li></ul>",
    );
    html.push_str(
        "<p><img src=\"https://ch02.example.org/img/5120.png\" alt=\"性能\"/> Search ranking \
         filter merge dedupe sort publish subscribe.</p><p>繁體中文與簡體中文混排的內容也應該\
         正確顯示。日本語のテキストや한국어 문장도 함께 처리됩니다。</p>",
    );
    html.push_str(
        "<p>See <a href=\"https://x.example.org/ref/40211\">Design proposal roadmap</a> &amp; \
         <b>人工智能</b>.</p><p>许多读者仍然每天通过阅读器浏览上百个频道。Request response \
         encoding unicode timezone calendar archive search ranking filter merge.</p>\
         <ul><li>开源社区对这项提案进行了充分的讨论和评审。</li><li>Trait generic iterator \
         stream.</li></ul>",
    );
    html
}

/// Best throughput of `run` on `html` in MB/s.
fn throughput(html: &str, run: fn(&str) -> String) -> f64 {
    let iterations = ROUND_BYTES / html.len();
    let best = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(run(black_box(html)));
            }
            start.elapsed()
        })
        .min()
        .unwrap_or(Duration::MAX);
    (iterations * html.len()) as f64 / 1e6 / best.as_secs_f64()
}

fn main() {
    let html = article();
    let expected = tiers::tokenizer(&html).expect("the html5ever fast path declined the article");
    assert_eq!(sanitize_html(&html, None), expected);

    println!(
        "sanitize: {} byte article, best of {ROUNDS} rounds of {} MB",
        html.len(),
        ROUND_BYTES / 1_000_000
    );
    assert_eq!(tiers::lexer(&html).as_ref(), Some(&expected), "the lexer declined the article");
    let lexer = throughput(&html, |h| tiers::lexer(h).unwrap_or_default());
    println!("  byte lexer fast path {lexer:>7.1} MB/s");
    let tokenizer = throughput(&html, |h| tiers::tokenizer(h).unwrap_or_default());
    println!("  html5ever fast path  {tokenizer:>7.1} MB/s");
    let full = throughput(&html, |h| sanitize_html(h, None));
    println!("  sanitize_html        {full:>7.1} MB/s");
    println!(
        "  target >= {TARGET_MB_S} MB/s for sanitize_html: {}",
        if full >= TARGET_MB_S { "met" } else { "NOT met" }
    );
}
