//! `keyhole scenario list | show | run | new`: the scenario library from a terminal. Each
//! command returns its text and exit status, so tests run them without a process.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use super::format::{Outcome, Step};
use super::load::{self, library, Loaded, ScenarioError, SCENARIO_FILE};
use super::run::{describe, run as run_one, Comparison, Report};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// What a command prints and the exit status it ends with.
pub struct Printed {
    pub text: String,
    pub status: i32,
}

fn failed(errors: &[ScenarioError]) -> Printed {
    let mut text = String::new();
    for e in errors {
        let _ = writeln!(text, "{e}");
    }
    Printed { text, status: 2 }
}

/// Name, one line and the failing check of every scenario under `root`.
pub fn list(root: &Path, format: Format) -> Printed {
    let scenarios = match library(root) {
        Ok(s) => s,
        Err(errors) => return failed(&errors),
    };
    let text = match format {
        Format::Json => {
            let rows: Vec<Value> = scenarios
                .iter()
                .map(|l| json!({"name": l.name, "summary": l.scenario.summary, "failingCheck": l.scenario.failing_check}))
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            )
        }
        Format::Markdown => {
            let mut t =
                String::from("| Scenario | What you see | Failing check |\n|---|---|---|\n");
            for l in &scenarios {
                let _ = writeln!(
                    t,
                    "| [{name}](scenarios/{name}/) | {} | {} |",
                    cell(&l.scenario.summary),
                    cell(&l.scenario.failing_check),
                    name = l.name
                );
            }
            t
        }
        Format::Text => {
            let width = scenarios.iter().map(|l| l.name.len()).max().unwrap_or(0);
            let mut t = String::new();
            for l in &scenarios {
                let _ = writeln!(
                    t,
                    "{:width$}  {}\n{:width$}  failing check: {}",
                    l.name, l.scenario.summary, "", l.scenario.failing_check
                );
            }
            t
        }
    };
    Printed { text, status: 0 }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// One scenario's steps and policies, readable.
pub fn show(root: &Path, name: &str) -> Printed {
    let loaded = match load::load(&root.join(name)) {
        Ok(l) => l,
        Err(e) => return failed(&[e]),
    };
    let s = &loaded.scenario;
    let mut t = format!("{}\n{}\n\n{}\n", loaded.name, s.title, s.summary);
    for source in &s.documentation {
        let _ = writeln!(t, "  see: {} <{}>", source.title, source.url);
    }
    let _ = writeln!(t, "\nAccounts (Region {}):", s.region);
    for a in &s.accounts {
        let _ = writeln!(t, "  {:12} {} ({:?})", a.name, a.id, a.role);
    }
    let mut policies = Vec::new();
    for (title, steps) in [("Setup", &s.setup), ("Check", &s.check), ("Fix", &s.fix)] {
        let _ = writeln!(t, "\n{title}:");
        for (i, step) in steps.iter().enumerate() {
            show_step(&mut t, i + 1, step, &mut policies);
        }
        if title == "Check" {
            let _ = writeln!(t, "  before the fix: {}", outcome_line(&s.broken));
        }
    }
    let _ = writeln!(
        t,
        "  after the fix (the check again): {}",
        outcome_line(&s.fixed)
    );
    for file in policies {
        let _ = writeln!(t, "\n{file}:");
        match loaded.file_text(&file) {
            Ok(text) => t.push_str(text.trim_end()),
            Err(e) => t.push_str(&e.to_string()),
        }
        t.push('\n');
    }
    Printed { text: t, status: 0 }
}

fn show_step(t: &mut String, n: usize, step: &Step, policies: &mut Vec<String>) {
    let _ = writeln!(t, "  {n}. {}", describe(step));
    if let Some(note) = &step.note {
        let _ = writeln!(t, "     {note}");
    }
    if let Some(input) = &step.input {
        collect_files(input, policies);
        let _ = writeln!(t, "     {}", input);
    }
}

fn collect_files(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::String(f)) = fields.get("$file") {
                if !out.contains(f) {
                    out.push(f.clone());
                }
            }
            fields.values().for_each(|v| collect_files(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_files(v, out)),
        _ => {}
    }
}

fn outcome_line(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Error(e) => format!("{} (HTTP {}): {}", e.code, e.status, e.message),
        Outcome::Output(paths) if paths.is_empty() => "succeeds".to_owned(),
        Outcome::Output(paths) => paths
            .iter()
            .map(|(p, v)| format!("{p} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Runs the named scenarios (all with `names` empty), each on a fresh emulator.
pub fn run(root: &Path, names: &[String], format: Format) -> Printed {
    let chosen: Result<Vec<Loaded>, Vec<ScenarioError>> = if names.is_empty() {
        library(root)
    } else {
        let (ok, errors): (Vec<_>, Vec<_>) = names
            .iter()
            .map(|n| load::load(&root.join(n)))
            .partition(Result::is_ok);
        if errors.is_empty() {
            Ok(ok.into_iter().filter_map(Result::ok).collect())
        } else {
            Err(errors.into_iter().filter_map(Result::err).collect())
        }
    };
    let scenarios = match chosen {
        Ok(s) => s,
        Err(errors) => return failed(&errors),
    };
    let reports: Vec<Report> = scenarios.iter().map(run_one).collect();
    let status = i32::from(reports.iter().any(|r| !r.passed));
    let text = match format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        ),
        Format::Text | Format::Markdown => {
            let mut t = String::new();
            for r in &reports {
                text_report(&mut t, r);
            }
            let passed = reports.iter().filter(|r| r.passed).count();
            let _ = writeln!(t, "{passed} of {} scenarios passed", reports.len());
            t
        }
    };
    Printed { text, status }
}

fn text_report(t: &mut String, r: &Report) {
    let verdict = if r.passed { "ok  " } else { "FAIL" };
    let _ = writeln!(t, "{verdict} {} ({:.0} ms)", r.name, r.milliseconds);
    if let Some(error) = &r.error {
        let _ = writeln!(t, "     {error}");
    }
    for (phase, comparison) in [("before the fix", &r.broken), ("after the fix", &r.fixed)] {
        if let Some(c) = comparison.as_ref().filter(|c| !c.matched) {
            side_by_side(t, phase, c);
        }
    }
}

/// Expected and actual in two columns, the differing lines marked.
fn side_by_side(t: &mut String, phase: &str, c: &Comparison) {
    let pretty = |v: &Value| -> Vec<String> {
        serde_json::to_string_pretty(v)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let (left, right) = (pretty(&c.expected), pretty(&c.actual));
    let width = left
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let _ = writeln!(t, "     {phase}:");
    let _ = writeln!(t, "       {:width$}   actual", "expected");
    for i in 0..left.len().max(right.len()) {
        let l = left.get(i).map_or("", String::as_str);
        let r = right.get(i).map_or("", String::as_str);
        let mark = if l == r { ' ' } else { '≠' };
        let _ = writeln!(t, "     {mark} {l:width$} │ {r}");
    }
    if let Some(decision) = &c.decision {
        let _ = writeln!(t, "       decision record: {decision}");
    }
}

/// A new scenario folder from a template that loads and runs: edit it from there.
pub fn new(root: &Path, name: &str) -> Printed {
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_name {
        return Printed {
            text: format!(
                "keyhole: a scenario name is lowercase words joined by -, not {name:?}\n"
            ),
            status: 2,
        };
    }
    let dir = root.join(name);
    if dir.exists() {
        return Printed {
            text: format!("keyhole: {} exists already\n", dir.display()),
            status: 2,
        };
    }
    let written = std::fs::create_dir_all(dir.join("policies"))
        .and_then(|()| std::fs::write(dir.join(SCENARIO_FILE), TEMPLATE))
        .and_then(|()| std::fs::write(dir.join("policies/key-policy.json"), TEMPLATE_POLICY));
    if let Err(e) = written {
        return Printed {
            text: format!("keyhole: cannot write {}: {e}\n", dir.display()),
            status: 1,
        };
    }
    Printed {
        text: format!(
            "created {}: edit {SCENARIO_FILE}, then `keyhole scenario run {name}`\n",
            dir.display()
        ),
        status: 0,
    }
}

/// The template `scenario new` writes: a key used before its alias exists.
pub const TEMPLATE: &str = include_str!("template/scenario.json");
const TEMPLATE_POLICY: &str = include_str!("template/key-policy.json");
