//! A scenario's steps as the AWS CLI commands a learner types: the check that shows the
//! failure (with shell variables for what one step hands the next) and the fix (with its
//! policy files written out, references filled in).

use std::path::Path;

use serde_json::Value;

use super::command::{self, shell_quote};
use super::session::{profile_name, write_atomically};
use crate::protocol::ServiceId;
use crate::scenario::format::{Step, StepKind};
use crate::scenario::refs::Bindings;
use crate::scenario::Loaded;

/// The commands for `steps` of `scenario`; `$file` inputs are written into `files_dir`.
/// A capture that a later step uses and that `bindings` lacks becomes a shell variable:
/// `copyJob=$(aws backup start-copy-job ... --query CopyJobId --output text)`.
pub fn commands(
    scenario: &Loaded,
    steps: &[Step],
    bindings: &Bindings,
    files_dir: &Path,
) -> Result<Vec<String>, String> {
    let mut bindings = bindings.clone();
    let mut variables: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for step in steps {
        let call = match step.kind()? {
            StepKind::Call(call) => call,
            // What keyhole does not emulate (an EC2 volume re-encrypted, time passing) is
            // an admin call: the learner makes it with curl.
            StepKind::Declare(resource) => {
                out.push(admin_command(
                    "resources",
                    &bindings.substitute_value(resource),
                ));
                continue;
            }
            StepKind::AdvanceClock(seconds) => {
                out.push(admin_command(
                    "clock/advance",
                    &serde_json::json!({ "seconds": seconds }),
                ));
                continue;
            }
        };
        let (prefix, operation) = call.split_once(':').unwrap_or((call, ""));
        let service = ServiceId::from_signing_name(prefix)
            .ok_or_else(|| format!("keyhole does not serve {prefix}"))?;
        let mut files = Vec::new();
        let mut input = serde_json::Map::new();
        for (member, value) in step.input.iter().flat_map(|i| i.as_object()).flatten() {
            match value.get("$file").and_then(Value::as_str) {
                Some(relative) => {
                    let text = scenario
                        .file_text(relative)
                        .map_err(|e| format!("{relative}: {e}"))?;
                    std::fs::create_dir_all(files_dir)
                        .map_err(|e| format!("{}: {e}", files_dir.display()))?;
                    let name = relative.rsplit('/').next().unwrap_or(relative);
                    let path = files_dir.join(name);
                    write_atomically(&path, bindings.substitute(&text).as_bytes())?;
                    files.push((member.clone(), path.display().to_string()));
                    input.insert(member.clone(), Value::Null);
                }
                None => {
                    input.insert(member.clone(), bindings.substitute_value(value));
                }
            }
        }
        let profile = profile_name(step.actor.as_deref().unwrap_or_default());
        let mut text = command::render(service, operation, &profile, &Value::Object(input), &files);
        for v in &variables {
            // Expanded by the shell, so double quotes.
            text = text.replace(&format!("'${v}'"), &format!("\"${v}\""));
        }
        // Shell variables for captures the world does not know yet.
        let unknown: Vec<(&String, &String)> = step
            .capture
            .iter()
            .filter(|(name, _)| !bindings.captures.contains_key(*name))
            .collect();
        if let [(name, path)] = unknown.as_slice() {
            text = format!(
                "{name}=$({text} --query {} --output text)",
                shell_quote(path)
            );
            bindings
                .captures
                .insert((*name).clone(), format!("${name}"));
            variables.push((*name).clone());
        }
        out.push(text);
    }
    Ok(out)
}

/// `curl` posting `body` to keyhole's admin endpoint `/_keyhole/<path>`.
fn admin_command(path: &str, body: &Value) -> String {
    format!(
        "curl -s -X POST \"$AWS_ENDPOINT_URL/_keyhole/{path}\" -H 'Content-Type: application/json' -d {}",
        shell_quote(&body.to_string())
    )
}
