//! HTML sources end to end: listing pages served on 127.0.0.1, selectors,
//! followed articles, charsets, pagination, hostile markup.

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::{Run, TestDir};

const SITE: &str = r#"
[site]
title = "Scrape Test"
link = "https://example.org/feeds/"
timezone = "Asia/Shanghai"

[[channel]]
id = "news"
title = "新闻频道"

[[channel]]
id = "world"
title = "国际新闻"
parent = "news"
"#;

async fn run(t: &TestDir, args: &[&str], now: &str) -> Run {
    let dir = t.join("");
    let args: Vec<String> = args.iter().map(ToString::to_string).collect();
    let now = now.to_owned();
    tokio::task::spawn_blocking(move || {
        crate::util::run_with_env(&dir, &args, &[("FEEDWRIGHT_NOW", now.as_str())])
    })
    .await
    .unwrap()
}

fn html_page(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/html; charset=utf-8")
}

const LISTING: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>相关阅读</title></head><body>
<ul class="related">
<li><a href="/a/1.html">河口湿地迎来今冬第一批白琵鹭</a><p>　　观鸟站的志愿者清晨记录到十余只白琵鹭<script>alert(1)</script>落脚浅滩。</p><span class="time">时间:12-30</span></li>
<li><a href="/a/2.html">老城有轨电车换上新涂装</a><p>新涂装以深绿色为底。</p><span class="time">时间:01-02</span></li>
<li><a href="javascript:alert(2)">不该出现的条目</a><p>x</p><span class="time">时间:01-02</span></li>
</ul></body></html>"#;

fn article(title: &str, body: &str, date: &str) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"></head><body>
<div class="crumbs"><a href="/">首页</a> » <a href="/news/">新闻频道</a> » <a href="/world/">国际新闻</a></div>
<h1>{title}</h1><span class="time">{date}</span><span class="source">来源：江城日报</span>
<div class="article"><p>{body}</p><p>第二段，记者在现场看到了更多细节。</p></div>
<div class="footer"><a href="/about">关于我们</a></div></body></html>"#
    )
}

fn follow_source(url: &str) -> String {
    format!(
        r#"
[[source]]
id = "related"
kind = "html"
url = "{url}"
channel = "news"
allow_private = true
follow = true
[source.select]
item = "ul.related li"
title = "a"
link = "a@href"
summary = "p"
date = "span.time"
date_format = ["%m-%d"]
[source.article]
content = "div.article"
source = ".source"
channel = ".crumbs a"
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_related_reading_list_is_followed_into_articles_once() {
    let server = MockServer::start().await;
    Mock::given(path("/list.html")).respond_with(html_page(LISTING)).mount(&server).await;
    Mock::given(path("/a/1.html"))
        .respond_with(html_page(&article(
            "河口湿地迎来今冬第一批白琵鹭",
            "志愿者在浅滩边数到了十四只白琵鹭。",
            "2024-12-30 07:10:00",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/a/2.html"))
        .respond_with(html_page(&article(
            "老城有轨电车换上新涂装",
            "三辆电车本周先行更换。",
            "2025-01-02 18:00:35",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        format!("{SITE}{}", follow_source(&format!("{}/list.html", server.uri()))),
    );
    // Read on 3 January: "12-30" is last year's, "01-02" this year's.
    let now = "2025-01-03T04:00:00Z";
    let first = run(&t, &["build"], now).await;
    assert_eq!(first.code, 1, "the javascript: item is skipped with a warning: {}", first.stderr);
    assert!(first.stderr.contains("javascript:"), "{}", first.stderr);
    let json: serde_json::Value = serde_json::from_str(&t.read("output/world/feed.json")).unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the breadcrumb files both items under 国际新闻: {json}");
    assert_eq!(items[0]["title"], "老城有轨电车换上新涂装");
    assert_eq!(items[0]["date_published"], "2025-01-02T18:00:35+08:00", "the article's own date");
    assert_eq!(items[1]["url"], format!("{}/a/1.html", server.uri()));
    assert!(items[1]["content_html"].as_str().unwrap().contains("十四只白琵鹭"));
    assert_eq!(items[1]["_feedwright"]["source"], "江城日报");
    let summary = items[1]["summary"].as_str().unwrap();
    assert!(summary.starts_with("观鸟站的志愿者清晨记录到十余只白琵鹭落脚浅滩。"), "{summary}");
    let rss = t.read("output/world/rss.xml");
    assert!(!rss.contains("alert(") && !rss.contains("javascript:"), "{rss}");
    // Second run: articles come from the state database, not the network.
    let second = run(&t, &["build"], now).await;
    assert!(second.stdout.contains("files: 0 changed"), "{}", second.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_page_declaring_its_charset_only_in_meta_http_equiv_reads_correctly() {
    let server = MockServer::start().await;
    let page = format!(
        "<html><head><!-- {} --><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body><div class=\"list\"><div class=\"entry\"><h3><a href=\"/l/1.html\">青禾市河滨步道夜间照明改造完成</a></h3><div class=\"desc\">新路灯比旧灯节能约四成。</div><em class=\"date\">2025年3月14日 09:30</em></div></div></body></html>",
        "padding ".repeat(200)
    );
    let (bytes, _, _) = encoding_rs::GBK.encode(&page);
    Mock::given(path("/gbk.html"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes.into_owned(), "text/html"))
        .mount(&server)
        .await;
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        format!(
            "{SITE}\n[[source]]\nid = \"gbk\"\nkind = \"html\"\nurl = \"{}/gbk.html\"\nchannel = \"world\"\nallow_private = true\n[source.select]\nitem = \"div.entry\"\ntitle = \"h3 a\"\nlink = \"h3 a@href\"\nsummary = \"div.desc\"\ndate = \"em.date\"\n",
            server.uri()
        ),
    );
    let run = run(&t, &["build"], "2025-03-20T00:00:00Z").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rss = t.read("output/world/rss.xml");
    assert!(rss.contains("<title>青禾市河滨步道夜间照明改造完成</title>"), "{rss}");
    assert!(rss.contains("Fri, 14 Mar 2025 09:30:00 +0800"), "{rss}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_follows_next_links_up_to_max_pages() {
    let server = MockServer::start().await;
    for n in 1..=4 {
        let next = format!("<a class=\"next\" href=\"/p/{}.html\">下一页</a>", n + 1);
        let page = format!(
            "<html><body><ul class=\"related\"><li><a href=\"/s/{n}.html\">第{n}页的报道</a><span class=\"time\">2025-03-0{n} 10:00</span></li></ul>{next}</body></html>"
        );
        let mock = Mock::given(path(format!("/p/{n}.html"))).respond_with(html_page(&page));
        // The fourth page is beyond max_pages and must not be fetched.
        let mock = if n == 4 { mock.expect(0) } else { mock.expect(1) };
        mock.mount(&server).await;
    }
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        format!(
            "{SITE}\n[[source]]\nid = \"paged\"\nkind = \"html\"\nurl = \"{}/p/1.html\"\nchannel = \"world\"\nallow_private = true\nnext = \"a.next@href\"\nmax_pages = 3\n[source.select]\nitem = \"ul.related li\"\ndate = \"span.time\"\n",
            server.uri()
        ),
    );
    let run = run(&t, &["build"], "2025-03-20T00:00:00Z").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rss = t.read("output/world/rss.xml");
    for n in 1..=3 {
        assert!(rss.contains(&format!("第{n}页的报道")), "{rss}");
    }
    assert!(!rss.contains("第4页的报道"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_matching_nothing_is_a_warning_and_stored_items_stay() {
    let server = MockServer::start().await;
    let first = Mock::given(path("/list.html"))
        .respond_with(html_page(
            "<ul class=\"related\"><li><a href=\"/s/1.html\">留下来的报道</a><span class=\"time\">2025-03-01 10:00</span></li></ul>",
        ))
        .mount_as_scoped(&server)
        .await;
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        format!(
            "{SITE}\n[[source]]\nid = \"rel\"\nkind = \"html\"\nurl = \"{}/list.html\"\nchannel = \"world\"\nallow_private = true\n[source.select]\nitem = \"ul.related li\"\ndate = \"span.time\"\n",
            server.uri()
        ),
    );
    assert_eq!(run(&t, &["build"], "2025-03-20T00:00:00Z").await.code, 0);
    drop(first);
    Mock::given(path("/list.html"))
        .respond_with(html_page("<div class=\"redesigned\"><p>新版页面</p></div>"))
        .mount(&server)
        .await;
    let second = run(&t, &["build"], "2025-03-20T00:00:00Z").await;
    assert_eq!(second.code, 1);
    assert!(second.stderr.contains("0 items matched \"ul.related li\""), "{}", second.stderr);
    assert!(t.read("output/world/rss.xml").contains("留下来的报道"));
}

#[test]
fn check_reports_a_bad_selector_with_the_source_and_selector() {
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        format!("{SITE}\n[[source]]\nid = \"bad\"\nkind = \"html\"\npath = \"p.html\"\nchannel = \"world\"\n[source.select]\nitem = \"ul..related\"\n"),
    );
    let run = t.run(&["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: feeds.toml:22:8: source \"bad\": select.item \"ul..related\": invalid CSS selector"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_blog_index_with_time_datetime_and_base_href() {
    let server = MockServer::start().await;
    let nesting = "<div>".repeat(20_000);
    let page = format!(
        r#"<html><head><base href="https://blog.example.org/posts/"></head><body>
<article class="post"><h2><a href="shore-power/">Shore power reaches berth 4</a></h2><time datetime="2025-03-05T08:30:00Z">5 March</time><p class="excerpt">Ships can now plug in &amp; switch off their engines.</p></article>
<article class="post"><h2><a href="../about/crane-log/">A week in the crane log</a></h2><time datetime="2025-03-04T17:00:00+01:00">4 March</time><p class="excerpt">Notes from the night shift.<script>steal()</script></p></article>
{nesting}deep text</body></html>"#
    );
    Mock::given(path("/blog.html")).respond_with(html_page(&page)).mount(&server).await;
    let t = TestDir::new();
    t.file(
        "feeds.toml",
        format!(
            "{SITE}\n[[source]]\nid = \"blog\"\nkind = \"html\"\nurl = \"{}/blog.html\"\nchannel = \"world\"\nallow_private = true\n[source.select]\nitem = \"article.post\"\ntitle = \"h2 a\"\nlink = \"h2 a@href\"\nsummary = \"p.excerpt\"\ndate = \"time@datetime\"\n",
            server.uri()
        ),
    );
    let run = run(&t, &["build"], "2025-03-20T00:00:00Z").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&t.read("output/world/feed.json")).unwrap();
    let items = json["items"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["url"].as_str().unwrap(),
                i["date_published"].as_str().unwrap(),
                i["summary"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "https://blog.example.org/posts/shore-power/",
                "2025-03-05T08:30:00+00:00",
                "Ships can now plug in & switch off their engines."
            ),
            (
                "https://blog.example.org/about/crane-log/",
                "2025-03-04T17:00:00+01:00",
                "Notes from the night shift."
            ),
        ]
    );
}
