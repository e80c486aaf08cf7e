//! `faultline report`, `explore --report`, `trace show --html`, `lineage --svg` (issue 12): one
//! self-contained page, nothing from the input able to inject markup or script, and a real
//! browser (headless Chromium) that renders it without an error.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{faultline, repo_dir};

const CEX_FAULTS: &str =
    r#"[{"kind":"omission","src":"a","dst":"b","at":1},{"kind":"crash","node":"a","at":2}]"#;

/// A trace from another simulator with client operations (a stale read: the append completed
/// before the read began, yet the read saw nothing), a lost message and a clog.
const FOREIGN: &str = r#"{"schema":"faultline-trace/v1","run_id":"kv-1","sut":"kv","time_model":"async","nodes":["n1","n2"],"clients":["c0","c1"],"faults":[{"kind":"omission","src":"n1","dst":"n2","at":2},{"kind":"clog","node":"n2","from":5,"to":7}],"initial_state":{"n1":{"x":[]},"n2":{"x":[]}}}
{"id":0,"kind":"invoke","lt":1,"process":0,"f":"txn","value":[["append","x",1]]}
{"id":1,"kind":"send","lt":2,"src":"n1","dst":"n2","msg_id":0,"type":"replicate","payload":{"x":[1]},"state_patch":{"x":[1]}}
{"id":2,"kind":"drop","lt":3,"src":"n1","dst":"n2","msg_id":0,"sent_lt":2,"cause":{"kind":"omission","src":"n1","dst":"n2","at":2}}
{"id":3,"kind":"ok","lt":4,"process":0,"f":"txn","value":[["append","x",1]]}
{"id":4,"kind":"invoke","lt":5,"process":1,"f":"txn","value":[["r","x",null]]}
{"id":5,"kind":"send","lt":6,"src":"n2","dst":"n1","msg_id":1,"type":"ping"}
{"id":6,"kind":"deliver","lt":7,"src":"n2","dst":"n1","msg_id":1,"sent_lt":6}
{"id":7,"kind":"ok","lt":8,"process":1,"f":"txn","value":[["r","x",[]]]}
"#;

/// Everything a hostile writer can put in a trace: markup in node names, payloads, facts,
/// types, state keys and client values, a `__proto__` key, and the JavaScript line
/// terminators.
const HOSTILE: &str = r#"{"schema":"faultline-trace/v1","run_id":"<img src=x onerror=alert(1)>","sut":"</title><script>alert(1)</script>","time_model":"rounds","nodes":["a\"><script>alert(1)</script>","b<!--"],"clients":["<b onmouseover=alert(1)>c</b>"],"faults":[{"kind":"omission","src":"a\"><script>alert(1)</script>","dst":"b<!--","at":1}],"initial_state":{"b<!--":{"</script>":1}}}
{"id":0,"kind":"send","lt":1,"src":"a\"><script>alert(1)</script>","dst":"b<!--","msg_id":0,"type":"</script><script>alert(2)</script>","payload":"</script><script>alert(3)</script>\u2028\u2029<!--"}
{"id":1,"kind":"drop","lt":2,"src":"a\"><script>alert(1)</script>","dst":"b<!--","msg_id":0,"sent_lt":1,"cause":{"kind":"omission","src":"a\"><script>alert(1)</script>","dst":"b<!--","at":1}}
{"id":2,"kind":"send","lt":2,"src":"a\"><script>alert(1)</script>","dst":"b<!--","msg_id":1,"type":"x","payload":{"__proto__":{"polluted":true},"<svg onload=alert(4)>":"]]>"}}
{"id":3,"kind":"deliver","lt":3,"src":"a\"><script>alert(1)</script>","dst":"b<!--","msg_id":1,"sent_lt":2,"state_patch":{"__proto__":{"polluted":true},"</script>":"<script>alert(5)</script>"}}
{"id":4,"kind":"derive","lt":3,"node":"b<!--","fact":["</script><script>alert(6)</script>"],"parents":[3]}
{"id":5,"kind":"invoke","lt":4,"process":0,"f":"<i>txn</i>","value":[["append","</script>",1]]}
{"id":6,"kind":"ok","lt":5,"process":0,"f":"<i>txn</i>","value":[["append","</script>",1]]}
"#;

const HOSTILE_SPEC: &str = "# </script><script>alert(7)</script>\nproperty hostile:\n  G ($.kind != \"</script><script>alert(8)</script>\")\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing a fixture");
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("the page was written")
}

/// The data block of a page, parsed.
fn page_data(page: &str) -> Value {
    let start =
        page.find("id=\"report-data\">").expect("a data block") + "id=\"report-data\">".len();
    let end = start
        + page[start..]
            .find("</script>")
            .expect("the data block ends");
    serde_json::from_str(&page[start..end]).expect("the data block is JSON")
}

/// No URL outside the page: nothing to load, no link out. (The SVG namespace is a name, not
/// something fetched.)
fn assert_self_contained(page: &str) {
    let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
    for needle in [
        "http://", "https://", "//cdn", "src=", "@import", "url(http",
    ] {
        assert!(
            !without_namespace.contains(needle),
            "the page contains {needle:?}"
        );
    }
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
}

/// `explore --json --show-runs` of retry-deliv, saved; returns the file.
fn retry_search(dir: &Path) -> PathBuf {
    let output = faultline()
        .args(["explore", "--sut", "retry-deliv", "--json", "--show-runs"])
        .output()
        .expect("explore runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "retry-deliv has a counterexample"
    );
    let path = dir.join("search.json");
    std::fs::write(&path, &output.stdout).expect("saving the search");
    path
}

#[test]
fn search_report_of_a_builtin_counterexample() {
    let dir = tempfile::tempdir().expect("temp dir");
    let search = retry_search(dir.path());
    let json: Value = serde_json::from_str(&read(&search)).expect("JSON");
    for record in json["history"]
        .as_array()
        .expect("history with --show-runs")
    {
        assert!(record["duration_ms"].as_f64().is_some(), "{record}");
        assert!(record["finished_ms"].as_f64().is_some(), "{record}");
    }
    let page_path = dir.path().join("report.html");
    faultline()
        .args(["report", "--from-json"])
        .arg(&search)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    assert_self_contained(&page);
    assert!(page.contains("data-verdict=\"counterexample\""));
    assert!(page.contains("faultline run --sut retry-deliv --eot 4 --faults"));
    assert!(page.contains("id=\"copy-repro\""));
    assert!(page.contains("class=\"coverage\""), "the coverage chart");
    assert!(page.contains("id=\"runs-table\""));
    let data = page_data(&page);
    assert_eq!(data["runs"].as_array().map(Vec::len), Some(3));
    let run = &data["run"];
    assert_eq!(run["nodes"], serde_json::json!(["a", "b", "c"]));
    let drops = run["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "drop")
        .count();
    assert_eq!(drops, 1, "the omission a→b@1");
    // The failure-free run's lineage, with what the counterexample broke (the goal included).
    assert!(page.contains("class=\"v goal broken\""));
    assert!(page.contains("class=\"v or\""), "a's own log is not broken");
    let lineage = &data["lineage"];
    assert_eq!(
        lineage["labels"].as_array().map(Vec::len),
        Some(page.matches("<g class=\"v ").count()),
        "the DOT download has every vertex drawn"
    );
    assert!(lineage["drawing"].is_null(), "a small graph is inline SVG");
}

#[test]
fn explore_writes_the_same_report_directly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page_path = dir.path().join("cert.html");
    faultline()
        .args(["explore", "--sut", "redun-deliv", "--report"])
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    assert_self_contained(&page);
    assert!(page.contains("data-verdict=\"certified\""));
    assert!(page.contains("class=\"banner pass\""));
    assert!(!page.contains(" broken\""), "a certificate breaks nothing");
    let data = page_data(&page);
    assert_eq!(
        data["runs"].as_array().map(Vec::len),
        Some(11),
        "every run in the table"
    );
    assert_eq!(data["run"]["label"], "the failure-free run");
}

#[test]
fn search_report_with_an_ltl_oracle_shows_the_proof() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = repo_dir().join("specs").join("retry-deliv.ltl");
    let output = faultline()
        .args([
            "explore",
            "--sut",
            "retry-deliv",
            "--json",
            "--show-runs",
            "--spec",
        ])
        .arg(&spec)
        .output()
        .expect("explore runs");
    let search = write(
        dir.path(),
        "search.json",
        std::str::from_utf8(&output.stdout).expect("utf-8"),
    );
    let page_path = dir.path().join("r.html");
    faultline()
        .args(["report", "--from-json"])
        .arg(&search)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    assert!(page.contains("id=\"ltl-section\""));
    assert!(page.contains("property deliv: FAILS"));
    let failing = page_data(&page)["run"]["failing_event"].as_u64();
    assert!(failing.is_some(), "the first failing event is highlighted");
}

#[test]
fn trace_report_of_a_foreign_trace_with_clients() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = write(dir.path(), "kv.jsonl", FOREIGN);
    let page_path = dir.path().join("kv.html");
    faultline()
        .args(["report", "--trace"])
        .arg(&trace)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    assert_self_contained(&page);
    assert!(
        page.contains("id=\"elle-section\""),
        "elle-lite's anomalies"
    );
    assert!(
        page.contains("(invalid)"),
        "the stale read is not strict-serializable"
    );
    assert!(
        page.contains("data-verdict=\"invalid\""),
        "and the banner says so"
    );
    let data = page_data(&page);
    assert_eq!(data["run"]["clients"], serde_json::json!(["c0", "c1"]));
    let windows = data["run"]["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 1, "the clog window");
    assert_eq!(windows[0]["kind"], "clog");
}

#[test]
fn hostile_input_cannot_inject_markup_or_script() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = write(dir.path(), "hostile.jsonl", HOSTILE);
    let spec = write(dir.path(), "hostile.ltl", HOSTILE_SPEC);
    let page_path = dir.path().join("hostile.html");
    faultline()
        .args(["report", "--trace"])
        .arg(&trace)
        .arg("--spec")
        .arg(&spec)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    assert_self_contained(&page);
    // Two script elements: the data block and the page's own script; nothing else opens one.
    assert_eq!(page.matches("<script").count(), 2, "{page}");
    assert_eq!(page.matches("</script").count(), 2);
    for bad in [
        "<img",
        "<b ",
        "<i>",
        "<svg onload",
        "<!--",
        "\u{2028}",
        "\u{2029}",
    ] {
        assert!(!page.contains(bad), "{bad:?} reached the page unescaped");
    }
    // Every byte of the data still arrives: the block parses back to the trace's values.
    let data = page_data(&page);
    assert_eq!(data["run"]["nodes"][0], "a\"><script>alert(1)</script>");
    assert_eq!(
        data["run"]["events"][0]["payload"],
        "</script><script>alert(3)</script>\u{2028}\u{2029}<!--"
    );
    // The same holds for the other doors: `trace show --html` and `lineage --svg`.
    let output = faultline()
        .args(["trace", "show", "--html"])
        .arg(&trace)
        .output()
        .expect("trace show runs");
    assert_eq!(output.status.code(), Some(0));
    let shown = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(shown.matches("<script").count(), 2);
    let output = faultline()
        .args(["lineage", "--svg"])
        .arg(&trace)
        .output()
        .expect("lineage runs");
    assert_eq!(output.status.code(), Some(0));
    let svg = String::from_utf8(output.stdout).expect("utf-8");
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;/script&gt;"));
}

/// A trace whose names and payloads carry terminal escapes (ESC, BEL, the 8-bit CSI).
const ESCAPES: &str = r#"{"schema":"faultline-trace/v1","run_id":"r\u001b[2J","sut":"s\u001b]0;title\u0007","time_model":"rounds","nodes":["a\u001b[31m","b\u009b2J"]}
{"id":0,"kind":"send","lt":1,"src":"a\u001b[31m","dst":"b\u009b2J","msg_id":0,"type":"t\u001b[5m","payload":"p\u001b[2J\u007f"}
{"id":1,"kind":"deliver","lt":2,"src":"a\u001b[31m","dst":"b\u009b2J","msg_id":0,"sent_lt":1}
{"id":2,"kind":"derive","lt":2,"node":"b\u009b2J","fact":["f\u001b[41m"],"parents":[1]}
"#;

fn has_terminal_escape(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

#[test]
fn terminal_escapes_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = write(dir.path(), "esc.jsonl", ESCAPES);
    let mut outputs = Vec::new();
    for args in [
        &["report", "-o", "-", "--trace"][..],
        &["trace", "show", "--html"][..],
        &["lineage", "--svg"][..],
    ] {
        let output = faultline()
            .args(args)
            .arg(&trace)
            .output()
            .expect("faultline runs");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(
            !has_terminal_escape(&output.stdout),
            "{args:?} printed a control character"
        );
        outputs.push(String::from_utf8(output.stdout).expect("utf-8"));
    }
    // Shown, not dropped: visible in the markup, intact in the data.
    assert!(
        outputs[0].contains("<title>s\\u{1b}]0;title\\u{7}"),
        "{}",
        outputs[0]
    );
    assert_eq!(page_data(&outputs[0])["run"]["nodes"][1], "b\u{9b}2J");
    assert!(
        outputs[2].contains("a\\u{1b}[31m→b\\u{9b}2J"),
        "{}",
        outputs[2]
    );
}

#[test]
fn lineage_svg_draws_every_vertex_without_graphviz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("cex.jsonl");
    faultline()
        .args(["run", "--sut", "retry-deliv", "-o"])
        .arg(&trace)
        .assert()
        .code(0);
    let json = faultline()
        .args(["lineage", "--json"])
        .arg(&trace)
        .output()
        .expect("lineage runs");
    let json: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let svg = faultline()
        .args(["lineage", "--svg"])
        .arg(&trace)
        .output()
        .expect("lineage runs");
    assert_eq!(svg.status.code(), Some(0));
    let svg = String::from_utf8(svg.stdout).expect("utf-8");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(
        svg.contains("<style>"),
        "a standalone file carries its styles"
    );
    let vertices = json["nodes"].as_array().expect("nodes").len();
    let edges = json["edges"].as_array().expect("edges").len();
    assert_eq!(svg.matches("<g class=\"v ").count(), vertices);
    assert_eq!(svg.matches("<polyline class=\"edge").count(), edges);
}

#[test]
fn trace_show_html_is_the_chart_and_step_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("cex.jsonl");
    faultline()
        .args(["run", "--sut", "retry-deliv", "--faults", CEX_FAULTS, "-o"])
        .arg(&trace)
        .assert()
        .code(1);
    let output = faultline()
        .args(["trace", "show", "--html"])
        .arg(&trace)
        .output()
        .expect("trace show runs");
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).expect("utf-8");
    assert_self_contained(&page);
    assert!(page.contains("id=\"chart\"") && page.contains("id=\"step\""));
    assert!(!page.contains("id=\"lineage-section\""));
    faultline()
        .args(["trace", "show", "--html", "--chart"])
        .arg(&trace)
        .assert()
        .code(2);
}

#[test]
fn report_refuses_what_is_not_a_search() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_search = write(dir.path(), "x.json", r#"{"schema":"faultline-run/v1"}"#);
    faultline()
        .args(["report", "--from-json"])
        .arg(&not_search)
        .args(["-o", "-"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("faultline-explore/v1"));
    faultline()
        .args(["report", "-o", "x.html"])
        .assert()
        .code(2);
    // An option that would be ignored is refused: a store has no --spec, a trace no --search.
    let trace = write(dir.path(), "kv.jsonl", FOREIGN);
    faultline()
        .args(["report", "--search", "1", "-o", "-", "--trace"])
        .arg(&trace)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot be used with"));
    for option in ["--spec", "--baseline"] {
        faultline()
            .args(["report", "--db", "x.db", "-o", "-", option])
            .arg(&trace)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("cannot be used with"));
    }
    let unknown = write(
        dir.path(),
        "other.json",
        r#"{"schema":"faultline-explore/v1","sut":"not-built-in","verdict":"certified","runs":1,"fault_space":{"gross":"1","exact":"1"}}"#,
    );
    let output = faultline()
        .args(["report", "--from-json"])
        .arg(&unknown)
        .args(["-o", "-"])
        .output()
        .expect("report runs");
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        page.contains("is not a built-in SUT"),
        "the page says why it has no chart"
    );
}

/// `explore ARGS --db DB`; returns its exit code.
fn explore_into(db: &Path, args: &[&str]) -> Option<i32> {
    let output = faultline()
        .arg("explore")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("explore runs");
    output.status.code()
}

#[test]
fn the_issues_db_form_and_the_positional_store_give_the_same_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("x.db");
    assert_eq!(explore_into(&db, &["--sut", "ack-deliv"]), Some(0));
    assert_eq!(explore_into(&db, &["--sut", "retry-deliv"]), Some(1));
    let by_option = dir.path().join("option.html");
    faultline()
        .args(["report", "--db"])
        .arg(&db)
        .args(["--search", "2", "-o"])
        .arg(&by_option)
        .assert()
        .code(0);
    let by_position = dir.path().join("position.html");
    faultline()
        .arg("report")
        .arg(&db)
        .args(["--search", "2", "-o"])
        .arg(&by_position)
        .assert()
        .code(0);
    let page = read(&by_option);
    assert_eq!(page, read(&by_position), "one page, either spelling");
    assert_self_contained(&page);
    assert!(page.contains("data-verdict=\"counterexample\""));
    assert!(page.contains("faultline run --sut retry-deliv --eot 4 --faults"));
    let data = page_data(&page);
    let drops = data["run"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "drop")
        .count();
    assert_eq!(drops, 1, "the counterexample's chart");
    assert_eq!(
        data["runs"].as_array().map(Vec::len),
        Some(3),
        "the stored runs"
    );
    // Without --search: the last search; --search 1: the certificate, in green.
    let last = dir.path().join("last.html");
    faultline()
        .args(["report", "--db"])
        .arg(&db)
        .arg("-o")
        .arg(&last)
        .assert()
        .code(0);
    assert_eq!(read(&last), page);
    let first = dir.path().join("first.html");
    faultline()
        .args(["report", "--db"])
        .arg(&db)
        .args(["--search", "1", "-o"])
        .arg(&first)
        .assert()
        .code(0);
    let cert = read(&first);
    assert!(cert.contains("data-verdict=\"certified\"") && cert.contains("class=\"banner pass\""));
    assert!(cert.contains("no admissible fault set breaks the outcome"));
    assert!(
        !cert.contains("covered the space"),
        "a certificate from lineage"
    );
}

#[test]
fn a_certificate_by_cover_says_how_it_was_reached() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("x.db");
    let args = ["--sut", "kv-append-sync", "--elle", "strict-serializable"];
    assert_eq!(explore_into(&db, &args), Some(0));
    let page_path = dir.path().join("cover.html");
    faultline()
        .args(["report", "--db"])
        .arg(&db)
        .args(["--search", "1", "-o"])
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    assert!(page.contains("data-verdict=\"certified\""));
    assert!(
        page.contains("no run named a goal, so the search covered the space"),
        "the banner"
    );
    assert!(
        !page.contains("no admissible fault set breaks the outcome"),
        "the wording of a certificate from lineage"
    );
    assert!(page.contains("<dt>certified by</dt>"), "the summary");
    assert!(page.contains("built-in invariant and elle-lite (strict-serializable)"));
    assert!(
        page.contains("elle-lite (strict-serializable) names no goal"),
        "the lineage drawn is not one the search used"
    );
    // The store's listing and text report say it too.
    let ls = faultline()
        .args(["db", "ls"])
        .arg(&db)
        .output()
        .expect("db ls runs");
    let ls = String::from_utf8(ls.stdout).expect("utf-8");
    assert!(ls.contains("certified (by cover)"), "{ls}");
    let ls = faultline()
        .args(["db", "ls", "--json"])
        .arg(&db)
        .output()
        .expect("db ls runs");
    let ls: Value = serde_json::from_slice(&ls.stdout).expect("JSON");
    assert_eq!(ls["searches"][0]["by_cover"], true);
    let text = faultline()
        .args(["report", "--db"])
        .arg(&db)
        .output()
        .expect("report runs");
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("certified by covering the space"), "{text}");
    // A lineage certificate is listed without the mark.
    assert_eq!(explore_into(&db, &["--sut", "ack-deliv"]), Some(0));
    let ls = faultline()
        .args(["db", "ls"])
        .arg(&db)
        .output()
        .expect("db ls runs");
    let ls = String::from_utf8(ls.stdout).expect("utf-8");
    assert_eq!(ls.matches("(by cover)").count(), 1, "{ls}");
}

#[test]
fn an_elle_counterexample_names_elle_and_its_model() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page_path = dir.path().join("elle.html");
    let output = faultline()
        .args([
            "explore",
            "--sut",
            "kv-append",
            "--elle",
            "strict-serializable",
            "--report",
        ])
        .arg(&page_path)
        .output()
        .expect("explore runs");
    assert_eq!(output.status.code(), Some(1), "a stale read");
    let page = read(&page_path);
    assert!(page.contains("data-verdict=\"counterexample\""));
    assert!(
        page.contains("a run fails the built-in invariant or elle-lite (strict-serializable)"),
        "the banner names the oracle that failed"
    );
    assert!(page.contains("id=\"elle-section\"") && page.contains("(invalid)"));
    let data = page_data(&page);
    let clients = data["run"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "invoke")
        .count();
    assert!(clients > 0, "client operations in the chart");
}

// ----- in a real browser ---------------------------------------------------------------------

/// The Chromium binary: `$FAULTLINE_CHROMIUM`, else the first of chromium, chromium-browser,
/// google-chrome on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FAULTLINE_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Says why a browser test does not run: only where Chromium cannot be installed, never in
/// CI (`scripts/setup.sh` installs it there, so a skip would hide a test that never ran).
fn skip_without_browser(test: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: CI must have Chromium (scripts/setup.sh installs Debian's `chromium`; or set \
         FAULTLINE_CHROMIUM)"
    );
    eprintln!(
        "SKIPPED {test}: no Chromium (install Debian's `chromium` package, run \
         scripts/setup.sh, or set FAULTLINE_CHROMIUM)"
    );
}

/// Runs headless Chromium on `page` with `extra` arguments; returns (stdout, stderr). Killed
/// after two minutes: a hung browser must not hang the suite.
fn headless(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> (String, String) {
    let url = format!("file://{}", page.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes while waiting: a dumped DOM larger than the pipe's buffer would block
    // the browser otherwise.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let started = Instant::now();
    while child.try_wait().expect("waiting for chromium").is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        out.join().expect("stdout reader"),
        err.join().expect("stderr reader"),
    )
}

/// The attribute `name` of the dumped `<body>`.
fn body_attribute(dom: &str, name: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let start = body.find(&format!("{name}=\""))? + name.len() + 2;
    Some(body[start..start + body[start..].find('"')?].to_string())
}

/// Console messages of the page (Chromium's own noise on stderr is not one). Chromium logs
/// every console message at INFO, `console.error` and the refusals of the page's policy
/// included, so the level cannot tell errors apart; the page writes nothing to the console
/// when all is well, so every message counts.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.contains("CONSOLE") && line.contains("file://"))
        .collect()
}

#[test]
fn browser_renders_a_counterexample_report() {
    let Some(browser) = chromium() else {
        skip_without_browser("browser_renders_a_counterexample_report");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let search = retry_search(dir.path());
    let page_path = dir.path().join("report.html");
    faultline()
        .args(["report", "--from-json"])
        .arg(&search)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path);
    let data = page_data(&page);
    let events = data["run"]["events"].as_array().expect("events");
    let drops = events.iter().filter(|e| e["kind"] == "drop").count();
    // Else "one ✕ per dropped message" would hold of a page that draws none.
    assert!(drops >= 1, "the counterexample drops a message");
    let nodes = data["run"]["nodes"].as_array().expect("nodes").len();
    assert_eq!(nodes, 3, "retry-deliv's a, b and c");
    let profile = dir.path().join("profile");
    let (dom, stderr) = headless(&browser, &profile, &page_path, &["--dump-dom"]);
    assert_eq!(
        body_attribute(&dom, "data-ready").as_deref(),
        Some("1"),
        "the page's script ran to its end:\n{stderr}"
    );
    assert_eq!(
        body_attribute(&dom, "data-errors").as_deref(),
        Some("0"),
        "errors on the page:\n{dom}"
    );
    assert_eq!(console_errors(&stderr), Vec::<&str>::new());
    // One lane per node (retry-deliv has no clients), one ✕ per dropped message.
    assert_eq!(dom.matches("class=\"lane\"").count(), nodes, "lanes");
    assert_eq!(dom.matches("class=\"lane client\"").count(), 0);
    for node in ["a", "b", "c"] {
        assert!(
            dom.contains(&format!("data-lane=\"{node}\"")),
            "lane {node}"
        );
    }
    assert_eq!(
        dom.matches("class=\"drop-x\"").count(),
        drops,
        "one ✕ per dropped message"
    );
    // The drop names its fault: the counterexample's omission (a→b or, symmetrically, a→c).
    let searched: Value = serde_json::from_str(&read(&search)).expect("JSON");
    let omission = searched["counterexample"]
        .as_array()
        .expect("a counterexample")
        .iter()
        .find(|fault| fault["kind"] == "omission")
        .map(|fault| {
            format!(
                "omission {}→{}@{}",
                fault["src"].as_str().expect("src"),
                fault["dst"].as_str().expect("dst"),
                fault["at"]
            )
        })
        .expect("retry-deliv's counterexample drops a message");
    assert!(
        dom.contains(&omission),
        "the drop names its fault: {omission}"
    );
    assert!(dom.contains("class=\"crash-box\""), "the crash of a");
    // The step-through view is built and shows every node's state.
    assert!(dom.contains("Node states") && dom.contains("Messages in flight after it"));
    assert_eq!(
        dom.matches("<tr class=\"bad\">").count(),
        1,
        "the run table's bad run"
    );
    // The controls work: the page drives them itself when opened as #selftest (zoom, hover
    // tooltip, click to step, the arrow and End keys, the state table, the run filter).
    let selftest = dir.path().join("report.html#selftest");
    let (dom, stderr) = headless(&browser, &profile, &selftest, &["--dump-dom"]);
    let checks = body_attribute(&dom, "data-selftest").unwrap_or_default();
    for check in [
        "zoom-in",
        "zoom-out",
        "hover",
        "click-steps",
        "arrow-key",
        "end-key",
        "states",
        "runs-filter",
    ] {
        assert!(
            checks.contains(&format!("{check}:ok")),
            "self-test {check}: {checks}\n{stderr}"
        );
    }
    assert_eq!(
        body_attribute(&dom, "data-errors").as_deref(),
        Some("0"),
        "{checks}"
    );
    // A screenshot for people to look at.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .to_path_buf();
    let screenshot = target.join("report.png");
    let _ = std::fs::remove_file(&screenshot);
    headless(
        &browser,
        &profile,
        &page_path,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1400,1000",
            "--hide-scrollbars",
        ],
    );
    let png = std::fs::read(&screenshot).expect("the screenshot was written");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    eprintln!("screenshot: {}", screenshot.display());
}

#[test]
fn browser_renders_hostile_input_as_text() {
    let Some(browser) = chromium() else {
        skip_without_browser("browser_renders_hostile_input_as_text");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = write(dir.path(), "hostile.jsonl", HOSTILE);
    let spec = write(dir.path(), "hostile.ltl", HOSTILE_SPEC);
    let page_path = dir.path().join("hostile.html");
    faultline()
        .args(["report", "--trace"])
        .arg(&trace)
        .arg("--spec")
        .arg(&spec)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let (dom, stderr) = headless(
        &browser,
        &dir.path().join("profile"),
        &page_path,
        &["--dump-dom"],
    );
    assert_eq!(
        body_attribute(&dom, "data-ready").as_deref(),
        Some("1"),
        "{stderr}"
    );
    assert_eq!(
        body_attribute(&dom, "data-errors").as_deref(),
        Some("0"),
        "{dom}"
    );
    assert_eq!(console_errors(&stderr), Vec::<&str>::new());
    // Still exactly the page's two scripts, and no element the input named.
    assert_eq!(dom.matches("<script").count(), 2);
    assert!(!dom.contains("<img") && !dom.contains("<b ") && !dom.contains("<i>"));
    // The hostile names are there, as text: two node lanes and one client lane.
    assert_eq!(dom.matches("class=\"lane\"").count(), 2);
    assert_eq!(dom.matches("class=\"lane client\"").count(), 1);
    assert_eq!(dom.matches("class=\"drop-x\"").count(), 1);
    assert!(dom.contains("&lt;b onmouseover=alert(1)&gt;c&lt;/b&gt;"));
}

/// The browser checks above would pass by construction if Chromium's log lost the page's
/// errors or the page's own counter missed them: pages that err in each way they look for
/// must be caught.
#[test]
fn browser_checks_catch_a_page_that_errs() {
    let Some(browser) = chromium() else {
        skip_without_browser("browser_checks_catch_a_page_that_errs");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("profile");
    // console.error, an uncaught exception, and a load the page's policy refuses.
    let errs = write(
        dir.path(),
        "errs.html",
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>\
         <img alt=\"\" src=\"https://example.invalid/x.png\">\
         <script>console.error('boom'); throw new Error('uncaught boom');</script></body></html>",
    );
    let (_, stderr) = headless(&browser, &profile, &errs, &["--dump-dom"]);
    let errors = console_errors(&stderr);
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(errors.iter().any(|e| e.contains("\"boom\"")), "{stderr}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Uncaught Error: uncaught boom"))
    );
    assert!(errors.iter().any(|e| e.contains("Content Security Policy")));
    // A real report whose data block is broken: its script stops, counts the error, and
    // Chromium logs it.
    let page_path = dir.path().join("broken.html");
    let trace = write(dir.path(), "kv.jsonl", FOREIGN);
    faultline()
        .args(["report", "--trace"])
        .arg(&trace)
        .arg("-o")
        .arg(&page_path)
        .assert()
        .code(0);
    let page = read(&page_path).replacen("id=\"report-data\">{", "id=\"report-data\">{not json", 1);
    assert!(page.contains("{not json"), "the data block was found");
    std::fs::write(&page_path, page).expect("rewriting the page");
    let (dom, stderr) = headless(&browser, &profile, &page_path, &["--dump-dom"]);
    assert_eq!(body_attribute(&dom, "data-ready").as_deref(), Some("0"));
    assert_eq!(body_attribute(&dom, "data-errors").as_deref(), Some("1"));
    assert!(
        console_errors(&stderr)
            .iter()
            .any(|line| line.contains("Uncaught SyntaxError")),
        "{stderr}"
    );
}
