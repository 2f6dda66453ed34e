//! `cargo bench --bench scrape`: listing extraction throughput for html
//! sources, on one core. 1,000 generated listing pages of about 100 KB each
//! (a related-reading list in the shape our sample pages use) are extracted
//! once each; the target is at least 50 MB/s of HTML.

use std::fmt::Write as _;
use std::time::Instant;

use feedwright::config::{Field, Select};
use feedwright::sources::html::{PageOptions, extract_listing};

const PAGES: usize = 1_000;
const PAGE_BYTES: usize = 100 * 1024;
const TARGET_MB_S: f64 = 50.0;

/// A listing page of about `size` bytes; `seed` varies titles and dates so
/// no two pages are the same.
fn page(seed: usize, size: usize) -> String {
    let mut html = String::with_capacity(size + 4096);
    html.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>相关阅读</title>");
    html.push_str("<base href=\"https://news.example.com/world/\"></head><body>");
    html.push_str(
        "<div class=\"nav\"><a href=\"/\">首页</a> » <a href=\"/world/\">国际新闻</a></div>",
    );
    html.push_str("<ul class=\"related\">");
    let mut n = 0;
    while html.len() < size {
        n += 1;
        let day = 1 + (seed + n) % 28;
        let _ = writeln!(
            html,
            "<li><a href=\"2025/03/{day:02}/story-{seed}-{n}.html\">第{n}条：港口与河口的新变化（{seed}）</a>\
             <p>　　记者从现场了解到，新设备投入使用后夜间作业的噪声明显下降，周边居民反映休息受到的影响减少了许多，\
             管理方表示将继续观察一段时间再决定是否推广到其他码头。Port officials said the trial would run until May...</p>\
             <span class=\"time\">时间:03-{day:02}</span></li>"
        );
    }
    html.push_str("</ul><script>var tracking = 1;</script></body></html>");
    html
}

fn main() {
    let select = Select {
        item: Field::parse("ul.related li").expect("selector"),
        title: Field::parse("a").expect("selector"),
        link: Field::parse("a@href").expect("selector"),
        summary: Some(Field::parse("p").expect("selector")),
        date: Some(Field::parse("span.time").expect("selector")),
        date_format: vec!["%m-%d".to_owned()],
        author: None,
        image: None,
        category: None,
    };
    let pages: Vec<String> = (0..PAGES).map(|i| page(i, PAGE_BYTES)).collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    let page_url = url::Url::parse("https://news.example.com/world/").expect("url");
    let now = chrono::DateTime::parse_from_rfc3339("2025-03-30T00:00:00Z").expect("date").to_utc();
    let opts =
        PageOptions { source_id: "bench", page_url: &page_url, tz: chrono_tz::Asia::Shanghai, now };

    let start = Instant::now();
    let mut items = 0;
    for html in &pages {
        items += extract_listing(html, &select, None, &opts).items.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let mb_s = bytes as f64 / 1e6 / secs;
    println!(
        "scrape: {PAGES} pages, {:.1} MB of HTML, {items} items in {secs:.2} s on one core: {mb_s:.1} MB/s (target >= {TARGET_MB_S} MB/s: {})",
        bytes as f64 / 1e6,
        if mb_s >= TARGET_MB_S { "met" } else { "NOT met" }
    );
}
