//! Renders an [`ApiDiff`] as Markdown, for `cargo xtask diff` and the crate's changelog.

use super::changes::{ApiDiff, Impact, OperationDiff, Status};

pub fn render(diff: &ApiDiff, level: usize) -> String {
    let h = |extra: usize| "#".repeat(level + extra);
    let mut out = format!(
        "{} API changes from {} to {}\n\n",
        h(0),
        diff.old_version,
        diff.new_version
    );
    let count = |status| diff.with_status(status).count();
    let (added, removed, changed, docs) = (
        count(Status::Added),
        count(Status::Removed),
        count(Status::Changed),
        count(Status::DocumentationOnly),
    );
    let verdict = match diff.impact() {
        None => "nothing changes".to_string(),
        Some(Impact::Documentation) => "only documentation changes".to_string(),
        Some(impact) => format!("this update is *{}*", impact.label()),
    };
    out.push_str(&format!(
        "For users of the generated crate {verdict}: {total} {ops} differ ({added} added, {removed} removed, {changed} changed, {docs} documentation-only).\n",
        total = diff.operations.len(),
        ops = if diff.operations.len() == 1 { "operation" } else { "operations" },
    ));
    if !diff.corrections.is_empty() {
        out.push_str(&format!("\n{} Spec corrections\n\n", h(1)));
        out.push_str(
            "Known errors of the API description corrected before generation (`specs/corrections.json`); \
             what they change in the types is listed with the operations below.\n\n",
        );
        for change in &diff.corrections {
            let verb = if change.added { "added" } else { "removed" };
            out.push_str(&format!("- {verb}: {}\n", change.line));
        }
    }
    let sections = [
        (Status::Added, "Added operations"),
        (Status::Removed, "Removed operations"),
        (Status::Changed, "Changed operations"),
    ];
    for (status, title) in sections {
        let ops: Vec<&OperationDiff> = diff.with_status(status).collect();
        if ops.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{} {title}\n", h(1)));
        for op in ops {
            out.push_str(&format!(
                "\n{} `{}` (`{}`)\n\n",
                h(2),
                op.operation_id,
                op.route
            ));
            for change in &op.changes {
                out.push_str(&format!("- *{}*: {}\n", change.impact.label(), change.text));
            }
            if !op.docs.is_empty() {
                out.push_str(&format!(
                    "- *{}*: {}\n",
                    Impact::Documentation.label(),
                    op.docs.join("; ")
                ));
            }
        }
    }
    let docs: Vec<&OperationDiff> = diff.with_status(Status::DocumentationOnly).collect();
    if !docs.is_empty() {
        out.push_str(&format!(
            "\n{} Documentation-only changes\n\nThe Rust API of these operations is unchanged; their rustdoc changes.\n\n",
            h(1)
        ));
        for op in docs {
            out.push_str(&format!(
                "- `{}` (`{}`): {}\n",
                op.operation_id,
                op.route,
                op.docs.join("; ")
            ));
        }
    }
    out
}
