//! Rustdoc from spec prose. Spec descriptions are Markdown written for a web page: indented
//! lines and fenced blocks would become doctests that rustdoc tries to compile, so they are
//! neutralised here.

use proc_macro2::TokenStream;
use quote::quote;

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
            out.push(trimmed.to_string());
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    // Collapse runs of blank lines.
    out.dedup_by(|a, b| a.is_empty() && b.is_empty());
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
