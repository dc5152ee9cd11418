//! Writing responses: JSON, NDJSON, CSV and tables, with `--fields` picking members by dotted
//! path. Items of paginated operations are written as they arrive (JSON as one array, NDJSON a
//! line each, CSV a row each); only the table waits for every row, to size its columns.

use std::io::{self, Write};

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Ndjson,
    Table,
    Csv,
}

impl Format {
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "json" => Format::Json,
            "ndjson" => Format::Ndjson,
            "table" => Format::Table,
            "csv" => Format::Csv,
            _ => return None,
        })
    }
}

pub struct Output<W: Write> {
    format: Format,
    fields: Option<Vec<String>>,
    /// The scalar fields of the response's items, as the model declares them.
    model_columns: &'static [&'static str],
    out: W,
    /// The terminal's width, for the table.
    width: Option<usize>,
    items: usize,
    csv_columns: Option<Vec<String>>,
    rows: Vec<Value>,
    /// Shown on stderr after a table that does not show every column.
    pub note: Option<String>,
}

impl<W: Write> Output<W> {
    pub fn new(
        format: Format,
        fields: Option<Vec<String>>,
        model_columns: &'static [&'static str],
        out: W,
        width: Option<usize>,
    ) -> Self {
        Output {
            format,
            fields,
            model_columns,
            out,
            width,
            items: 0,
            csv_columns: None,
            rows: Vec::new(),
            note: None,
        }
    }

    /// A whole (not paginated) response.
    pub fn value(&mut self, value: Value) -> io::Result<()> {
        match (self.format, value) {
            (_, Value::Null) => Ok(()),
            (Format::Json, value) => {
                let value = self.project(value);
                serde_json::to_writer_pretty(&mut self.out, &value)?;
                self.out.write_all(b"\n")
            }
            (Format::Table, Value::Object(object)) => {
                let table = self.vertical(object);
                writeln!(self.out, "{table}")
            }
            (_, Value::Array(items)) => {
                for item in items {
                    self.item(item)?;
                }
                self.finish()
            }
            (Format::Table | Format::Csv, value) if !value.is_object() => {
                writeln!(self.out, "{}", cell(&value))
            }
            (_, value) => {
                self.item(value)?;
                self.finish()
            }
        }
    }

    /// One item of a list or of a page, written at once (kept for a table).
    pub fn item(&mut self, item: Value) -> io::Result<()> {
        self.items += 1;
        match self.format {
            Format::Json => {
                let item = self.project(item);
                let text = serde_json::to_string_pretty(&item)?;
                self.out
                    .write_all(if self.items == 1 { b"[\n" } else { b",\n" })?;
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        self.out.write_all(b"\n")?;
                    }
                    write!(self.out, "  {line}")?;
                }
                Ok(())
            }
            Format::Ndjson => {
                let item = self.project(item);
                serde_json::to_writer(&mut self.out, &item)?;
                self.out.write_all(b"\n")?;
                self.out.flush()
            }
            Format::Csv => {
                if self.csv_columns.is_none() {
                    let columns = match &self.fields {
                        Some(fields) => fields.clone(),
                        None if !item.is_object() => Vec::new(),
                        None if !self.model_columns.is_empty() => {
                            self.model_columns.iter().map(|c| c.to_string()).collect()
                        }
                        None => data_columns(std::slice::from_ref(&item)),
                    };
                    // Items that are not objects are one `value` column.
                    let header: Vec<String> = if columns.is_empty() {
                        vec!["value".into()]
                    } else {
                        columns.iter().map(|c| csv_field(c)).collect()
                    };
                    writeln!(self.out, "{}", header.join(","))?;
                    self.csv_columns = Some(columns);
                }
                let columns = self.csv_columns.as_deref().unwrap_or_default();
                if columns.is_empty() {
                    return writeln!(self.out, "{}", csv_field(&cell(&item)));
                }
                let row: Vec<String> = columns
                    .iter()
                    .map(|c| csv_field(&lookup(&item, c).map(cell).unwrap_or_default()))
                    .collect();
                writeln!(self.out, "{}", row.join(","))
            }
            Format::Table => {
                self.rows.push(item);
                Ok(())
            }
        }
    }

    /// Ends a list of items.
    pub fn finish(&mut self) -> io::Result<()> {
        match self.format {
            Format::Json if self.items == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
            Format::Table => {
                let rows = std::mem::take(&mut self.rows);
                if !rows.is_empty() {
                    let table = self.rows_table(&rows);
                    writeln!(self.out, "{table}")?;
                }
            }
            Format::Ndjson | Format::Csv => {}
        }
        self.out.flush()
    }

    pub fn items(&self) -> usize {
        self.items
    }

    /// `--fields` applied to a JSON value: an object with only those members, nested as in the
    /// response (`b.c` keeps `{"b": {"c": ...}}`).
    fn project(&self, value: Value) -> Value {
        let Some(fields) = &self.fields else {
            return value;
        };
        if !value.is_object() {
            return value;
        }
        let mut out = Map::new();
        for field in fields {
            if let Some(found) = lookup(&value, field) {
                insert_path(&mut out, field, found.clone());
            }
        }
        Value::Object(out)
    }

    fn new_table(&self) -> Table {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.set_content_arrangement(ContentArrangement::Dynamic);
        if let Some(width) = self.width {
            table.set_width(width as u16);
        }
        table
    }

    fn rows_table(&mut self, rows: &[Value]) -> Table {
        let scalar_rows = rows.iter().all(|r| !r.is_object());
        let columns: Vec<String> = match &self.fields {
            Some(fields) => fields.clone(),
            None if scalar_rows => Vec::new(),
            None => self.choose_columns(rows),
        };
        let mut table = self.new_table();
        if columns.is_empty() {
            table.set_header(["value"]);
            for row in rows {
                table.add_row([cell(row)]);
            }
            return table;
        }
        table.set_header(columns.iter().map(String::as_str));
        for row in rows {
            table.add_row(
                columns
                    .iter()
                    .map(|c| lookup(row, c).map(cell).unwrap_or_default()),
            );
        }
        table
    }

    /// The model's scalar fields that any row has (else the rows' own scalar members), in field
    /// order, as many as fit the terminal.
    fn choose_columns(&mut self, rows: &[Value]) -> Vec<String> {
        let present = |column: &str| {
            rows.iter()
                .any(|r| r.get(column).is_some_and(|v| !v.is_null()))
        };
        let mut candidates: Vec<String> = self
            .model_columns
            .iter()
            .filter(|c| present(c))
            .map(|c| c.to_string())
            .collect();
        if candidates.is_empty() {
            candidates = data_columns(rows);
        }
        let Some(width) = self.width else {
            return candidates;
        };
        let mut used = 1;
        let mut chosen = Vec::new();
        for column in &candidates {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(column.as_str()))
                .map(|v| cell(v).chars().count().min(24))
                .max()
                .unwrap_or(0)
                .max(column.chars().count().min(24));
            if !chosen.is_empty() && used + widest + 3 > width {
                break;
            }
            used += widest + 3;
            chosen.push(column.clone());
        }
        if chosen.len() < candidates.len() {
            self.note = Some(format!(
                "{} of {} columns shown ({}); pick them with --fields, or see everything with --output json",
                chosen.len(),
                candidates.len(),
                candidates[chosen.len()..].join(", ")
            ));
        }
        chosen
    }

    /// One object as `field | value` rows.
    fn vertical(&self, object: Map<String, Value>) -> Table {
        let value = Value::Object(object);
        let fields: Vec<String> = match &self.fields {
            Some(fields) => fields.clone(),
            None => value
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default(),
        };
        let mut table = self.new_table();
        table.set_header(["field", "value"]);
        for field in fields {
            let shown = lookup(&value, &field).map(cell).unwrap_or_default();
            table.add_row([field, shown]);
        }
        table
    }
}

/// The member at a dotted path (`a.b.0.c`; a number indexes an array).
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(found) = value.get(path) {
        return Some(found);
    }
    let mut current = value;
    for segment in path.split('.') {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn insert_path(out: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segments = path.split('.').peekable();
    let mut current = out;
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            current.insert(segment.to_owned(), value);
            return;
        }
        let entry = current
            .entry(segment.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        current = next;
    }
}

/// The scalar members (and lists of scalars) of the rows, in first-seen order.
fn data_columns(rows: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        let Some(object) = row.as_object() else {
            continue;
        };
        for (key, value) in object {
            let scalar = match value {
                Value::Array(items) => items.iter().all(|i| !i.is_object() && !i.is_array()),
                Value::Object(_) | Value::Null => false,
                _ => true,
            };
            if scalar && !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    columns
}

/// A value as a table or CSV cell: text as it is, lists of scalars comma-separated, anything
/// else as compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format, fields: Option<&[&str]>, value: Value) -> String {
        let mut out = Vec::new();
        let fields = fields.map(|f| f.iter().map(|s| s.to_string()).collect());
        Output::new(format, fields, &["id", "name"], &mut out, None)
            .value(value)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lists_of_scalars_are_one_value_column() {
        let list = json!(["a,b", "c"]);
        assert_eq!(
            render(Format::Csv, None, list.clone()),
            "value\n\"a,b\"\nc\n"
        );
        assert_eq!(
            render(Format::Ndjson, None, list.clone()),
            "\"a,b\"\n\"c\"\n"
        );
        let table = render(Format::Table, None, list);
        assert!(table.contains("value") && table.contains("a,b"), "{table}");
    }

    #[test]
    fn fields_keep_the_nesting_in_json_and_are_columns_elsewhere() {
        let item = json!({"id": "1", "a": {"b": 2, "c": 3}, "list": [{"x": 9}]});
        assert_eq!(
            render(Format::Ndjson, Some(&["a.b", "list.0.x"]), item.clone()),
            "{\"a\":{\"b\":2},\"list\":{\"0\":{\"x\":9}}}\n"
        );
        assert_eq!(
            render(Format::Csv, Some(&["id", "a.c", "missing"]), json!([item])),
            "id,a.c,missing\n1,3,\n"
        );
    }

    #[test]
    fn empty_lists_and_no_content() {
        assert_eq!(render(Format::Json, None, json!([])), "[]\n");
        assert_eq!(render(Format::Json, None, Value::Null), "");
        assert_eq!(render(Format::Table, None, json!([])), "");
        assert_eq!(
            render(Format::Json, None, json!([{"id": 1}, {"id": 2}])),
            "[\n  {\n    \"id\": 1\n  },\n  {\n    \"id\": 2\n  }\n]\n"
        );
    }

    #[test]
    fn cells() {
        assert_eq!(cell(&json!(["a", 1, true])), "a, 1, true");
        assert_eq!(cell(&json!([{"a": 1}])), "[{\"a\":1}]");
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
