//! A report as columns and rows of text, and its CSV and JSON files.

use serde_json::{json, Map, Value};

/// A report as columns and rows of text.
#[derive(Debug, Default)]
pub struct Report {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl Report {
    pub(super) fn csv(&self) -> String {
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| {
                    if c.contains([',', '"', '\n']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut out = line(self.columns.iter().map(|c| (*c).to_owned()).collect());
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row.clone()));
            out.push('\n');
        }
        out
    }

    // Text inferred: the JSON report's layout; one object per row keyed by column name.
    pub(super) fn json(&self, template: &str) -> String {
        let items: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                Value::Object(
                    self.columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| ((*c).to_owned(), json!(v)))
                        .collect::<Map<String, Value>>(),
                )
            })
            .collect();
        json!({"reportTemplate": template, "reportItems": items}).to_string()
    }
}
