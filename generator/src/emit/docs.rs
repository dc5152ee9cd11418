//! Rustdoc from spec prose. Spec descriptions are Markdown written for a web page: indented
//! lines and fenced blocks would become doctests that rustdoc tries to compile, so they are
//! neutralised here.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Operation};

/// `#[doc]` attributes for the given paragraphs (empty ones are skipped), one per line.
pub fn doc_attrs<'a>(paragraphs: impl IntoIterator<Item = Option<&'a str>>) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in paragraphs.into_iter().flatten() {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(sanitize(paragraph));
    }
    let lines = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote!(#(#[doc = #lines])*)
}

/// Docs of an input: its wire name in code style, then the description on the same line when
/// that starts as plain prose (one line instead of a separate "Sets `x`." paragraph).
pub fn labelled_doc_attrs(wire: &str, description: Option<&str>) -> TokenStream {
    let label = code(wire);
    match description.map(str::trim) {
        Some(text) if text.starts_with(|c: char| c.is_alphanumeric()) => {
            doc_attrs([Some(format!("{label}: {text}").as_str())])
        }
        Some(text) if !text.is_empty() => doc_attrs([Some(label.as_str()), Some(text)]),
        _ => doc_attrs([Some(format!("Sets {label}.").as_str())]),
    }
}

fn sanitize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("```") {
            // A fence's language decides whether rustdoc compiles it: only `text` is safe.
            if in_fence {
                out.push("```".to_string());
            } else {
                let _ = rest;
                out.push("```text".to_string());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.trim_end().to_string());
        } else {
            // Leading indentation would make an indented code block (a doctest).
            out.push(escape_prose(trimmed));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    // Collapse runs of blank lines.
    out.dedup_by(|a, b| a.is_empty() && b.is_empty());
    out
}

/// Keeps rustdoc from reading spec prose as Rust documentation syntax, outside inline code:
/// `[optional]` is not an intra-doc link, `<option>` is not an HTML tag, and bare URLs become
/// autolinks. Markdown links `[text](url)` stay links.
fn escape_prose(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (i, segment) in line.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(segment);
            continue;
        }
        let chars: Vec<char> = segment.chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let rest: String = chars[j..].iter().collect();
            if rest.starts_with("http://") || rest.starts_with("https://") {
                let end = chars[j..]
                    .iter()
                    .position(|c| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\''))
                    .map_or(chars.len(), |n| j + n);
                let mut url: String = chars[j..end].iter().collect();
                let mut trailing = String::new();
                while url.ends_with(['.', ',', ';', ':']) {
                    trailing.insert(0, url.pop().unwrap_or_default());
                }
                // Inside `(...)` of a Markdown link the URL is already a link target.
                if out.ends_with("](") {
                    out.push_str(&url);
                } else {
                    out.push('<');
                    out.push_str(&url);
                    out.push('>');
                }
                out.push_str(&trailing);
                j = end;
                continue;
            }
            match chars[j] {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '[' => {
                    // `[text](` opens a Markdown link; any other bracket is literal.
                    let closes = chars[j..].iter().position(|c| *c == ']').map(|n| j + n);
                    if closes.is_some_and(|k| chars.get(k + 1) == Some(&'(')) {
                        out.push('[');
                    } else {
                        out.push_str("\\[");
                    }
                }
                ']' if chars.get(j + 1) != Some(&'(') => out.push_str("\\]"),
                c => out.push(c),
            }
            j += 1;
        }
    }
    out
}

/// Inline code for rustdoc: `text` in backticks, or plain when it holds backticks itself.
pub fn code(text: &str) -> String {
    if text.contains('`') {
        text.to_string()
    } else {
        format!("`{text}`")
    }
}

/// Where an operation comes from, for operations that are not the base document's: which
/// newer document defines it, and which older definition it replaces.
pub fn source_note(api: &Api, op: &Operation) -> Option<String> {
    let source = &api.sources[op.source];
    if source.base {
        return None;
    }
    let base = api.base_source()?;
    let replaced = api
        .superseded
        .iter()
        .filter(|s| s.operation_id == op.operation_id)
        .map(|s| {
            let old = &api.sources[s.replaced];
            format!("v{} (`{}`)", old.version, old.file)
        })
        .collect::<Vec<_>>();
    let mut note = format!(
        "Defined by `{}`, version {} of the API description, newer than the crate's base version {}",
        source.file, source.version, base.version
    );
    if replaced.is_empty() {
        note.push('.');
    } else {
        note.push_str(&format!(
            "; it replaces the definition of {}.",
            replaced.join(", ")
        ));
    }
    Some(note)
}

/// Markdown lines saying which documents the API was merged from: the base document, and each
/// operation a newer document adds or replaces (with both versions). Shared by the crate docs,
/// its README and the changelog, so they tell the same story.
pub fn provenance_lines(api: &Api) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(base) = api.base_source() else {
        return lines;
    };
    lines.push(format!(
        "Base document: `{}`, version {} of the API description ({} of the {} operations).",
        base.file,
        base.version,
        base.operations,
        api.operations.len()
    ));
    let newer: Vec<String> = api
        .operations_beyond_base()
        .map(|(op, source)| {
            let replaced: Vec<String> = api
                .superseded
                .iter()
                .filter(|s| s.operation_id == op.operation_id)
                .map(|s| format!("replaces v{}", api.sources[s.replaced].version))
                .collect();
            let what = if replaced.is_empty() {
                "not in the base document".to_string()
            } else {
                replaced.join(", ")
            };
            format!(
                "- `{}`: v{} from `{}` ({what})",
                op.operation_id, source.version, source.file
            )
        })
        .collect();
    if !newer.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Operations from other documents ({}; each newer definition of an operation wins):",
            newer.len()
        ));
        lines.push(String::new());
        lines.extend(newer);
    }
    lines
}

/// Markdown lines listing the spec corrections applied, for the crate docs and README (the
/// changelog lists the ones an update adds or removes, see `diff::markdown`).
pub fn correction_lines(api: &Api) -> Vec<String> {
    let applied: Vec<String> = api
        .corrections
        .iter()
        .filter(|c| c.stale.is_none())
        .map(|c| format!("- {}", c.line()))
        .collect();
    if applied.is_empty() {
        return applied;
    }
    let mut lines = vec![
        format!(
            "Spec corrections applied (`specs/corrections.json`, {}): each makes the types follow what the API really sends.",
            applied.len()
        ),
        String::new(),
    ];
    lines.extend(applied);
    lines
}

/// The spec corrections that apply to an operation, for its docs (stale ones changed nothing).
pub fn correction_note(api: &Api, op: &Operation) -> Option<String> {
    let lines: Vec<String> = api
        .corrections
        .iter()
        .filter(|c| c.operation_id == op.operation_id && c.stale.is_none())
        .map(|c| format!("{}: {}", c.what, c.reason))
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "Corrected from the API description (`specs/corrections.json`), because real responses differ: {}.",
        lines.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::escape_prose;

    #[test]
    fn prose_is_not_read_as_links_or_html() {
        assert_eq!(
            escape_prose("Filter [optional] by <option>"),
            "Filter \\[optional\\] by &lt;option&gt;"
        );
        assert_eq!(
            escape_prose("See https://meraki.io/api."),
            "See <https://meraki.io/api>."
        );
        assert_eq!(
            escape_prose("[API docs](https://meraki.io/api)"),
            "[API docs](https://meraki.io/api)"
        );
        assert_eq!(
            escape_prose("use `startDate[<option>]=?` here"),
            "use `startDate[<option>]=?` here"
        );
    }
}
