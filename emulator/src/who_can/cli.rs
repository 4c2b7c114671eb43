//! `keyhole policy who-can ACTION RESOURCE`: asks a running keyhole (`--endpoint`) or a
//! saved world (`--state`, a `GET /_keyhole/state` document loaded into an in-process
//! emulator), and prints the answer for a person or as JSON. Exit status 0 when at least one
//! principal is allowed, 1 when none is, 2 when the question could not be asked.

use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

use crate::lab::client;
use crate::Emulator;

/// How `keyhole policy who-can` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Where the world is: a running keyhole, or a saved state document.
pub enum Source<'a> {
    Endpoint(&'a str),
    State(&'a Path),
}

/// What to print and the exit status.
pub struct Printed {
    pub text: String,
    pub status: i32,
}

pub fn run(action: &str, resource: &str, source: Source, format: Format) -> Printed {
    let answer = match source {
        Source::Endpoint(endpoint) => ask_endpoint(endpoint, action, resource),
        Source::State(file) => ask_state(file, action, resource),
    };
    match answer {
        Ok(answer) => print(&answer, format),
        Err(reason) => Printed {
            text: format!("keyhole: {reason}\n"),
            status: 2,
        },
    }
}

fn ask_endpoint(endpoint: &str, action: &str, resource: &str) -> Result<Value, String> {
    match client::call(endpoint, "GET", &super::path(action, resource)) {
        Ok((200, answer)) => Ok(answer),
        Ok((status, body)) => Err(format!(
            "keyhole at {endpoint} answered HTTP {status}: {}",
            body["error"].as_str().unwrap_or("(no reason given)")
        )),
        Err(reason) => Err(format!(
            "cannot ask keyhole at {endpoint}: {reason}. Start it with `keyhole serve`, pass its address with --endpoint, or ask a saved world with --state FILE (a GET /_keyhole/state document)"
        )),
    }
}

fn ask_state(file: &Path, action: &str, resource: &str) -> Result<Value, String> {
    let shown = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let state: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{shown} is not JSON ({e}); save a world with `curl http://127.0.0.1:4566/_keyhole/state > {shown}`"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let emulator = Emulator::start()
            .await
            .map_err(|e| format!("cannot start an in-process keyhole: {e}"))?;
        let asked = match emulator.load_state(&state) {
            Ok(()) => emulator.who_can(action, resource).map_err(|e| e.message),
            Err(e) => Err(format!("{shown}: {}", e.message)),
        };
        emulator.stop().await;
        asked
    })
}

fn print(answer: &Value, format: Format) -> Printed {
    let list = |name: &str| answer[name].as_array().cloned().unwrap_or_default();
    let (allowed, denied) = (list("allowed"), list("denied"));
    let status = if allowed.is_empty() { 1 } else { 0 };
    let text = match format {
        Format::Json => format!("{answer:#}\n"),
        Format::Text => text(answer, &allowed, &denied),
    };
    Printed { text, status }
}

fn text(answer: &Value, allowed: &[Value], denied: &[Value]) -> String {
    let s = |v: &Value, name: &str| v[name].as_str().unwrap_or_default().to_owned();
    let mut out = format!(
        "who can {} on {}\n",
        s(answer, "action"),
        s(answer, "resource")
    );
    let _ = writeln!(out, "allowed ({}):", allowed.len());
    for entry in allowed {
        let _ = writeln!(out, "  {}", s(entry, "principal"));
        match entry["grantId"].as_str() {
            Some(grant) => {
                let _ = writeln!(out, "    by KMS grant {grant}");
            }
            None => {
                let _ = writeln!(out, "    by the {}", s(entry, "layer"));
            }
        }
        let statements = entry["statements"].as_array().map_or(0, Vec::len);
        if statements == 0 && s(entry, "principal").ends_with(":root") {
            // The engine names no statement: a root user needs none in its own account.
            out.push_str(
                "      no statement needed: the account's root user, in its own account\n",
            );
        }
        for st in entry["statements"].as_array().into_iter().flatten() {
            let sid = st["sid"]
                .as_str()
                .map(|sid| format!(" Sid \"{sid}\""))
                .unwrap_or_default();
            let at = match (st["line"].as_u64(), st["column"].as_u64()) {
                (Some(line), Some(column)) => format!(" at line {line} column {column}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "      statement #{}{sid}{at} of {}",
                st["index"],
                s(st, "policy")
            );
        }
    }
    let _ = writeln!(out, "denied ({}):", denied.len());
    for entry in denied {
        let _ = writeln!(
            out,
            "  {} ({} by the {})",
            s(entry, "principal"),
            s(entry, "decision"),
            s(entry, "layer")
        );
        let _ = writeln!(out, "    {}", s(entry, "message"));
    }
    if allowed.is_empty() {
        out.push_str("No principal of this world may do this (exit status 1).\n");
    }
    out
}
