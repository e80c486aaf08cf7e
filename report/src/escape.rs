//! Everything from the input (payloads, node names, facts, spec text) reaches the page through
//! one of these two doors: [`html`] for text in markup and attributes, [`script_json`] for the
//! data block. The page's script then builds the DOM with `textContent`, never `innerHTML`.

/// Control characters but tab and newlines: a page printed to a terminal (`-o -`, `trace
/// show --html`) must not carry a trace's terminal escapes, and HTML has no use for them.
fn is_hidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `text` escaped for HTML text and quoted attribute values: `& < > " '`, and control
/// characters shown as `\u{1b}` (visible, and inert in a terminal).
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden_control(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `value` as JSON that is safe inside `<script type="application/json">`: every `<`, `>`
/// and `&` becomes a `\u` escape (so no `</script`, `<!--` or `<script` can appear), and so
/// do U+2028 and U+2029 (line terminators to JavaScript engines before ES2019) and the
/// control characters JSON leaves raw (DEL, C1: `\u{9b}` starts an escape in some terminals).
/// These characters can only occur inside JSON strings, where the escapes mean the same text.
pub fn script_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if is_hidden_control(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<img src=x onerror="a('1')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn script_json_cannot_close_the_script_and_parses_back() {
        let hostile = serde_json::json!({
            "p": "</script><script>alert(1)</script><!-- \u{2028}\u{2029} &amp;",
            "</script>": ["<!--"],
        });
        let text = script_json(&hostile);
        for bad in [
            "</script", "<script", "<!--", "\u{2028}", "\u{2029}", "<", ">", "&",
        ] {
            assert!(!text.contains(bad), "{bad:?} in {text}");
        }
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, hostile);
    }

    #[test]
    fn no_control_character_reaches_the_page_raw() {
        let hostile = "a\u{1b}[31mred\u{7}\u{9b}2J\u{7f}\tb\n";
        let text = html(hostile);
        assert_eq!(text, "a\\u{1b}[31mred\\u{7}\\u{9b}2J\\u{7f}\tb\n");
        let json = script_json(&serde_json::json!({ hostile: hostile }));
        assert!(
            !json.chars().any(is_hidden_control),
            "{json:?} carries a control character"
        );
        let back: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(back[hostile], hostile);
    }
}
