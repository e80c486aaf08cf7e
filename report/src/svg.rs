//! Static SVG drawn in Rust: the lineage graph (layered, [`crate::layout`]) and the coverage
//! chart. Both go into the page as markup, and `faultline lineage --svg` writes the first on
//! its own.

use std::fmt::Write as _;

use faultline_ldfi::{LineageGraph, LineageNode};
use petgraph::visit::EdgeRef;
use serde_json::{Value, json};

use crate::escape::html;
use crate::layout::{Layout, layout};
use crate::model::{CoveragePoint, LineageSection};

/// Characters of a vertex label drawn in its box (the whole label is in its tooltip).
const LABEL_CHARS_MAX: usize = 46;
/// Width of one character of the 11 px monospace font, and the box's padding.
const CHAR_W: f64 = 6.7;
const PAD_X: f64 = 10.0;
const BOX_H: f64 = 24.0;

/// Styles of the lineage drawing, for a standalone SVG file (the page has them in its CSS).
const LINEAGE_STYLE: &str = "\
.lineage text{font:11px ui-monospace,monospace;fill:#1d2733}\
.lineage .v rect{fill:#f4f7fb;stroke:#5b6b7d;stroke-width:1}\
.lineage .v.or rect{fill:#fffbe6;stroke:#a08a2c}\
.lineage .v.goal rect{fill:#e9f1ff;stroke:#1f4fa8;stroke-width:2.5}\
.lineage .v.broken rect{fill:#fde8e8;stroke:#c62828;stroke-width:2}\
.lineage .edge{fill:none;stroke:#8795a6;stroke-width:1}\
.lineage .edge.broken{stroke:#c62828;stroke-width:1.6}\
.lineage marker path{fill:#8795a6}";

/// The vertex's short label, its kind (`goal`, `or`, `and`) and the event it stands for.
fn vertex_parts(vertex: &LineageNode, is_goal: bool) -> (String, &'static str, Option<u64>) {
    let kind = if is_goal {
        "goal"
    } else if vertex.is_or() {
        "or"
    } else {
        "and"
    };
    let event = match vertex {
        LineageNode::Delivery { event, .. } | LineageNode::Event { event, .. } => Some(*event),
        _ => None,
    };
    (vertex.label(), kind, event)
}

/// The lineage as data for the page's script: per vertex its label, kind (0 goal, 1 OR, 2
/// AND), whether it is broken and the event it stands for (or -1); the edges; and, with
/// `drawing`, the layout (boxes `[x, y, w, h]`, one flat `[x0, y0, x1, y1, ...]` polyline per
/// edge, whole pixels) for the script to draw. The script builds the DOT download from it.
pub fn lineage_data(section: &LineageSection, drawing: bool) -> Value {
    let graph = &section.graph;
    let mut labels = Vec::with_capacity(graph.graph.node_count());
    let mut kinds = Vec::with_capacity(graph.graph.node_count());
    let mut events = Vec::with_capacity(graph.graph.node_count());
    for index in graph.graph.node_indices() {
        let (label, kind, event) = vertex_parts(&graph.graph[index], index == graph.goal);
        labels.push(label);
        kinds.push(match kind {
            "goal" => 0,
            "or" => 1,
            _ => 2,
        });
        events.push(event.map_or(-1, |e| i64::try_from(e).unwrap_or(-1)));
    }
    let edges: Vec<[usize; 2]> = graph
        .graph
        .edge_references()
        .map(|e| [e.source().index(), e.target().index()])
        .collect();
    let broken: Vec<u8> = section.broken.iter().map(|&b| u8::from(b)).collect();
    let drawing = drawing.then(|| {
        let layout = lineage_layout(graph);
        let boxes: Vec<[i64; 4]> = layout
            .nodes
            .iter()
            .map(|n| [n.x as i64, n.y as i64, n.w.ceil() as i64, n.h as i64])
            .collect();
        let paths: Vec<Vec<i64>> = layout
            .edges
            .iter()
            .map(|points| points.iter().flat_map(|&(x, y)| [x as i64, y as i64]).collect())
            .collect();
        json!({"width": layout.width.ceil(), "height": layout.height.ceil(), "boxes": boxes, "paths": paths})
    });
    json!({"labels": labels, "kinds": kinds, "events": events, "edges": edges, "broken": broken, "drawing": drawing})
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS_MAX {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(LABEL_CHARS_MAX - 1).collect();
    cut.push('…');
    cut
}

/// The layered layout of a lineage graph (vertex index order, edges vertex → premise).
pub fn lineage_layout(graph: &LineageGraph) -> Layout {
    let sizes: Vec<(f64, f64)> = graph
        .graph
        .node_indices()
        .map(|v| {
            let chars = shorten(&graph.graph[v].label()).chars().count();
            (chars as f64 * CHAR_W + 2.0 * PAD_X, BOX_H)
        })
        .collect();
    let edges: Vec<(usize, usize)> = graph
        .graph
        .edge_references()
        .map(|e| (e.source().index(), e.target().index()))
        .collect();
    layout(&sizes, &edges)
}

/// The lineage graph as an `<svg>` element: boxes for AND vertices, amber boxes for OR
/// vertices (facts: any derivation suffices), a thick blue box for the goal, red for what
/// `section.faults` break. Every vertex has its full label as a tooltip and, when it stands
/// for an event, `data-event`. With `standalone`, the SVG carries its own styles and XML
/// namespace (a file for `faultline lineage --svg`).
pub fn lineage_svg(section: &LineageSection, standalone: bool) -> String {
    let graph = &section.graph;
    let drawing = lineage_layout(graph);
    let mut out = String::with_capacity(256 + graph.graph.node_count() * 260);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"lineage graph\">",
        w = drawing.width.max(1.0),
        h = drawing.height.max(1.0)
    );
    if standalone {
        let _ = write!(out, "<style>{LINEAGE_STYLE}</style>");
    }
    out.push_str(
        "<defs><marker id=\"lin-arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L8,4L0,8z\"/></marker></defs><g class=\"edges\">",
    );
    let broken = |index: usize| section.broken.get(index).copied().unwrap_or(false);
    for (edge, points) in graph.graph.edge_references().zip(&drawing.edges) {
        let both = broken(edge.source().index()) && broken(edge.target().index());
        out.push_str("<polyline class=\"edge");
        if both {
            out.push_str(" broken");
        }
        out.push_str("\" marker-end=\"url(#lin-arrow)\" points=\"");
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(out, "{}{x:.1},{y:.1}", if i == 0 { "" } else { " " });
        }
        out.push_str("\"/>");
    }
    out.push_str("</g><g class=\"vertices\">");
    for (index, placed) in graph.graph.node_indices().zip(&drawing.nodes) {
        let (label, kind, event) = vertex_parts(&graph.graph[index], index == graph.goal);
        let _ = write!(
            out,
            "<g class=\"v {kind}{}\" data-vertex=\"{}\"",
            if broken(index.index()) { " broken" } else { "" },
            index.index()
        );
        if let Some(event) = event {
            let _ = write!(out, " data-event=\"{event}\"");
        }
        let _ = write!(
            out,
            "><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            html(&label),
            placed.x,
            placed.y,
            placed.w,
            placed.h,
            if kind == "or" { 10 } else { 3 },
            placed.x + PAD_X,
            placed.y + placed.h / 2.0 + 4.0,
            html(&shorten(&label))
        );
    }
    out.push_str("</g></svg>");
    out
}

/// The coverage chart: explored fraction (left axis, blue) and good runs learned from (right
/// axis, amber) against runs made. At most 800 points per line (evenly thinned, last kept).
pub fn coverage_svg(points: &[CoveragePoint]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 60.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 40.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"coverage\" width=\"{W}\" height=\"{H}\" \
         viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"coverage over time\">"
    );
    if points.is_empty() {
        out.push_str("<text x=\"20\" y=\"40\">no runs recorded</text></svg>");
        return out;
    }
    let runs_max = points.last().map_or(1, |p| p.runs).max(1) as f64;
    let fraction_max = points
        .iter()
        .map(|p| p.explored_fraction)
        .fold(0.0f64, f64::max);
    let fraction_max = if fraction_max > 0.0 {
        fraction_max
    } else {
        1.0
    };
    let learned_max = points
        .iter()
        .map(|p| p.good_runs_learned)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (plot_w, plot_h) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |runs: u64| {
        LEFT + plot_w
            * if runs_max <= 1.0 {
                1.0
            } else {
                (runs as f64 - 1.0) / (runs_max - 1.0)
            }
    };
    let y = |value: f64, max: f64| TOP + plot_h * (1.0 - value / max);
    let _ = write!(
        out,
        "<rect class=\"plot\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{plot_w}\" height=\"{plot_h}\"/>"
    );
    let step = points.len().div_ceil(800).max(1);
    let thinned: Vec<&CoveragePoint> = points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == points.len())
        .map(|(_, p)| p)
        .collect();
    let line = |class: &str, value: &dyn Fn(&CoveragePoint) -> f64, max: f64| {
        let mut text = format!("<polyline class=\"{class}\" points=\"");
        for (i, p) in thinned.iter().enumerate() {
            let _ = write!(
                text,
                "{}{:.1},{:.1}",
                if i == 0 { "" } else { " " },
                x(p.runs),
                y(value(p), max)
            );
        }
        text.push_str("\"/>");
        text
    };
    out.push_str(&line("fraction", &|p| p.explored_fraction, fraction_max));
    out.push_str(&line(
        "learned",
        &|p| p.good_runs_learned as f64,
        learned_max,
    ));
    let label = |out: &mut String, x: f64, y: f64, anchor: &str, text: &str| {
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
            html(text)
        );
    };
    label(
        &mut out,
        LEFT - 6.0,
        TOP + 4.0,
        "end",
        &format!("{fraction_max:.2e}"),
    );
    label(&mut out, LEFT - 6.0, TOP + plot_h + 4.0, "end", "0");
    label(
        &mut out,
        W - RIGHT + 6.0,
        TOP + 4.0,
        "start",
        &format!("{learned_max:.0}"),
    );
    label(&mut out, W - RIGHT + 6.0, TOP + plot_h + 4.0, "start", "0");
    label(&mut out, LEFT, H - BOTTOM + 16.0, "start", "1");
    label(
        &mut out,
        W - RIGHT,
        H - BOTTOM + 16.0,
        "end",
        &format!("{runs_max:.0}"),
    );
    label(
        &mut out,
        LEFT + plot_w / 2.0,
        H - BOTTOM + 16.0,
        "middle",
        "runs",
    );
    out.push_str(
        "<text class=\"fraction\" x=\"70\" y=\"214\">— explored fraction (left)</text>\
         <text class=\"learned\" x=\"580\" y=\"214\" text-anchor=\"end\">— good runs learned from (right)</text></svg>",
    );
    out
}
