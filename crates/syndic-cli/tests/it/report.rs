//! `syndic report` end to end, in a real headless browser (Debian's `chromium`).
//!
//! The page runs its own self-test when opened as `report.html#selftest=<document id>`: it types
//! the story's headline into the search box, clicks the story, its family and the member open,
//! and writes what the diff shows (and any error the page saw) into `<pre id="selftest">`.
//! Chromium prints the DOM (`--dump-dom`) and, with `--enable-logging=stderr`, every console
//! message — uncaught exceptions and Content Security Policy violations included — on stderr;
//! the test requires none. A screenshot is saved under the target directory.
//!
//! Without chromium the browser tests print a loud notice and pass, unless
//! `SYNDIC_REQUIRE_BROWSER` is set (CI sets it and installs chromium), in which case they fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn example_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus/news.jsonl")
}

/// Runs `syndic report INPUT -o OUT EXTRA…` and returns its stderr.
fn report(input: &Path, out: &Path, extra: &[&str]) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .arg("report")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--title", "Example <corpus> & \"friends\""])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("the syndic binary starts");
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    stderr
}

/// The chromium binary, or `None` (with a loud notice) when it is absent and not required.
fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("SYNDIC_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    if let Some(found) = candidates.into_iter().flatten().find(|p| p.is_file()) {
        return Some(found);
    }
    if std::env::var_os("SYNDIC_REQUIRE_BROWSER").is_some() {
        panic!(
            "SYNDIC_REQUIRE_BROWSER is set but chromium was not found \
             (apt-get install -y chromium chromium-driver, or set SYNDIC_CHROMIUM)"
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED: the report's browser test needs chromium \
         (apt-get install -y chromium chromium-driver); set SYNDIC_REQUIRE_BROWSER=1 to make \
         its absence a failure !!!!!\n"
    );
    None
}

/// What one chromium run printed.
struct Browser {
    stdout: String,
    stderr: String,
}

/// Opens `page` (with `fragment`) in headless chromium with `extra` arguments.
fn browse(chromium: &Path, page: &Path, fragment: &str, extra: &[&str]) -> Browser {
    let profile = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}{fragment}", page.display());
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a chatty stderr cannot block the browser.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out_pipe, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err_pipe, &mut s).map(|_| s)
    });
    let start = Instant::now();
    loop {
        if child.try_wait().expect("waiting for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Browser {
        stdout: out.join().expect("reader").unwrap_or_default(),
        stderr: err.join().expect("reader").unwrap_or_default(),
    }
}

/// The console messages chromium logged (`…:CONSOLE:…] "message", source: …`).
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The self-test result the page wrote into `<pre id="selftest">`.
fn selftest_result(dom: &str) -> serde_json::Value {
    // The last one: the script's own comments mention the element too.
    let start = dom
        .rfind("<pre id=\"selftest\">")
        .unwrap_or_else(|| panic!("no self-test result in the DOM:\n{dom}"))
        + "<pre id=\"selftest\">".len();
    let end = start + dom[start..].find("</pre>").expect("closing </pre>");
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// The text of the data element, embedded with the given encoding.
fn embedded_data<'h>(html: &'h str, encoding: &str) -> &'h str {
    let open = format!("id=\"report-data\" data-encoding=\"{encoding}\">");
    let start = html.find(&open).expect("data element") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data");
    &html[start..end]
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("create work dir");
    dir
}

#[test]
fn report_is_self_contained_and_escaped() {
    let dir = work_dir("report-static");
    let page = dir.join("report.html");
    let stderr = report(&example_corpus(), &page, &[]);
    assert!(stderr.contains("31 documents"), "{stderr}");
    let html = std::fs::read_to_string(&page).expect("report written");
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for external in [
        "<script src",
        "<link",
        "@import",
        "url(",
        "src=\"http",
        "href=\"http",
    ] {
        assert!(!html.contains(external), "the page references `{external}`");
    }
    // The title is escaped where it appears as HTML.
    assert!(html.contains("<title>Example &lt;corpus&gt; &amp; &quot;friends&quot;</title>"));
    // The embedded data cannot close its script element.
    let data = embedded_data(&html, "json");
    assert!(!data.contains('<'));
    let value: serde_json::Value = serde_json::from_str(data).expect("the data is JSON");
    assert_eq!(value["counts"]["documents"], 31);
    assert_eq!(value["title"], "Example <corpus> & \"friends\"");
}

#[test]
fn report_opens_a_story_and_shows_the_added_passage_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = work_dir("report-browser");
    let page = dir.join("report.html");
    report(&example_corpus(), &page, &[]);

    let run = browse(
        &chromium,
        &page,
        "#selftest=harbor-fire-wire-update",
        &["--dump-dom"],
    );
    assert!(
        console_messages(&run.stderr).is_empty(),
        "console messages: {:#?}",
        console_messages(&run.stderr)
    );
    let result = selftest_result(&run.stdout);
    assert_eq!(result["ok"], true, "{result:#}");
    assert_eq!(result["errors"], serde_json::json!([]));
    assert_eq!(
        strings(&result["steps"]),
        [
            "searched: 1 story",
            "story opened: 2 charts",
            "family opened: 6 members",
            "diff shown: true"
        ]
    );
    let added = strings(&result["added"]);
    assert!(
        added
            .iter()
            .any(|t| t.starts_with("UPDATE, 6:40 p.m.: Pier 4 reopened to freight traffic")),
        "{added:#?}"
    );
    let removed = strings(&result["removed"]);
    assert!(
        removed
            .iter()
            .any(|t| t.starts_with("The cause of the fire was not immediately known.")),
        "{removed:#?}"
    );
    // The opened story draws its timeline and family chart as inline SVG.
    assert!(run.stdout.contains("<svg"), "no SVG in the DOM");
    assert!(
        run.stdout
            .contains("aria-label=\"Timeline of the story's documents\"")
    );

    let shot = dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let run = browse(
        &chromium,
        &page,
        "#selftest=harbor-fire-wire-update",
        &[
            "--window-size=1280,1500",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(console_messages(&run.stderr).is_empty(), "{}", run.stderr);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000);
    eprintln!("report screenshot: {}", shot.display());
}

/// A self-written synthetic corpus: `n` short articles of invented words (each article its
/// own vocabulary and names, two days apart, so each is its own story), every third one
/// republished with a footer paragraph; one title and text try to inject HTML.
fn synthetic_corpus(path: &Path, n: usize) {
    let syllables = [
        "ka", "lo", "mi", "ru", "te", "zan", "vor", "pel", "dus", "gri", "mo", "sel", "tav", "quo",
        "bri", "nek", "ul", "fa", "jor", "wen",
    ];
    let mut seed: u64 = 0x5EED;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut file = std::fs::File::create(path).expect("corpus file");
    for i in 0..n {
        let mut word = || -> String {
            (0..3)
                .map(|_| syllables[next() % syllables.len()])
                .collect()
        };
        let vocabulary: Vec<String> = (0..30).map(|_| word()).collect();
        let name = |w: &String| format!("{}{}", w[..1].to_uppercase(), &w[1..]);
        let mut text = String::new();
        for p in 0..3 {
            for k in 0..3 {
                let words: Vec<&str> = (0..12)
                    .map(|j| vocabulary[(7 * p + 5 * k + 3 * j + j * j) % 30].as_str())
                    .collect();
                text.push_str(&format!(
                    "{} {}. ",
                    name(&vocabulary[(p + k) % 30]),
                    words.join(" ")
                ));
            }
            text.push_str("\n\n");
        }
        let mut title = format!(
            "{} {} {}",
            name(&vocabulary[0]),
            vocabulary[1],
            vocabulary[2]
        );
        if i == 7 {
            title = "</script><script>document.title='pwned'</script><img src=x>".to_string();
            text.push_str("<img src=x onerror=\"document.title='pwned'\"> </script>\n\n");
        }
        let published = 1_767_225_600 + i as i64 * 2 * 86_400;
        let line = serde_json::json!({"id": format!("doc-{i}"), "title": title,
            "source": format!("Outlet {}", i % 5), "published": published, "text": text});
        writeln!(file, "{line}").expect("write");
        if i % 3 == 0 {
            let copy = format!(
                "{text}Copyright Outlet {}. Reprinted with permission.",
                i % 7
            );
            let line = serde_json::json!({"id": format!("doc-{i}-copy"), "title": title,
                "source": "Reprints", "published": published + 3_600, "text": copy});
            writeln!(file, "{line}").expect("write");
        }
    }
}

#[test]
fn report_paginates_searches_and_resists_injection_in_chromium() {
    let dir = work_dir("report-synthetic");
    let corpus = dir.join("synthetic.jsonl");
    synthetic_corpus(&corpus, 90);
    let page = dir.join("report.html");
    report(&corpus, &page, &["--compress", "never"]);
    let html = std::fs::read_to_string(&page).expect("report written");
    assert!(html.contains("data-encoding=\"json\""));
    assert!(
        !html.contains("<img src=x"),
        "document text reached the HTML unescaped"
    );
    let packed = dir.join("report-compressed.html");
    report(&corpus, &packed, &["--compress", "always"]);
    let packed_html = std::fs::read_to_string(&packed).expect("report written");
    assert!(packed_html.contains("data-encoding=\"gzip+base64\""));
    let (plain, compressed) = (
        embedded_data(&html, "json").len(),
        embedded_data(&packed_html, "gzip+base64").len(),
    );
    assert!(
        compressed * 2 < plain,
        "compression should at least halve the data: {compressed} vs {plain} bytes"
    );
    let Some(chromium) = chromium() else { return };

    // The last copy sits on the last page of 90 stories; the self-test finds it by search,
    // in the compressed page (inflated by the browser).
    let run = browse(&chromium, &packed, "#selftest=doc-87-copy", &["--dump-dom"]);
    assert!(
        console_messages(&run.stderr).is_empty(),
        "{:#?}",
        console_messages(&run.stderr)
    );
    let result = selftest_result(&run.stdout);
    assert_eq!(result["ok"], true, "{result:#}");
    let added = strings(&result["added"]);
    assert_eq!(added, ["Copyright Outlet 3. Reprinted with permission."]);

    // Without a search, the list is paginated: 90 stories at 25 per page.
    let run = browse(&chromium, &page, "", &["--dump-dom"]);
    assert!(console_messages(&run.stderr).is_empty(), "{}", run.stderr);
    assert!(run.stdout.contains("page 1 of 4"), "no pager in the DOM");
    assert_eq!(run.stdout.matches("class=\"story\"").count(), 25);
    // The injected markup is shown as text, never run: the page title is untouched.
    assert!(run.stdout.contains("<title>Example &lt;corpus&gt;"));
    let run = browse(&chromium, &page, "#selftest=doc-7", &["--dump-dom"]);
    let result = selftest_result(&run.stdout);
    assert_eq!(result["ok"], true, "{result:#}");
    assert!(console_messages(&run.stderr).is_empty(), "{}", run.stderr);
    assert!(!run.stdout.contains("<title>pwned"));
}
