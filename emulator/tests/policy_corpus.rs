//! Runs every case of `tests/policy_corpus/*.json` (one file per family,
//! cedar's JsonTest as the model). A case is one of:
//! - an authorization: principal, action, resource, policies per layer,
//!   `expect: {decision, message, layer?, matched?, missing?, grant?}`;
//! - `validate: {type, policy}` with `expect: {code, message} | null`;
//! - `simulate: <SimulateCustomPolicy request>` with `expect: [{decision, message}]`;
//! - `findings: {type, resource_type?, policy, iam_rejects?}` (Access Analyzer's ValidatePolicy) with
//!   `expect: {error, codes}`: whether an ERROR finding is among them, and every issue code
//!   in order; a `why` says where Access Analyzer and IAM judge the document differently.

use std::path::Path;

use keyhole::policy::corpus;
use keyhole::policy::findings::{
    validate_findings, FindingType, ValidatePolicyResourceType, ValidatePolicyType,
};
use keyhole::policy::simulate::{simulate, SimulationRequest};
use keyhole::policy::validate::{validate, PolicyType};
use serde_json::Value;

fn doc(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap(),
    }
}

fn run_authorization(case: &Value) -> Result<(), String> {
    let d = corpus::read(case)?.decide();
    let exp = &case["expect"];
    let mut errs = Vec::new();
    if d.decision.as_str() != exp["decision"].as_str().unwrap() {
        errs.push(format!(
            "decision {} != {}",
            d.decision.as_str(),
            exp["decision"]
        ));
    }
    if let Some(m) = exp.get("message") {
        let got = d.access_denied_message();
        if got.as_deref() != m.as_str() {
            errs.push(format!("message\n  got:  {got:?}\n  want: {m}"));
        }
    }
    if let Some(l) = exp["layer"].as_str() {
        if d.layer.map(|x| format!("{x:?}")).as_deref() != Some(l) {
            errs.push(format!("layer {:?} != {l}", d.layer));
        }
    }
    if let Some(ms) = exp["matched"].as_array() {
        let got: Vec<String> = d
            .matched
            .iter()
            .map(|m| {
                m.sid
                    .as_deref()
                    .map_or_else(|| format!("{}#{}", m.policy_id, m.index), str::to_string)
            })
            .collect();
        let want: Vec<String> = ms.iter().map(|x| x.as_str().unwrap().to_string()).collect();
        if got != want {
            errs.push(format!("matched {got:?} != {want:?}"));
        }
    }
    if let Some(ms) = exp["missing"].as_array() {
        let want: Vec<String> = ms.iter().map(|x| x.as_str().unwrap().to_string()).collect();
        if d.missing_context_keys != want {
            errs.push(format!("missing {:?} != {want:?}", d.missing_context_keys));
        }
    }
    if let Some(g) = exp["grant"].as_str() {
        if d.grant_id.as_deref() != Some(g) {
            errs.push(format!("grant {:?} != {g}", d.grant_id));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{}", errs.join("\n"), d.explain()))
    }
}

fn run_validate(case: &Value) -> Result<(), String> {
    let v = &case["validate"];
    let ty = PolicyType::from_cli(v["type"].as_str().unwrap()).unwrap();
    let text = doc(&v["policy"]);
    let got = validate(&text, ty).err();
    let exp = &case["expect"];
    match (got, exp.is_null()) {
        (None, true) => Ok(()),
        (Some(e), false) => {
            if e.code == exp["code"].as_str().unwrap()
                && e.message == exp["message"].as_str().unwrap()
                && e.reason.map(str::to_string) == exp["reason"].as_str().map(str::to_string)
            {
                Ok(())
            } else {
                Err(format!(
                    "got {}: {} ({:?}), want {exp}",
                    e.code, e.message, e.reason
                ))
            }
        }
        (None, false) => Err(format!("accepted, want {exp}")),
        (Some(e), true) => Err(format!("rejected with {}: {}", e.code, e.message)),
    }
}

fn run_findings(case: &Value) -> Result<(), String> {
    let v = &case["findings"];
    let ty = ValidatePolicyType::from_name(v["type"].as_str().unwrap()).unwrap();
    let rt = v["resource_type"]
        .as_str()
        .map(|r| ValidatePolicyResourceType::from_name(r).unwrap());
    let text = doc(&v["policy"]);
    let got = validate_findings(&text, ty, rt);
    let exp = &case["expect"];
    let error = got.iter().any(|f| f.finding_type == FindingType::Error);
    let codes: Vec<&str> = got.iter().map(|f| f.issue_code.as_str()).collect();
    let want: Vec<&str> = exp["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // Where IAM's verdict is known, an ERROR finding matches it unless `why` explains.
    if let Some(rejects) = v["iam_rejects"].as_bool() {
        if exp["error"].as_bool() != Some(rejects) && case["why"].as_str().is_none() {
            return Err(format!(
                "IAM rejects={rejects} but expect.error differs without a why"
            ));
        }
    }
    if Some(error) != exp["error"].as_bool() || codes != want {
        return Err(format!("got error={error} {codes:?}, want {exp}\n{text}"));
    }
    Ok(())
}

fn run_simulate(case: &Value) -> Result<(), String> {
    let req: SimulationRequest =
        serde_json::from_value(case["simulate"].clone()).map_err(|e| e.to_string())?;
    let resp = simulate(&req).map_err(|e| e.to_string())?;
    let exp = case["expect"].as_array().unwrap();
    if resp.evaluation_results.len() != exp.len() {
        return Err(format!(
            "{} results, want {}",
            resp.evaluation_results.len(),
            exp.len()
        ));
    }
    for (r, e) in resp.evaluation_results.iter().zip(exp) {
        if r.eval_decision != e["decision"].as_str().unwrap()
            || r.access_denied_message.as_deref() != e["message"].as_str()
        {
            return Err(format!(
                "{} {}: got {} {:?}, want {e}",
                r.eval_action_name, r.eval_resource_name, r.eval_decision, r.access_denied_message
            ));
        }
    }
    Ok(())
}

#[test]
fn corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy_corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let (mut total, mut failures) = (0, Vec::new());
    for f in files {
        let family: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for case in family["cases"].as_array().unwrap() {
            total += 1;
            let name = format!(
                "{} / {}",
                f.file_name().unwrap().to_string_lossy(),
                case["name"].as_str().unwrap()
            );
            let r = if case.get("validate").is_some() {
                run_validate(case)
            } else if case.get("findings").is_some() {
                run_findings(case)
            } else if case.get("simulate").is_some() {
                run_simulate(case)
            } else {
                run_authorization(case)
            };
            if let Err(e) = r {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{total} corpus cases passed");
}
