//! Listing and article extraction on small pages written for these tests.

use std::time::Instant;

use chrono_tz::{Asia, Tz, UTC};

use super::*;

fn field(raw: &str) -> Field {
    Field::parse(raw).unwrap()
}

fn select(item: &str, title: &str, link: &str) -> Select {
    Select {
        item: field(item),
        title: field(title),
        link: field(link),
        summary: None,
        date: None,
        date_format: Vec::new(),
        author: None,
        image: None,
        category: None,
    }
}

fn now(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn opts<'a>(page: &'a Url, tz: Tz, at: &str) -> PageOptions<'a> {
    PageOptions { source_id: "jc", page_url: page, tz, now: now(at) }
}

fn rfc3339(d: Option<DateTime<FixedOffset>>) -> Option<String> {
    d.map(|d| d.to_rfc3339())
}

const RELATED: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>江城新闻网</title></head><body>
<div class="crumbs"><a href="/">首页</a> » <a href="/news/">新闻频道</a> » <a href="/news/world/">国际新闻</a></div>
<div class="box">
  <h3>相关阅读</h3>
  <ul class="related">
    <li>
      <a href="/news/world/2025-02/12/c_101.htm">湖畔论坛闭幕  多国学者共议城市更新</a>
      <p>  江城日报讯　为期三天的湖畔论坛12日闭幕，来自十余个国家的学者围绕老城区改造、公共交通与社区服务展开讨论，并发布了一份联合倡议……</p>
      <span class="time">时间:02-12</span>
    </li>
    <li>
      <a href="https://news.example.cn/news/world/2025-02/11/c_102.htm">远洋科考船&amp;补给船完成联合演练</a>
      <p>江城日报讯 两艘船只11日在近海完成联合补给演练，历时六个小时，共转运物资四十余吨。</p>
      <span class="time">时间:02-11</span>
    </li>
    <li>
      <a href="c_103.htm">冬季候鸟迁徙观察报告发布</a>
      <p>报告记录了湿地保护区内三十多种候鸟的越冬情况。</p>
      <span class="time">时间:12-30</span>
    </li>
  </ul>
</div>
</body></html>"#;

fn related_select() -> Select {
    Select {
        summary: Some(field("p")),
        date: Some(field("span.time")),
        ..select("ul.related li", "a", "a@href")
    }
}

#[test]
fn related_reading_list() {
    let page = Url::parse("https://news.example.cn/news/world/2025-02/12/c_100.htm").unwrap();
    let listing = extract_listing(
        RELATED,
        &related_select(),
        None,
        &opts(&page, Asia::Shanghai, "2025-02-13T00:00:00Z"),
    );
    assert_eq!(listing.warnings, Vec::<String>::new());
    assert_eq!(listing.next, None);
    let titles: Vec<&str> = listing.items.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "湖畔论坛闭幕 多国学者共议城市更新",
            "远洋科考船&补给船完成联合演练",
            "冬季候鸟迁徙观察报告发布"
        ]
    );
    let links: Vec<&str> = listing.items.iter().map(|a| a.link.as_deref().unwrap()).collect();
    assert_eq!(
        links,
        [
            "https://news.example.cn/news/world/2025-02/12/c_101.htm",
            "https://news.example.cn/news/world/2025-02/11/c_102.htm",
            "https://news.example.cn/news/world/2025-02/12/c_103.htm",
        ]
    );
    let dates: Vec<Option<String>> = listing.items.iter().map(|a| rfc3339(a.published)).collect();
    assert_eq!(
        dates,
        [
            Some("2025-02-12T00:00:00+08:00".to_owned()),
            Some("2025-02-11T00:00:00+08:00".to_owned()),
            Some("2024-12-30T00:00:00+08:00".to_owned()),
        ]
    );
    let first = &listing.items[0];
    assert_eq!(
        first.summary.as_deref(),
        Some(
            "江城日报讯 为期三天的湖畔论坛12日闭幕，来自十余个国家的学者围绕老城区改造、\
             公共交通与社区服务展开讨论，并发布了一份联合倡议……"
        )
    );
    assert_eq!(first.key, first.link);
    assert_eq!(first.origin.source, "jc");
    assert_eq!(
        first.origin.location,
        "https://news.example.cn/news/world/2025-02/12/c_100.htm item 1"
    );
    assert_eq!(listing.items[2].origin.location.rsplit(' ').next(), Some("3"));
}

#[test]
fn month_day_dates_across_new_year() {
    let html = r#"<ul class="list">
        <li><a href="/a">去年岁末的消息</a><em>12-30</em></li>
        <li><a href="/b">新年第二天的消息</a><em>01-02</em></li>
    </ul>"#;
    let page = Url::parse("http://example.cn/list/").unwrap();
    let sel = Select { date: Some(field("em")), ..select("ul.list li", "a", "a@href") };
    let listing =
        extract_listing(html, &sel, None, &opts(&page, Asia::Shanghai, "2025-01-03T00:00:00Z"));
    let dates: Vec<_> = listing.items.iter().map(|a| rfc3339(a.published)).collect();
    assert_eq!(
        dates,
        [Some("2024-12-30T00:00:00+08:00".into()), Some("2025-01-02T00:00:00+08:00".into())]
    );
}

const BLOG: &str = r#"<!doctype html>
<html><head><base href="https://blog.example.org/posts/"><title>Field notes</title></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<main>
  <article class="post">
    <h2><a href="spring-planting">Spring   planting,
        at last</a></h2>
    <time datetime="2025-03-01T09:00:00Z">1 March</time>
    <span class="by">Ana Ruiz</span> <span class="tag">Garden</span>
    <img src="../img/seedlings.jpg" alt="">
    <div class="excerpt"><p>Beds are dug &amp; the first peas are in.</p> <p>More soon.</p></div>
  </article>
  <article class="post">
    <h2><a href="/posts/rain-barrels#top">Rain barrels</a></h2>
    <time datetime="2025-02-20T18:30:00+01:00">20 February</time>
    <div class="excerpt">Two barrels, one downpipe.</div>
  </article>
  <article class="post">
    <h2><a href="spring-planting">Spring planting (again)</a></h2>
  </article>
</main>
<a class="next" href="?page=2">Older posts</a>
</body></html>"#;

#[test]
fn english_blog_with_base_href_and_next_page() {
    let page = Url::parse("https://blog.example.org/").unwrap();
    let sel = Select {
        summary: Some(field(".excerpt")),
        date: Some(field("time@datetime")),
        author: Some(field(".by")),
        category: Some(field(".tag")),
        image: Some(field("img@src")),
        ..select("article.post", "h2", "h2 a@href")
    };
    let next = field("a.next@href");
    let listing =
        extract_listing(BLOG, &sel, Some(&next), &opts(&page, UTC, "2025-03-05T00:00:00Z"));
    assert_eq!(listing.items.len(), 2, "the repeated link is dropped");
    let a = &listing.items[0];
    assert_eq!(a.title, "Spring planting, at last");
    assert_eq!(a.link.as_deref(), Some("https://blog.example.org/posts/spring-planting"));
    assert_eq!(rfc3339(a.published).as_deref(), Some("2025-03-01T09:00:00+00:00"));
    assert_eq!(a.summary.as_deref(), Some("Beds are dug & the first peas are in. More soon."));
    assert_eq!(a.authors, ["Ana Ruiz"]);
    assert_eq!(a.categories, ["Garden"]);
    assert_eq!(a.image.as_deref(), Some("https://blog.example.org/img/seedlings.jpg"));
    let b = &listing.items[1];
    assert_eq!(b.link.as_deref(), Some("https://blog.example.org/posts/rain-barrels#top"));
    assert_eq!(rfc3339(b.published).as_deref(), Some("2025-02-20T18:30:00+01:00"));
    assert!(b.authors.is_empty() && b.image.is_none());
    // The next link is resolved against <base href>, like item links.
    assert_eq!(
        listing.next.as_ref().map(Url::as_str),
        Some("https://blog.example.org/posts/?page=2")
    );
    assert_eq!(listing.warnings, Vec::<String>::new());
}

#[test]
fn next_link_to_the_same_page_is_none() {
    let html = r#"<div class="i"><a href="/x">X story</a></div>
        <div class="pages"><a class="next" href="/list?p=3#main">Next</a></div>"#;
    let page = Url::parse("https://example.com/list?p=3").unwrap();
    let sel = select("div.i", "a", "a@href");
    let next = field("a.next@href");
    let listing =
        extract_listing(html, &sel, Some(&next), &opts(&page, UTC, "2025-03-05T00:00:00Z"));
    assert_eq!(listing.next, None);
    // Without @attr, the next field falls back to href.
    let html = html.replace("p=3#main", "p=4");
    let listing = extract_listing(
        &html,
        &sel,
        Some(&field("a.next")),
        &opts(&page, UTC, "2025-03-05T00:00:00Z"),
    );
    assert_eq!(listing.next.map(String::from).as_deref(), Some("https://example.com/list?p=4"));
}

#[test]
fn items_without_title_or_usable_link_are_skipped_with_warnings() {
    let html = r#"<ul>
        <li><a href="/ok">Fine</a></li>
        <li><a href="javascript:alert(1)">Click me</a></li>
        <li><a href="/empty">  </a></li>
        <li><span>No link at all</span></li>
        <li><a href=" data:text/html,&lt;script&gt;x&lt;/script&gt;">Data</a></li>
        <li><a href="mailto:desk@example.com">Mail</a></li>
    </ul>"#;
    let page = Url::parse("https://example.com/").unwrap();
    let sel = select("li", "a, span", "a@href");
    let listing = extract_listing(html, &sel, None, &opts(&page, UTC, "2025-03-05T00:00:00Z"));
    assert_eq!(listing.items.len(), 1);
    assert_eq!(listing.items[0].link.as_deref(), Some("https://example.com/ok"));
    assert_eq!(
        listing.warnings,
        [
            "https://example.com/ item 2: skipped: link \"javascript:alert(1)\" is not an http(s) URL",
            "https://example.com/ item 3: skipped: no title (\"a, span\" found no text)",
            "https://example.com/ item 4: skipped: no link (\"a@href\" found none)",
            "https://example.com/ item 5: skipped: link \"data:text/html,<script>x</script>\" is not an http(s) URL",
            "https://example.com/ item 6: skipped: link \"mailto:desk@example.com\" is not an http(s) URL",
        ]
    );
}

#[test]
fn item_text_never_includes_scripts_or_hidden_text() {
    let html = r#"<div class="card">
        <a href="/s1">Budget <script>document.write('INJECTED')</script>vote
          <style>.x{color:red}</style><noscript>NOSCRIPT</noscript><span hidden>HIDDEN</span>passes</a>
        <p class="sum">&lt;b&gt;Not bold&lt;/b&gt; &amp;amp; <template>TPL</template>done</p>
        <span class="date">Feb 3, 2025</span>
      </div>"#;
    let page = Url::parse("https://example.com/").unwrap();
    let sel = Select {
        summary: Some(field("p.sum")),
        date: Some(field(".date")),
        ..select("div.card", "a", "a@href")
    };
    let listing = extract_listing(html, &sel, None, &opts(&page, UTC, "2025-03-05T00:00:00Z"));
    let a = &listing.items[0];
    assert_eq!(a.title, "Budget vote passes");
    // Entities decoded exactly once; the text that reads like a tag stays text.
    assert_eq!(a.summary.as_deref(), Some("<b>Not bold</b> &amp; done"));
    assert_eq!(rfc3339(a.published).as_deref(), Some("2025-02-03T00:00:00+00:00"));
}

#[test]
fn hostile_base_href_is_ignored() {
    let html =
        r#"<base href="javascript:alert(1)//"><div class="i"><a href="story">Story</a></div>"#;
    let page = Url::parse("https://example.com/news/").unwrap();
    let listing = extract_listing(
        html,
        &select("div.i", "a", "a@href"),
        None,
        &opts(&page, UTC, "2025-03-05T00:00:00Z"),
    );
    assert_eq!(listing.items[0].link.as_deref(), Some("https://example.com/news/story"));
}

#[test]
fn an_item_that_is_itself_the_link() {
    let html = r#"<a class="story" href="/one">One</a><a class="story" href="/two">Two</a>"#;
    let page = Url::parse("https://example.com/").unwrap();
    let listing = extract_listing(
        html,
        &select("a.story", "a", "a@href"),
        None,
        &opts(&page, UTC, "2025-03-05T00:00:00Z"),
    );
    let titles: Vec<&str> = listing.items.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["One", "Two"]);
}

#[test]
fn a_date_field_without_a_date_warns_and_keeps_the_item() {
    let html = r#"<li><a href="/a">A</a><i>置顶</i></li>"#;
    let page = Url::parse("https://example.com/").unwrap();
    let sel = Select { date: Some(field("i")), ..select("li", "a", "a@href") };
    let listing = extract_listing(html, &sel, None, &opts(&page, UTC, "2025-03-05T00:00:00Z"));
    assert_eq!(listing.items.len(), 1);
    assert_eq!(listing.items[0].published, None);
    assert_eq!(listing.warnings, ["https://example.com/ item 1: no date in \"置顶\""]);
}

#[test]
fn warnings_are_capped() {
    let html = "<li><a href='javascript:void(0)'>x</a></li>".repeat(MAX_WARNINGS + 7);
    let page = Url::parse("https://example.com/").unwrap();
    let listing = extract_listing(
        &html,
        &select("li", "a", "a@href"),
        None,
        &opts(&page, UTC, "2025-03-05T00:00:00Z"),
    );
    assert_eq!(listing.warnings.len(), MAX_WARNINGS + 1);
    assert_eq!(listing.warnings.last().unwrap(), "... and 7 more warnings on this page");
}

const ARTICLE: &str = r#"<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>湖畔论坛闭幕_江城新闻网</title>
<meta property="og:title" content="湖畔论坛闭幕 &quot;城市更新&quot;成焦点'><script>alert(1)</script>">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"</script><script>alert('ld')</script>","x":1}</script>
</head><body>
<div id="top"><ul class="menu">
  <li><a href="/">首页</a></li><li><a href="/news/">新闻</a></li><li><a href="/sports/">体育</a></li>
  <li><a href="/finance/">财经</a></li><li><a href="/culture/">文化</a></li><li><a href="/tech/">科技频道</a></li>
</ul></div>
<div class="crumbs"><a href="/">首页</a> » <a href="/news/">新闻频道</a> » <a href="/news/world/">国际新闻</a></div>
<div class="wrap">
  <h1>湖畔论坛闭幕 多国学者共议城市更新</h1>
  <div class="info">2025-02-12 18:00:35 <span class="src">来源：江城日报</span> 作者：林晓</div>
  <div class="article-body" id="body">
    <p>江城日报讯　为期三天的湖畔论坛12日闭幕。来自十余个国家的学者围绕老城区改造、公共交通与社区服务展开讨论。</p>
    <p>论坛期间，与会者实地走访了三个正在改造的老街区，并与居民代表座谈，听取他们对停车、绿化和养老服务的意见。</p>
    <p>闭幕式上发布的联合倡议提出，城市更新应当尊重原有街巷肌理，优先改善公共空间，让居民共享改造成果。</p>
  </div>
  <div class="related"><ul>
    <li><a href="/n/1.htm">另一条新闻的标题</a><p>这是一条相关阅读的摘要文字，讲述了别的事情，时间也不同。</p><span>时间:02-11</span></li>
    <li><a href="/n/2.htm">再一条新闻的标题</a><p>这是另一条相关阅读的摘要文字，同样讲述别的事情，时间也不同。</p><span>时间:02-10</span></li>
  </ul></div>
</div>
<div id="footer"><p>版权所有 江城新闻网 未经授权禁止转载 联系电话 010-12345678 地址 江城市湖滨路1号</p></div>
</body></html>"#;

fn article_select() -> ArticleSelect {
    ArticleSelect {
        content: Some(field("#body")),
        author: None,
        published: Some(field(".info")),
        source: Some(field(".src")),
        title: Some(field("h1")),
        channel: Some(field(".crumbs a")),
    }
}

#[test]
fn article_page_with_selectors() {
    let page = Url::parse("https://news.example.cn/news/world/2025-02/12/c_101.htm").unwrap();
    let o = opts(&page, Asia::Shanghai, "2025-02-13T00:00:00Z");
    let found = extract_article(ARTICLE, Some(&article_select()), &o);
    assert_eq!(found.title.as_deref(), Some("湖畔论坛闭幕 多国学者共议城市更新"));
    assert_eq!(found.channel.as_deref(), Some("国际新闻"));
    assert_eq!(found.source.as_deref(), Some("江城日报"));
    assert_eq!(rfc3339(found.published).as_deref(), Some("2025-02-12T18:00:35+08:00"));
    let content = found.content.unwrap();
    assert!(content.trim_start().starts_with("<p>江城日报讯"), "{content}");
    assert_eq!(content.matches("<p>").count(), 3);
    assert!(!content.contains("相关阅读") && !content.contains("版权所有"));
    // No author selector: no meta author either.
    assert!(found.authors.is_empty());
}

#[test]
fn article_page_without_selectors() {
    let page = Url::parse("https://news.example.cn/news/world/2025-02/12/c_101.htm").unwrap();
    let o = opts(&page, Asia::Shanghai, "2025-02-13T00:00:00Z");
    let found = extract_article(ARTICLE, None, &o);
    // og:title is read as text: its quotes and the would-be tag stay characters.
    assert_eq!(
        found.title.as_deref(),
        Some("湖畔论坛闭幕 \"城市更新\"成焦点'><script>alert(1)</script>")
    );
    // The heuristic picks the body over the menu, the related list and the footer.
    let content = found.content.unwrap();
    assert!(content.trim_start().starts_with("<p>江城日报讯"), "{content}");
    assert!(!content.contains("相关阅读") && !content.contains("首页"));
    // The date comes from the top of the page text, not the JSON-LD or the related list.
    assert_eq!(rfc3339(found.published).as_deref(), Some("2025-02-12T18:00:35+08:00"));
    assert_eq!((found.source, found.channel), (None, None));
}

#[test]
fn content_selector_that_matches_nothing_falls_back_to_the_heuristic() {
    let page = Url::parse("https://news.example.cn/a.htm").unwrap();
    let sel = ArticleSelect { content: Some(field("#nothing-here")), ..ArticleSelect::default() };
    let found =
        extract_article(ARTICLE, Some(&sel), &opts(&page, Asia::Shanghai, "2025-02-13T00:00:00Z"));
    assert!(found.content.unwrap().contains("联合倡议提出"));
}

#[test]
fn json_ld_breakout_does_not_leak_into_text_fields() {
    let page = Url::parse("https://news.example.cn/a.htm").unwrap();
    let sel = ArticleSelect {
        title: Some(field("title")),
        author: Some(field(".info")),
        ..ArticleSelect::default()
    };
    let found =
        extract_article(ARTICLE, Some(&sel), &opts(&page, Asia::Shanghai, "2025-02-13T00:00:00Z"));
    assert_eq!(found.title.as_deref(), Some("湖畔论坛闭幕_江城新闻网"));
    assert_eq!(found.authors, ["林晓"]);
    assert!(!found.content.unwrap().contains("alert"));
}

#[test]
fn meta_and_time_dates_and_english_bylines() {
    let html = r#"<html><head>
        <meta property="article:published_time" content="2025-03-01T09:00:00-05:00">
        <meta name="author" content="By Sam Lee">
        </head><body><article><h1>Ice out on the lake</h1>
        <p class="byline">By Jo Park | Updated: Mar 2, 2025</p>
        <p>The ice went out on Tuesday, two weeks earlier than the average of the last decade.</p>
        </article></body></html>"#;
    let page = Url::parse("https://example.org/lake").unwrap();
    let o = opts(&page, UTC, "2025-03-05T00:00:00Z");
    let found = extract_article(html, None, &o);
    assert_eq!(rfc3339(found.published).as_deref(), Some("2025-03-01T09:00:00-05:00"));
    assert_eq!(found.authors, ["Sam Lee"]);
    assert_eq!(found.title.as_deref(), Some("Ice out on the lake"));
    let sel = ArticleSelect { author: Some(field(".byline")), ..ArticleSelect::default() };
    assert_eq!(extract_article(html, Some(&sel), &o).authors, ["Jo Park"]);

    let html = r#"<body><header><time datetime="2025-02-27">Feb 27</time></header>
        <div><p>Short.</p></div></body>"#;
    assert_eq!(
        rfc3339(extract_article(html, None, &o).published).as_deref(),
        Some("2025-02-27T00:00:00+00:00")
    );
}

#[test]
fn source_labels() {
    for (text, want) in [
        ("来源：江城日报", "江城日报"),
        ("来源:江城日报", "江城日报"),
        ("来源 ： 江城日报", "江城日报"),
        ("2025-02-12 18:00 来源：江城日报 作者：林晓", "江城日报"),
        ("来源：江城日报 | 编辑：王五", "江城日报"),
        ("Source: Lakeside Gazette", "Lakeside Gazette"),
        ("SOURCE: Wire | updated: today", "Wire"),
        ("江城日报", "江城日报"),
        ("Resource: x", "Resource: x"),
    ] {
        assert_eq!(strip_label(text, SOURCE_LABELS), want, "{text:?}");
    }
    assert_eq!(strip_label("By Jane Doe", AUTHOR_LABELS), "Jane Doe");
    assert_eq!(strip_label("Bylines: none", AUTHOR_LABELS), "Bylines: none");
    assert_eq!(strip_label("作者：林晓 来源：江城日报", AUTHOR_LABELS), "林晓");
}

#[test]
fn twenty_thousand_nested_divs() {
    let depth = 20_000;
    let html = format!(
        "<div class=item><a href=/deep>Deep {}<p>{}</p>{}</a></div><p>{}</p>",
        "<div>".repeat(depth),
        "bottom ".repeat(10),
        "</div>".repeat(depth),
        "tail text that is long enough to count as a paragraph"
    );
    let page = Url::parse("https://example.com/").unwrap();
    let start = Instant::now();
    let listing = extract_listing(
        &html,
        &Select { summary: Some(field("p")), ..select("div.item", "a", "a@href") },
        None,
        &opts(&page, UTC, "2025-03-05T00:00:00Z"),
    );
    assert!(!listing.items.is_empty());
    assert!(listing.items[0].title.starts_with("Deep"));
    let found = extract_article(&html, None, &opts(&page, UTC, "2025-03-05T00:00:00Z"));
    assert!(found.content.is_some());
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

/// A listing page of about 100 KB in the related-reading style.
fn generated_listing(bytes: usize) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>列表</title>\
         <script>var cfg = {a: 1};</script><style>.x{}</style></head><body>\
         <div class=nav><a href=/>首页</a> <a href=/news/>新闻</a></div><ul class=related>",
    );
    let mut i = 0;
    while html.len() < bytes {
        i += 1;
        html.push_str(&format!(
            "<li><a href=\"/news/2025-02/{:02}/c_{i}.htm\" target=_blank>第{i}条：城市公共交通线路优化方案公布</a>\
             <p>  江城日报讯 市交通部门公布了第{i}批线路优化方案，涉及十余条公交线路的站点调整和发车间隔缩短，\
             方案将于下月起分步实施，市民可通过热线反映意见……</p><span class=time>时间:{:02}-{:02}</span></li>\n",
            i % 28 + 1,
            i % 12 + 1,
            i % 28 + 1
        ));
    }
    html.push_str("</ul></body></html>");
    html
}

#[test]
#[ignore = "timing; run with --release -- --ignored --nocapture"]
fn listing_throughput() {
    let html = generated_listing(100 * 1024);
    let page = Url::parse("https://news.example.cn/news/").unwrap();
    let sel = related_select();
    let o = opts(&page, Asia::Shanghai, "2025-02-13T00:00:00Z");
    let items = extract_listing(&html, &sel, None, &o).items.len();
    let rounds = 200;
    let start = Instant::now();
    for _ in 0..rounds {
        let listing = extract_listing(&html, &sel, None, &o);
        assert_eq!(listing.items.len(), items);
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (html.len() * rounds) as f64 / 1e6;
    println!(
        "listing extraction: {} bytes, {items} items, {:.2} ms/page, {:.1} MB/s",
        html.len(),
        secs * 1000.0 / rounds as f64,
        mb / secs
    );
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(Html::parse_document(&html));
    }
    let parse = start.elapsed().as_secs_f64();
    println!("  of which parsing alone: {:.1} MB/s", mb / parse);
}
