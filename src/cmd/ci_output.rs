//! CI output for searches: JUnit XML (`--junit FILE`, one test case per search) and GitHub
//! Actions workflow commands plus a Markdown job summary (`--github`).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// One search, as CI sees it.
#[derive(Debug, Clone)]
pub(crate) struct CiCase {
    /// `explore ack-deliv 8/7/1/0 (ldfi, seed 0)`.
    pub name: String,
    /// `certified`, `counterexample`, `no_counterexample`, `inconclusive`, `nondeterminism`.
    pub verdict: String,
    /// One line: what failed or why it is inconclusive.
    pub message: Option<String>,
    /// The reproducer of the first counterexample.
    pub reproducer: Option<String>,
    /// Runs executed.
    pub runs: u64,
    /// Wall time.
    pub seconds: f64,
    /// Summary lines (runs, fault space, explored fraction, store).
    pub details: Vec<String>,
}

impl CiCase {
    fn failed(&self) -> bool {
        matches!(self.verdict.as_str(), "counterexample" | "nondeterminism")
    }
}

/// Writes `cases` as one JUnit test suite `faultline` to `path`.
pub(crate) fn write_junit(path: &Path, cases: &[CiCase]) -> anyhow::Result<()> {
    let mut report = Report::new("faultline");
    let mut suite = TestSuite::new("faultline");
    for case in cases {
        let status = match case.verdict.as_str() {
            "certified" | "no_counterexample" => TestCaseStatus::success(),
            "inconclusive" => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_type("inconclusive");
                if let Some(message) = &case.message {
                    status.set_message(message.as_str());
                }
                status
            }
            verdict => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_type(verdict);
                let message = case.message.clone().unwrap_or_else(|| verdict.to_string());
                status.set_message(message.as_str());
                if let Some(line) = &case.reproducer {
                    status.set_description(format!("reproduce: {line}"));
                }
                status
            }
        };
        let mut test = TestCase::new(case.name.as_str(), status);
        test.set_classname("faultline.explore");
        test.set_time(std::time::Duration::from_secs_f64(case.seconds.max(0.0)));
        test.set_system_out(case.details.join("\n"));
        suite.add_test_case(test);
    }
    report.add_test_suite(suite);
    let xml = report
        .to_string()
        .context("cannot serialize the JUnit report")?;
    std::fs::write(path, xml).with_context(|| format!("{}: cannot write", path.display()))
}

/// GitHub's limits: at most 10 error annotations per step are shown, and a step summary may
/// be at most 1 MiB; we stay well inside both and say what was left out.
const ANNOTATIONS_MAX: usize = 10;
const SUMMARY_BYTES_MAX: usize = 512 * 1024;

/// Escapes a workflow command's message (`%`, CR, LF), as the runner expects.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes text for a Markdown table cell (no HTML, no pipes, no newlines).
fn markdown_cell(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => "\\|".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '`' => "'".to_string(),
            '\n' | '\r' => " ".to_string(),
            c if c.is_control() => String::new(),
            c => c.to_string(),
        })
        .collect()
}

/// `::error` annotations for failed searches (stdout) and a Markdown summary appended to
/// `$GITHUB_STEP_SUMMARY` when it is set. Returns the annotation lines written.
pub(crate) fn write_github(cases: &[CiCase], out: &mut dyn Write) -> anyhow::Result<usize> {
    let failed: Vec<&CiCase> = cases.iter().filter(|case| case.failed()).collect();
    let mut lines = 0;
    for case in failed.iter().take(ANNOTATIONS_MAX) {
        let mut message = case.message.clone().unwrap_or_else(|| case.verdict.clone());
        if let Some(line) = &case.reproducer {
            message.push_str(&format!("\nreproduce: {line}"));
        }
        writeln!(
            out,
            "::error title={}::{}",
            escape_property(&format!("faultline: {} ({})", case.name, case.verdict)),
            escape_data(&message)
        )?;
        lines += 1;
    }
    if failed.len() > ANNOTATIONS_MAX {
        writeln!(
            out,
            "::warning title=faultline::{} more failed searches are in the job summary",
            failed.len() - ANNOTATIONS_MAX
        )?;
        lines += 1;
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let summary = markdown_summary(cases);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("{}: cannot open the step summary", path.display()))?;
        file.write_all(summary.as_bytes())
            .with_context(|| format!("{}: cannot write the step summary", path.display()))?;
    }
    Ok(lines)
}

/// The job summary: one table row per search, the reproducers below.
pub(crate) fn markdown_summary(cases: &[CiCase]) -> String {
    let mut text = String::from(
        "## faultline\n\n| search | verdict | runs | seconds |\n| --- | --- | --- | --- |\n",
    );
    let mut omitted = 0;
    for case in cases {
        let row = format!(
            "| {} | {} | {} | {:.2} |\n",
            markdown_cell(&case.name),
            markdown_cell(&case.verdict),
            case.runs,
            case.seconds
        );
        if text.len() + row.len() > SUMMARY_BYTES_MAX {
            omitted += 1;
            continue;
        }
        text.push_str(&row);
    }
    for case in cases
        .iter()
        .filter(|case| case.failed() || case.message.is_some())
    {
        let mut block = format!(
            "\n**{}**: {}\n",
            markdown_cell(&case.name),
            markdown_cell(&case.verdict)
        );
        if let Some(message) = &case.message {
            block.push_str(&format!("\n{}\n", markdown_cell(message)));
        }
        if let Some(line) = &case.reproducer {
            block.push_str(&format!("\n```sh\n{}\n```\n", line.replace("```", "'''")));
        }
        if text.len() + block.len() > SUMMARY_BYTES_MAX {
            omitted += 1;
            continue;
        }
        text.push_str(&block);
    }
    if omitted > 0 {
        text.push_str(&format!(
            "\n({omitted} entries left out: GitHub limits a step summary to 1 MiB)\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(verdict: &str) -> CiCase {
        CiCase {
            name: "explore simple-deliv 4/2/0/0 (ldfi, seed 0)".into(),
            verdict: verdict.into(),
            message: Some("the invariant is violated:\nc has it, b not; 100% sure".into()),
            reproducer: Some("faultline run --sut simple-deliv --faults '[]'".into()),
            runs: 2,
            seconds: 0.01,
            details: vec!["runs: 2".into()],
        }
    }

    #[test]
    fn annotations_escape_newlines_percent_and_separators() {
        let mut out = Vec::new();
        let lines = write_github(&[case("counterexample"), case("certified")], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(lines, 1, "{text}");
        assert_eq!(text.lines().count(), 1, "one line per annotation: {text}");
        assert!(text.starts_with("::error title=faultline%3A explore simple-deliv 4/2/0/0 (ldfi%2C seed 0) (counterexample)::"), "{text}");
        assert!(
            text.contains("violated:%0Ac has it, b not; 100%25 sure%0Areproduce: faultline run"),
            "{text}"
        );
    }

    #[test]
    fn at_most_ten_annotations_then_a_pointer_to_the_summary() {
        let cases = vec![case("counterexample"); 13];
        let mut out = Vec::new();
        assert_eq!(write_github(&cases, &mut out).unwrap(), 11);
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with(
            "::warning title=faultline::3 more failed searches are in the job summary\n"
        ));
    }

    #[test]
    fn the_summary_has_no_html_and_stays_under_the_limit() {
        let mut hostile = case("counterexample");
        hostile.name = "<script>alert(1)</script> | x".into();
        let summary = markdown_summary(&vec![hostile; 20_000]);
        assert!(!summary.contains("<script>"));
        assert!(summary.len() <= SUMMARY_BYTES_MAX + 200);
        assert!(summary.contains("entries left out"));
    }
}
