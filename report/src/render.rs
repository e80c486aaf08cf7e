//! The page: static parts (banner, summary, lineage, proofs, anomalies) as escaped markup, the
//! interactive parts (sequence chart, step-through, run table) built by the inline script from
//! the embedded data.

use std::fmt::Write as _;

use base64::Engine as _;
use faultline_trace::{EventKind, Fault, Trace};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::escape::{html, script_json};
use crate::model::{Report, RunSection, coverage};
use crate::svg::{coverage_svg, lineage_data, lineage_svg};

const CSS: &str = include_str!("../assets/report.css");
const JS: &str = include_str!("../assets/report.js");

/// Lineage graphs with more vertices than this are drawn by the page's script when opened,
/// from the layout computed here: inline SVG markup for them would be megabytes the page
/// parses before its first paint.
pub const LINEAGE_INLINE_MAX: usize = 1_500;

/// The whole page for `report`: one self-contained HTML document (inline CSS, SVG, script and
/// data; no URL outside the page). Deterministic: the same report gives the same bytes.
pub fn render(report: &Report) -> String {
    let data = page_data(report);
    let mut body = String::with_capacity(64 * 1024);
    banner(report, &mut body);
    body.push_str("<div id=\"errors\" class=\"errors\" hidden></div>\n<nav>");
    for (id, title, shown) in [
        ("summary", "Search", report.search.is_some()),
        ("chart-section", "Sequence chart", report.run.is_some()),
        ("step-section", "Step through", report.run.is_some()),
        ("lineage-section", "Lineage", report.lineage.is_some()),
        (
            "ltl-section",
            "LTL proof",
            report
                .run
                .as_ref()
                .is_some_and(|r| !r.properties.is_empty()),
        ),
        (
            "elle-section",
            "elle-lite",
            report.run.as_ref().is_some_and(|r| r.elle.is_some()),
        ),
        ("runs-section", "Runs", report.runs.is_some()),
    ] {
        if shown {
            let _ = write!(body, "<a href=\"#{id}\">{title}</a>");
        }
    }
    body.push_str("</nav>\n<main>\n");
    summary(report, &mut body);
    if let Some(run) = &report.run {
        run_sections(run, &mut body);
    }
    lineage(report, &mut body);
    if let Some(run) = &report.run {
        proofs(run, &mut body);
    }
    runs(report, &mut body);
    if !report.notes.is_empty() {
        body.push_str("<section id=\"notes\"><h2>Notes</h2><ul>");
        for note in &report.notes {
            let _ = write!(body, "<li>{}</li>", html(note));
        }
        body.push_str("</ul></section>\n");
    }
    body.push_str("</main>\n");
    page(&report.title, &body, &data)
}

/// The document around `body`: the Content-Security-Policy allows no network at all and only
/// the page's own script (by hash), so nothing injected could run or load.
fn page(title: &str, body: &str, data: &Value) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(JS));
    let data = script_json(data);
    let mut out = String::with_capacity(body.len() + data.len() + CSS.len() + JS.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; \
         style-src 'unsafe-inline'; script-src 'sha256-{hash}'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"faultline {}\">\n\
         <title>{}</title>\n<style>{CSS}</style></head>\n<body data-ready=\"0\" data-errors=\"0\">\n\
         <noscript><p class=\"errors\">The sequence chart, the step-through view and the run table \
         need JavaScript; everything else is static.</p></noscript>\n{body}\
         <script type=\"application/json\" id=\"report-data\">{data}</script>\n<script>{JS}</script>\n\
         </body></html>\n",
        env!("CARGO_PKG_VERSION"),
        html(title),
    );
    out
}

fn banner(report: &Report, out: &mut String) {
    let Some(banner) = &report.banner else {
        let _ = writeln!(
            out,
            "<header class=\"banner neutral\"><h1>{}</h1></header>",
            html(&report.title)
        );
        return;
    };
    let class = if banner.is_bug() {
        "bug"
    } else if matches!(
        banner.verdict.as_str(),
        "certified" | "good" | "holds" | "valid"
    ) {
        "pass"
    } else {
        "neutral"
    };
    let _ = write!(
        out,
        "<header class=\"banner {class}\" data-verdict=\"{}\"><h1>{}</h1>\
         <div class=\"verdict\">{}</div><div class=\"headline\">{}</div>",
        html(&banner.verdict),
        html(&report.title),
        html(&banner.verdict.to_uppercase().replace('_', " ")),
        html(&banner.headline)
    );
    if let Some(line) = &banner.reproducer {
        let _ = write!(
            out,
            "<div class=\"repro\"><code id=\"reproducer\">{}</code>\
             <button id=\"copy-repro\" type=\"button\" title=\"copy the reproducer\">Copy</button></div>",
            html(line)
        );
    }
    out.push_str("</header>\n");
}

fn summary(report: &Report, out: &mut String) {
    let Some(search) = &report.search else {
        return;
    };
    out.push_str("<section id=\"summary\"><h2>Search</h2><div class=\"summary\"><dl>");
    let mut row = |name: &str, value: String| {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", html(name), html(&value));
    };
    row("SUT", search.sut.clone());
    if let Some(spec) = &search.spec {
        row(
            "failure spec",
            format!(
                "EOT {}, EFF {}, crashes ≤ {}, clogs ≤ {}",
                spec.eot, spec.eff, spec.max_crashes, spec.max_clogs
            ),
        );
    }
    row("seed", search.seed.to_string());
    row("strategy", search.strategy.clone());
    let oracle = if search.elle.is_empty() {
        search.oracle.clone()
    } else {
        format!(
            "{} and elle-lite ({})",
            search.oracle,
            search.elle.join(", ")
        )
    };
    row("oracle", oracle);
    if search.by_cover {
        row(
            "certified by",
            "covering the space: no run named a goal (no lineage to break), so every \
             admissible fault set was run, or adds to a run only faults that change nothing"
                .into(),
        );
    }
    row(
        "runs",
        format!("{} (failure-free and failing runs included)", search.runs),
    );
    let solver_ms = search
        .solver_ms
        .map(|ms| format!(", {ms:.1} ms"))
        .unwrap_or_default();
    row(
        "solver calls",
        format!("{}{solver_ms}", search.solver_calls),
    );
    if let Some(ms) = search.wall_ms {
        row("wall time", format!("{ms:.1} ms"));
    }
    row(
        "fault space (Molly's gross estimate)",
        search.fault_space_gross.clone(),
    );
    row(
        "fault space (exact count)",
        search.fault_space_exact.clone(),
    );
    row(
        "explored fraction",
        format!("{:.3e}", search.explored_fraction),
    );
    if let Some(bound) = &search.bound {
        row("stopped by", bound.clone());
    }
    if let Some(reason) = &search.inconclusive_reason {
        row("inconclusive because", reason.clone());
    }
    out.push_str("</dl><figure><figcaption>Coverage over time</figcaption>");
    match &report.runs {
        Some(runs) => out.push_str(&coverage_svg(&coverage(runs, &search.fault_space_exact))),
        None => out.push_str("<p>The search's JSON has no run history (run explore with <code>--show-runs</code>).</p>"),
    }
    out.push_str("</figure></div></section>\n");
}

fn run_sections(run: &RunSection, out: &mut String) {
    let drops = run
        .trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Drop)
        .count();
    let _ = write!(
        out,
        "<section id=\"chart-section\"><h2>Sequence chart</h2><p class=\"sub\">{} — {} events, {} nodes, \
         {drops} dropped message(s). Scroll; zoom with the buttons or Ctrl+wheel; hover an event for \
         its payload and state patch, click it to step there.</p>\
         <div class=\"toolbar\"><button type=\"button\" id=\"zoom-in\">+</button>\
         <button type=\"button\" id=\"zoom-out\">−</button><button type=\"button\" id=\"zoom-fit\">fit</button>\
         <span class=\"legend\"><span class=\"k arrow\">delivered</span><span class=\"k dropped\">✕ dropped</span>\
         <span class=\"k crash\">crash</span><span class=\"k restart\">restart</span><span class=\"k clog\">clog / partition</span>\
         <span class=\"k op\">client op</span><span class=\"k fail\">LTL fails</span></span></div>\
         <div id=\"chart\" class=\"chart\" tabindex=\"0\"></div><div id=\"tooltip\" class=\"tooltip\" hidden></div></section>\n\
         <section id=\"step-section\"><h2>Step through</h2><p class=\"sub\">Slider or ←/→ keys (Home/End); \
         every node's state before and after the event, with the merge patches applied.</p><div id=\"step\"></div></section>\n",
        html(&run.label),
        run.trace.events.len(),
        run.trace.header.nodes.len(),
    );
}

fn lineage(report: &Report, out: &mut String) {
    let Some(section) = &report.lineage else {
        return;
    };
    let vertices = section.graph.graph.node_count();
    let broken = section.broken.iter().filter(|&&b| b).count();
    let damage = if section.faults.is_empty() {
        String::new()
    } else {
        let faults: Vec<String> = section.faults.iter().map(Fault::short).collect();
        format!(
            " Red: the {broken} vertices that {} break{}.",
            faults.join(", "),
            if section
                .broken
                .get(section.graph.goal.index())
                .copied()
                .unwrap_or(false)
            {
                " — the goal included"
            } else {
                ""
            }
        )
    };
    let _ = write!(
        out,
        "<section id=\"lineage-section\"><h2>Lineage</h2><p class=\"sub\">{} — {vertices} vertices, {} edges. \
         Boxes need all their premises (AND); amber boxes are facts, held if any derivation is (OR); \
         the goal is the thick blue box.{}</p>\
         <div class=\"toolbar\"><button type=\"button\" id=\"download-dot\">Download DOT</button></div>",
        html(&section.label),
        section.graph.graph.edge_count(),
        html(&damage)
    );
    if vertices > LINEAGE_INLINE_MAX {
        let _ = write!(
            out,
            "<details id=\"lineage-lazy\"><summary>Draw the graph ({vertices} vertices: drawn when opened)</summary>\
             <div class=\"lineage-wrap\"></div></details>"
        );
    } else {
        let _ = write!(
            out,
            "<div class=\"lineage-wrap\">{}</div>",
            lineage_svg(section, false)
        );
    }
    out.push_str("</section>\n");
}

fn proofs(run: &RunSection, out: &mut String) {
    if !run.properties.is_empty() {
        out.push_str("<section id=\"ltl-section\"><h2>LTL proof</h2>");
        for property in &run.properties {
            let verdict = match (property.holds, property.presumptive) {
                (true, false) => "holds",
                (false, false) => "FAILS",
                (true, true) => "presumably holds",
                (false, true) => "presumably FAILS",
            };
            let _ = write!(
                out,
                "<details class=\"proof {}\"{}><summary>property {}: {verdict}</summary><pre>{}</pre></details>",
                if property.holds { "holds" } else { "fails" },
                if property.holds { "" } else { " open" },
                html(&property.name),
                html(&property.proof)
            );
        }
        if let Some(event) = run.failing_event {
            let _ = write!(
                out,
                "<p>First failing event: <button type=\"button\" class=\"goto\" data-event=\"{event}\">#{event}</button> \
                 (highlighted in the chart).</p>"
            );
        }
        out.push_str("</section>\n");
    }
    if let Some(elle) = &run.elle {
        let _ = writeln!(
            out,
            "<section id=\"elle-section\"><h2>elle-lite</h2><p class=\"sub\">The client history ({}): {}.</p>\
             <pre>{}</pre></section>",
            html(&elle.valid),
            if elle.anomaly_types.is_empty() {
                "no anomaly".to_string()
            } else {
                html(&elle.anomaly_types.join(", "))
            },
            html(&elle.text)
        );
    }
}

fn runs(report: &Report, out: &mut String) {
    let Some(runs) = &report.runs else {
        return;
    };
    let _ = writeln!(
        out,
        "<section id=\"runs-section\"><h2>Runs</h2><div class=\"toolbar\">\
         <input id=\"runs-filter\" type=\"search\" placeholder=\"filter: a fault, e.g. crash a\" size=\"32\">\
         <select id=\"runs-outcome\"><option value=\"\">every outcome</option><option>good</option>\
         <option>vacuous</option><option>bad</option></select> <span id=\"runs-count\">{} runs</span></div>\
         <table id=\"runs-table\"><thead><tr><th>run</th><th>outcome</th><th>faults</th><th>duration</th></tr>\
         </thead><tbody></tbody></table></section>",
        runs.len()
    );
}

/// The data the script reads: the run shown (events as in the trace), the runs, the DOT text.
fn page_data(report: &Report) -> Value {
    let run = report.run.as_ref().map(run_data);
    let runs = report.runs.as_ref().map(|runs| {
        runs.iter()
            .map(|row| {
                let faults: Vec<String> = row.faults.iter().map(Fault::short).collect();
                json!([row.index, row.outcome, faults.join(", "), row.duration_ms])
            })
            .collect::<Vec<_>>()
    });
    let lineage = report.lineage.as_ref().map(|section| {
        lineage_data(
            section,
            section.graph.graph.node_count() > LINEAGE_INLINE_MAX,
        )
    });
    json!({ "title": report.title, "run": run, "runs": runs, "lineage": lineage })
}

fn run_data(run: &RunSection) -> Value {
    let trace = &run.trace;
    let header = &trace.header;
    json!({
        "label": run.label,
        "nodes": header.nodes,
        "clients": header.clients,
        "time_model": header.time_model.as_str(),
        "initial_state": header.initial_state,
        "faults": header.faults,
        "failing_event": run.failing_event,
        "windows": windows(trace),
        "events": trace.events,
    })
}

/// Clog and partition windows as event rows: `[from_row, to_row)` are the events whose `lt` lies
/// in the fault's `[from, to)`. Clogs come from the header's faults and, for a trace that only
/// has `clog_start` / `clog_end` events, from those.
fn windows(trace: &Trace) -> Vec<Value> {
    let row_at = |lt: u64| trace.events.partition_point(|e| e.lt < lt);
    let mut out = Vec::new();
    let mut clogged_in_header = std::collections::BTreeSet::new();
    for fault in &trace.header.faults {
        match fault {
            Fault::Clog { node, from, to } => {
                clogged_in_header.insert(node.clone());
                out.push(
                    json!({"kind": "clog", "nodes": [node], "from_row": row_at(*from),
                    "to_row": row_at(*to), "label": fault.short()}),
                );
            }
            Fault::Partition { from, to, .. } => {
                out.push(json!({"kind": "partition", "nodes": trace.header.nodes,
                    "from_row": row_at(*from), "to_row": row_at(*to), "label": fault.short()}));
            }
            _ => {}
        }
    }
    let mut open: std::collections::BTreeMap<&str, usize> = Default::default();
    for (row, event) in trace.events.iter().enumerate() {
        let Some(node) = event.node.as_deref() else {
            continue;
        };
        if clogged_in_header.contains(node) {
            continue;
        }
        match event.kind {
            EventKind::ClogStart => {
                open.insert(node, row);
            }
            EventKind::ClogEnd => {
                if let Some(from) = open.remove(node) {
                    out.push(json!({"kind": "clog", "nodes": [node], "from_row": from,
                        "to_row": row + 1, "label": format!("clog {node}")}));
                }
            }
            _ => {}
        }
    }
    for (node, from) in open {
        out.push(json!({"kind": "clog", "nodes": [node], "from_row": from,
            "to_row": trace.events.len(), "label": format!("clog {node}")}));
    }
    out
}

#[cfg(test)]
mod tests {
    use faultline_trace::{Event, EventKind, Header, TimeModel};

    use super::*;
    use crate::model::{LineageSection, RunSection};

    /// `count` messages a→b, each delivered the next round (no `parents`: happens-before).
    fn ping_trace(count: u64) -> Trace {
        let mut trace = Trace::new(Header::new(
            "r",
            "demo",
            TimeModel::Rounds,
            vec!["a".into(), "b".into()],
        ));
        for msg in 0..count {
            let link = |kind, id, lt| Event {
                src: Some("a".into()),
                dst: Some("b".into()),
                msg_id: Some(msg),
                sent_lt: Some(msg + 1),
                ..Event::new(id, kind, lt)
            };
            trace.push(link(EventKind::Send, 2 * msg, msg + 1));
            trace.push(link(EventKind::Deliver, 2 * msg + 1, msg + 2));
        }
        trace
    }

    fn page_with_lineage(count: u64) -> (String, usize) {
        let trace = ping_trace(count);
        let goal = faultline_ldfi::default_goal(&trace);
        let graph = faultline_ldfi::build_lineage(&trace, &goal).expect("lineage");
        let vertices = graph.graph.node_count();
        let report = Report {
            title: "t".into(),
            run: Some(RunSection {
                label: "run".into(),
                trace,
                failing_event: None,
                properties: Vec::new(),
                elle: None,
            }),
            lineage: Some(LineageSection::new("lineage", graph, Vec::new())),
            ..Report::default()
        };
        (render(&report), vertices)
    }

    fn data_of(page: &str) -> Value {
        let start = page.find("id=\"report-data\">").expect("data") + "id=\"report-data\">".len();
        let end = start + page[start..].find("</script>").expect("end");
        serde_json::from_str(&page[start..end]).expect("JSON")
    }

    #[test]
    fn a_small_lineage_is_inline_svg_and_the_page_loads_nothing() {
        let (page, vertices) = page_with_lineage(5);
        assert_eq!(page.matches("<g class=\"v ").count(), vertices);
        assert!(data_of(&page)["lineage"]["drawing"].is_null());
        let elsewhere = page.replace("http://www.w3.org/2000/svg", "");
        assert!(!elsewhere.contains("http:") && !elsewhere.contains("https:"));
        assert!(!page.contains("src="));
    }

    #[test]
    fn a_large_lineage_is_drawn_by_the_script_from_the_rust_layout() {
        let (page, vertices) = page_with_lineage(800);
        assert!(vertices > LINEAGE_INLINE_MAX, "{vertices}");
        assert!(page.contains("id=\"lineage-lazy\""));
        assert!(!page.contains("class=\"lineage\""), "no inline drawing");
        let data = data_of(&page);
        let drawing = &data["lineage"]["drawing"];
        assert_eq!(drawing["boxes"].as_array().map(Vec::len), Some(vertices));
        assert_eq!(
            drawing["paths"].as_array().map(Vec::len),
            data["lineage"]["edges"].as_array().map(Vec::len)
        );
    }

    #[test]
    fn windows_cover_the_rows_of_their_times() {
        let mut trace = ping_trace(4);
        trace.header.faults = vec![Fault::Clog {
            node: "b".into(),
            from: 2,
            to: 4,
        }];
        let windows = windows(&trace);
        assert_eq!(windows.len(), 1);
        // Rows with lt in [2, 4): the first deliver (lt 2) up to the last event with lt 3.
        assert_eq!(windows[0]["from_row"], 1);
        assert_eq!(windows[0]["to_row"], 5);
    }
}
