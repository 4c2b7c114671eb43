//! A check's answer for people (text), for programs (JSON) and for code-scanning tools
//! (SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it).

use std::fmt::Write;

use serde_json::{json, Value};

use crate::policy::decision::MatchedStatement;
use crate::policy::model::Effect;
use crate::policy::request::Request;

use super::checks::{CheckResult, Verdict, Witness};
use super::subject::Subject;

/// How `keyhole policy check-*` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
}

/// The exit status: 0 PASS, 1 FAIL, 3 cannot decide (2 is a usage or input error).
pub fn exit_status(result: &CheckResult) -> i32 {
    match result.verdict {
        Verdict::Pass => 0,
        Verdict::Fail => 1,
        Verdict::Undecidable => 3,
    }
}

/// The condition keys the request carries beyond those derived from the principal and the
/// resource, as `key = value` pairs.
fn context_pairs(r: &Request) -> Vec<(String, Vec<String>)> {
    use super::literals::DERIVED_KEYS;
    const BUILDER_DEFAULTS: [&str; 1] = ["aws:viaawsservice"];
    r.context
        .iter()
        .filter(|e| {
            let lc = e.name.to_ascii_lowercase();
            // The root user's ID is its account: derived, not chosen.
            let derived_id = lc == "aws:userid"
                && e.values.first().map(|v| v.text()).as_deref() == r.principal.userid.as_deref();
            !DERIVED_KEYS.contains(&lc.as_str())
                && !BUILDER_DEFAULTS.contains(&lc.as_str())
                && !derived_id
        })
        .map(|e| {
            (
                e.name.clone(),
                e.values.iter().map(|v| v.text().into_owned()).collect(),
            )
        })
        .collect()
}

fn statement_json(m: &MatchedStatement) -> Value {
    json!({
        "index": m.index,
        "sid": m.sid.as_deref(),
        "effect": if m.effect == Effect::Allow { "Allow" } else { "Deny" },
        "line": m.span.map(|s| s.start.line),
        "column": m.span.map(|s| s.start.column),
    })
}

/// The witness for programs: the request, its chosen condition keys, each policy's decision
/// and the corpus case it makes (also the Access Analyzer service's `keyholeWitness`).
pub fn witness_json(w: &Witness) -> Value {
    let r = &w.request;
    let context: serde_json::Map<String, Value> = context_pairs(r)
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    let decisions: Vec<Value> = w
        .decisions
        .iter()
        .map(|(s, d)| {
            json!({
                "policy": &*s.name,
                "decision": d.decision.as_str(),
                "layer": d.layer.map(|l| l.phrase()),
                "statements": w.statements(s).into_iter().map(statement_json).collect::<Vec<_>>(),
                "explanation": d.explain(),
            })
        })
        .collect();
    // The policy that allows the request, as a case `keyhole corpus dump` keeps.
    let allowing = w
        .decisions
        .iter()
        .find(|(_, d)| d.is_allowed())
        .or(w.decisions.first());
    json!({
        "principal": r.principal.arn,
        "action": r.action,
        "resource": r.resource,
        "context": context,
        "decisions": decisions,
        "corpusCase": allowing.map(|(s, _)| super::standalone::corpus_case(s, r)),
    })
}

pub fn to_json(result: &CheckResult) -> Value {
    json!({
        "check": result.check,
        "result": result.verdict.as_str(),
        "message": result.message,
        "classesEvaluated": result.classes,
        "witness": result.witness.as_ref().map(witness_json),
    })
}

pub fn to_text(result: &CheckResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}: {}",
        result.verdict.as_str(),
        result.check,
        result.message
    );
    if let Some(w) = &result.witness {
        let r = &w.request;
        let _ = writeln!(out, "  a request that shows it:");
        let _ = writeln!(out, "    principal  {}", r.principal.arn);
        let _ = writeln!(out, "    action     {}", r.action);
        let _ = writeln!(out, "    resource   {}", r.resource);
        for (k, v) in context_pairs(r) {
            let _ = writeln!(out, "    context    {k} = {}", v.join(", "));
        }
        for (s, d) in &w.decisions {
            let _ = writeln!(
                out,
                "  {} ({}): {}",
                s.name,
                policy_kind(s),
                d.decision.as_str()
            );
            for m in w.statements(s) {
                let at = m
                    .span
                    .map(|sp| format!(" at line {}, column {}", sp.start.line, sp.start.column))
                    .unwrap_or_default();
                let sid = m
                    .sid
                    .as_deref()
                    .map(|s| format!(" (Sid \"{s}\")"))
                    .unwrap_or_default();
                let effect = if m.effect == Effect::Allow {
                    "Allow"
                } else {
                    "Deny"
                };
                let _ = writeln!(out, "    {effect} statement {}{sid}{at}", m.index);
            }
        }
    }
    let _ = writeln!(out, "  {} request classes evaluated", result.classes);
    out
}

fn policy_kind(s: &Subject) -> &'static str {
    use crate::policy::validate::PolicyType::*;
    match s.policy_type {
        Identity => "identity policy",
        KmsKey => "key policy",
        BackupVault => "backup vault access policy",
        RoleTrust => "role trust policy",
        Scp => "service control policy",
        Rcp => "resource control policy",
        Resource => "resource-based policy",
        TagPolicy => "tag policy",
        BackupPolicy => "backup policy",
    }
}

/// SARIF 2.1.0: one run, one rule per check, one result for a FAIL (level `error`) or an
/// undecided check (level `warning`), located at the statements that decided.
pub fn to_sarif(result: &CheckResult, files: &[(&Subject, &str)]) -> Value {
    let mut results = Vec::new();
    if result.verdict != Verdict::Pass {
        let mut locations = Vec::new();
        if let Some(w) = &result.witness {
            for (subject, uri) in files {
                for m in w.statements(subject) {
                    let Some(span) = m.span else { continue };
                    locations.push(json!({
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {
                                "startLine": span.start.line,
                                "startColumn": span.start.column,
                                "endLine": span.end.line,
                                "endColumn": span.end.column,
                            }
                        }
                    }));
                }
            }
        }
        if locations.is_empty() {
            for (_, uri) in files {
                locations.push(json!({"physicalLocation": {"artifactLocation": {"uri": uri}}}));
            }
        }
        let mut r = json!({
            "ruleId": result.check,
            "level": if result.verdict == Verdict::Fail { "error" } else { "warning" },
            "message": {"text": to_text(result).trim_end()},
            "locations": locations,
        });
        if let Some(w) = &result.witness {
            r["properties"] = json!({"witness": witness_json(w)});
        }
        results.push(r);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keyhole",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": result.check,
                    "shortDescription": {"text": rule_text(result.check)},
                }],
            }},
            "results": results,
        }]
    })
}

fn rule_text(check: &str) -> &'static str {
    match check {
        "check-no-new-access" => "The new policy grants no access the existing policy does not.",
        "check-access-not-granted" => {
            "The policy grants none of the listed actions on the listed resources."
        }
        "check-no-public-access" => {
            "The resource policy grants no access to accounts it does not name."
        }
        "check-no-external-access" => {
            "The policy grants no access outside the account or organization."
        }
        "implies" => "Everything the first policy allows, the second allows.",
        "equivalent" => "The two policies allow exactly the same requests.",
        _ => "A keyhole policy check.",
    }
}

pub fn render(result: &CheckResult, format: Format, files: &[(&Subject, &str)]) -> String {
    match format {
        Format::Text => to_text(result),
        Format::Json => format!("{:#}\n", to_json(result)),
        Format::Sarif => format!("{:#}\n", to_sarif(result, files)),
    }
}
