//! `keyhole policy validate` (with Access Analyzer's findings) and `keyhole policy simulate`. The run_*
//! functions do the I/O; the *_text functions are testable.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;

use super::findings::{
    render_text, validate_findings, Finding, ValidatePolicyResourceType, ValidatePolicyResponse,
    ValidatePolicyType,
};
use super::simulate::{simulate_with_decisions, SimulationRequest};
use super::validate::{validate, PolicyType};

/// `keyhole policy validate --type TYPE [--format text|json] FILE`. Exit codes: 0 the service
/// accepts the document and Access Analyzer finds no ERROR or SECURITY_WARNING; 1 the service
/// rejects it, or a finding is an ERROR or a SECURITY_WARNING; 2 a usage or I/O error.
pub fn run_validate(policy_type: &str, path: &Path, json: bool) -> i32 {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return 2;
        }
    };
    validate_report(
        policy_type,
        &text,
        json,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    )
}

/// What Access Analyzer validates a `--type` as; tag and backup policies are not IAM
/// grammar, and it has no checks for them.
fn analyzer_type(
    ty: PolicyType,
) -> Option<(ValidatePolicyType, Option<ValidatePolicyResourceType>)> {
    Some(match ty {
        PolicyType::Identity => (ValidatePolicyType::IdentityPolicy, None),
        PolicyType::KmsKey | PolicyType::BackupVault | PolicyType::Resource => {
            (ValidatePolicyType::ResourcePolicy, None)
        }
        PolicyType::RoleTrust => (
            ValidatePolicyType::ResourcePolicy,
            Some(ValidatePolicyResourceType::AssumeRolePolicyDocument),
        ),
        PolicyType::Scp => (ValidatePolicyType::ServiceControlPolicy, None),
        PolicyType::Rcp => (ValidatePolicyType::ResourceControlPolicy, None),
        PolicyType::TagPolicy | PolicyType::BackupPolicy => return None,
    })
}

/// The service's verdict ([`validate_text`]'s line) and Access Analyzer's findings; with
/// `json`, exactly a `ValidatePolicy` response (`{"findings": [...]}`) and nothing else.
pub fn validate_report(
    policy_type: &str,
    text: &str,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let Some(ty) = PolicyType::from_cli(policy_type) else {
        return validate_text(policy_type, text, out, err);
    };
    let target = analyzer_type(ty);
    let findings: Vec<Finding> = target
        .map(|(t, rt)| validate_findings(text, t, rt))
        .unwrap_or_default();
    let code = if json {
        let response = ValidatePolicyResponse {
            findings: findings.clone(),
        };
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&response).unwrap_or_default()
        );
        i32::from(validate(text, ty).is_err())
    } else {
        let code = validate_text(policy_type, text, out, err);
        if target.is_some() {
            let blocking = findings
                .iter()
                .filter(|f| f.finding_type.is_blocking())
                .count();
            let _ = match findings.len() {
                0 => writeln!(out, "Access Analyzer: no findings"),
                n => write!(
                    out,
                    "Access Analyzer: {n} finding(s), {blocking} of them ERROR or SECURITY_WARNING\n{}",
                    render_text(&findings)
                ),
            };
        }
        code
    };
    code.max(i32::from(
        findings.iter().any(|f| f.finding_type.is_blocking()),
    ))
}

pub fn validate_text(
    policy_type: &str,
    text: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let Some(ty) = PolicyType::from_cli(policy_type) else {
        let _ = writeln!(err, "unknown policy type {policy_type}: use identity, kms-key, backup-vault, trust, scp, rcp or resource");
        return 2;
    };
    match validate(text, ty) {
        Ok(p) => {
            let _ = writeln!(
                out,
                "valid {policy_type} policy: {} statement(s)",
                p.statements.len()
            );
            0
        }
        Err(e) => {
            let reason = e.reason.map(|r| format!(" ({r})")).unwrap_or_default();
            let _ = writeln!(out, "{}{reason}: {}", e.code, e.message);
            1
        }
    }
}

/// `keyhole policy simulate [--batch] [--explain] [REQUEST.json]`; reads
/// standard input without a path. 0 done, 1 a request was invalid, 2 I/O error.
pub fn run_simulate(path: Option<&Path>, batch: bool, explain: bool) -> i32 {
    let name = path.map_or_else(|| "standard input".to_owned(), |p| p.display().to_string());
    let mut input = String::new();
    let read = match path {
        Some(p) => std::fs::read_to_string(p).map(|t| input = t),
        None if batch => {
            let stdin = io::stdin();
            let mut out = io::stdout().lock();
            let mut code = 0;
            for (i, line) in stdin.lock().lines().enumerate() {
                match line {
                    Ok(l) if l.trim().is_empty() => {}
                    Ok(l) => code = code.max(simulate_line(&name, i + 1, &l, explain, &mut out)),
                    Err(e) => {
                        eprintln!("cannot read standard input: {e}");
                        return 2;
                    }
                }
            }
            return code;
        }
        None => io::stdin().read_to_string(&mut input).map(|_| ()),
    };
    if let Err(e) = read {
        eprintln!("cannot read the request: {e}");
        return 2;
    }
    let mut out = io::stdout().lock();
    if batch {
        let mut code = 0;
        for (i, l) in input.lines().enumerate() {
            if !l.trim().is_empty() {
                code = code.max(simulate_line(&name, i + 1, l, explain, &mut out));
            }
        }
        code
    } else {
        simulate_text(&name, &input, explain, &mut out)
    }
}

/// One request read from `name` (a file, or standard input); pretty JSON (or the
/// explanation) out.
pub fn simulate_text(name: &str, input: &str, explain: bool, out: &mut dyn Write) -> i32 {
    run_one(name, 1, input, explain, true, out)
}

/// Line `line_number` of `name` in batch mode; one compact JSON line out.
pub fn simulate_line(
    name: &str,
    line_number: usize,
    line: &str,
    explain: bool,
    out: &mut dyn Write,
) -> i32 {
    run_one(name, line_number, line, explain, false, out)
}

/// `input` starts on line `first_line` of `name`. A field the request shape does not have
/// (a misspelt `OrganisationPolicyLevels`) is an error naming it, where it is and the
/// accepted ones, never silently ignored.
fn run_one(
    name: &str,
    first_line: usize,
    input: &str,
    explain: bool,
    pretty: bool,
    out: &mut dyn Write,
) -> i32 {
    let req: SimulationRequest = match serde_json::from_str(input) {
        Ok(r) => r,
        Err(e) => {
            return error_out(
                out,
                "InvalidInput",
                &format!(
                    "The request is not a SimulateCustomPolicy document: {}",
                    located(name, first_line, &e)
                ),
                pretty,
            )
        }
    };
    match simulate_with_decisions(&req) {
        Ok((resp, decisions)) => {
            if explain {
                for d in &decisions {
                    let _ = write!(out, "{}", d.explain());
                }
                return 0;
            }
            let text = if pretty {
                serde_json::to_string_pretty(&resp)
            } else {
                serde_json::to_string(&resp)
            };
            match text {
                Ok(t) => {
                    let _ = writeln!(out, "{t}");
                    0
                }
                Err(e) => error_out(out, "ServiceFailure", &e.to_string(), pretty),
            }
        }
        Err(e) => error_out(out, e.code, &e.message, pretty),
    }
}

/// `<name>, line L, column C: <serde's reason>`, with the line counted in `name`.
pub fn located(name: &str, first_line: usize, e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let reason = text.strip_suffix(&position).unwrap_or(&text);
    format!(
        "{name}, line {}, column {}: {reason}",
        first_line + e.line().saturating_sub(1),
        e.column()
    )
}

fn error_out(out: &mut dyn Write, code: &str, message: &str, pretty: bool) -> i32 {
    let v = serde_json::json!({"Error": {"Code": code, "Message": message}});
    let t = if pretty {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    };
    let _ = writeln!(out, "{}", t.unwrap_or_default());
    1
}
