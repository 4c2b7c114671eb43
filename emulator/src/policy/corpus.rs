//! The policy corpus's authorization cases (`emulator/tests/policy_corpus/*.json`, cedar's
//! JSON tests as the model): read one into the evaluator's inputs, write one from a request
//! and its layers. The corpus test runs every case; `keyhole corpus dump` turns a shrunk
//! property-test failure or a check's witness into a permanent case.

use serde_json::{json, Value};

use super::context::Context;
use super::decision::{Decision, PolicySource};
use super::evaluate::{
    evaluate, Authorization, Grant, IdentityLayers, NamedPolicy, ResourceLayers, ResourcePolicyKind,
};
use super::parser::parse;
use super::principal::Principal;
use super::request::Request;
use super::simulate::{context_values, ContextEntryInput};
use super::validate::{validate, PolicyType};

/// An authorization case, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Case {
    pub request: Request,
    pub principal_side: IdentityLayers,
    pub resource_side: ResourceLayers,
    pub grants: Vec<Grant>,
}

impl Case {
    pub fn decide(&self) -> Decision {
        evaluate(&Authorization {
            request: &self.request,
            principal_side: &self.principal_side,
            resource_side: &self.resource_side,
            grants: &self.grants,
        })
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn compile(
    v: &Value,
    id: &str,
    source: PolicySource,
    ty: PolicyType,
) -> Result<NamedPolicy, String> {
    let doc = text(v);
    // Identity policies under Version 2008-10-17 exist (old documents, the simulator's
    // tolerance) even though IAM refuses to store new ones.
    if doc.contains("\"2008-10-17\"") && ty == PolicyType::Identity {
        let p = parse(&doc).map_err(|e| format!("{id}: {e}"))?;
        return Ok(NamedPolicy::new(id, source, p));
    }
    let p = validate(&doc, ty).map_err(|e| format!("{id} is not a valid {ty:?} policy: {e}"))?;
    Ok(NamedPolicy::new(id, source, p))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

fn principal(v: &Value) -> Result<Principal, String> {
    let arn = v["arn"].as_str().ok_or("principal.arn is missing")?;
    let mut p = Principal::from_arn(arn).map_err(|e| e.to_string())?;
    if let Some(r) = v["role_arn"].as_str() {
        p = p.with_role_arn(r);
    }
    if let Some(b) = v["service_linked_role"].as_bool() {
        p = p.with_service_linked_role(b);
    }
    if let Some(b) = v["management_account"].as_bool() {
        p = p.with_management_account(b);
    }
    if let Some(o) = v["org_id"].as_str() {
        p = p.with_org(o, strings(&v["org_paths"]));
    }
    if let Some(t) = v["tags"].as_object() {
        let tags = t
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        p = p.with_tags(tags);
    }
    if let Some(u) = v["userid"].as_str() {
        p = p.with_userid(u);
    }
    Ok(p)
}

fn documents(
    v: &Value,
    name: &str,
    source: PolicySource,
    ty: PolicyType,
) -> Result<Vec<NamedPolicy>, String> {
    v.as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, d)| compile(d, &format!("{name}{}", i + 1), source, ty))
        .collect()
}

fn levels(
    v: &Value,
    name: &str,
    source: PolicySource,
    ty: PolicyType,
) -> Result<Option<Vec<Vec<NamedPolicy>>>, String> {
    let Some(lv) = v.as_array() else {
        return Ok(None);
    };
    lv.iter()
        .enumerate()
        .map(|(i, docs)| documents(docs, &format!("{name}{}.", i + 1), source, ty))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn pairs(v: &Value) -> Option<Vec<(String, String)>> {
    v.as_object().map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().into()))
            .collect()
    })
}

/// The kinds of resource a case names (`resource_kind`), with the policy type each takes.
fn resource_kind(name: &str) -> Result<(ResourcePolicyKind, PolicyType), String> {
    Ok(match name {
        "generic" => (ResourcePolicyKind::Generic, PolicyType::Resource),
        "kms-key" => (ResourcePolicyKind::KmsKeyPolicy, PolicyType::KmsKey),
        "backup-vault" => (ResourcePolicyKind::BackupVault, PolicyType::BackupVault),
        "trust" => (ResourcePolicyKind::RoleTrust, PolicyType::RoleTrust),
        k => {
            return Err(format!(
                "unknown resource_kind {k}: use generic, kms-key, backup-vault or trust"
            ))
        }
    })
}

/// Reads an authorization case: principal, action, resource, the documents of each layer,
/// grants, and context entries in SimulateCustomPolicy's `ContextEntries` form.
pub fn read(case: &Value) -> Result<Case, String> {
    let (kind, rp_type) = resource_kind(case["resource_kind"].as_str().unwrap_or("generic"))?;
    let principal_side = IdentityLayers {
        identity: documents(
            &case["identity"],
            "identity",
            PolicySource::UserManaged,
            PolicyType::Identity,
        )?,
        boundary: case
            .get("boundary")
            .map(|d| {
                compile(
                    d,
                    "boundary",
                    PolicySource::UserManaged,
                    PolicyType::Identity,
                )
            })
            .transpose()?,
        session: documents(
            &case["session"],
            "session",
            PolicySource::Session,
            PolicyType::Identity,
        )?,
        scp_levels: levels(
            &case["scp_levels"],
            "scp",
            PolicySource::ServiceControl,
            PolicyType::Scp,
        )?,
    };
    let resource_side = ResourceLayers {
        kind,
        resource_policy: case
            .get("resource_policy")
            .map(|d| compile(d, "resource", PolicySource::Resource, rp_type))
            .transpose()?,
        rcp_levels: levels(
            &case["rcp_levels"],
            "rcp",
            PolicySource::ResourceControl,
            PolicyType::Rcp,
        )?,
    };
    let grants = case["grants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| Grant {
            grant_id: g["id"].as_str().unwrap_or_default().into(),
            grantee_principal: g["grantee"].as_str().unwrap_or_default().into(),
            operations: strings(&g["operations"]),
            encryption_context_equals: pairs(&g["context_equals"]),
            encryption_context_subset: pairs(&g["context_subset"]),
        })
        .collect();
    let action = case["action"].as_str().ok_or("action is missing")?;
    let mut b = Request::builder(
        principal(&case["principal"])?,
        action,
        case["resource"].as_str().unwrap_or("*"),
    );
    if let Some(a) = case["resource_account"].as_str() {
        b = b.resource_account(a);
    }
    if case["called_via"].is_array() {
        b = b.called_via(strings(&case["called_via"]));
    }
    let mut ctx = Context::default();
    for e in case["context"].as_array().into_iter().flatten() {
        let input = ContextEntryInput {
            context_key_name: e["name"]
                .as_str()
                .ok_or("context entry without name")?
                .into(),
            context_key_values: strings(&e["values"]),
            context_key_type: e["type"].as_str().unwrap_or("string").into(),
        };
        let (values, multi) = context_values(&input).map_err(|e| e.to_string())?;
        ctx.insert(&input.context_key_name, values, multi);
    }
    Ok(Case {
        request: b.context(ctx).build(),
        principal_side,
        resource_side,
        grants,
    })
}

/// What a case expects, from the decision keyhole makes today: a regression pin.
pub fn expectation(d: &Decision) -> Value {
    json!({
        "decision": d.decision.as_str(),
        "message": d.access_denied_message(),
        "layer": d.layer.map(|l| format!("{l:?}")),
    })
}

/// The context entries of a request that its principal and resource do not imply, in
/// `ContextEntries` form.
pub fn context_entries(r: &Request, derived: &[&str]) -> Vec<Value> {
    r.context
        .iter()
        .filter(|e| !derived.contains(&e.name.to_ascii_lowercase().as_str()))
        .map(|e| {
            let ty = match e.values.first() {
                Some(super::context::ContextValue::Number(_)) => "numeric",
                Some(super::context::ContextValue::Bool(_)) => "boolean",
                Some(super::context::ContextValue::Date(_)) => "date",
                Some(super::context::ContextValue::Ip(_)) => "ip",
                Some(super::context::ContextValue::Binary(_)) => "binary",
                _ => "string",
            };
            let ty = if e.multi {
                format!("{ty}List")
            } else {
                ty.to_string()
            };
            json!({
                "name": e.name,
                "values": e.values.iter().map(|v| v.text().into_owned()).collect::<Vec<_>>(),
                "type": ty,
            })
        })
        .collect()
}

/// Adds `case` (with its `expect` filled from today's decision when it has none) to a
/// corpus family file, creating the file when it does not exist. Returns the case written.
pub fn dump(
    mut case: Value,
    name: Option<&str>,
    family: &mut Value,
    family_name: &str,
) -> Result<Value, String> {
    let decision = read(&case)?.decide();
    if !family.is_object() {
        *family = json!({
            "family": family_name,
            "description": "Cases kept from property-test failures and check witnesses.",
            "cases": [],
        });
    }
    if case.get("expect").is_none() {
        case["expect"] = expectation(&decision);
    }
    if let Some(n) = name {
        case["name"] = json!(n);
    }
    if case["name"].as_str().is_none() {
        let cases = family["cases"].as_array().map_or(0, Vec::len);
        case["name"] = json!(format!("{family_name} {}", cases + 1));
    }
    match family["cases"].as_array_mut() {
        Some(cases) => cases.push(case.clone()),
        None => return Err("the corpus file has no \"cases\" list".into()),
    }
    Ok(case)
}

/// `keyhole corpus dump --into FILE [--name NAME] [CASE]`: 0 written, 2 bad input.
pub fn run_dump(case: Option<&std::path::Path>, into: &std::path::Path, name: Option<&str>) -> i32 {
    use std::io::Read;
    let mut input = String::new();
    let read_case = match case {
        Some(p) => std::fs::read_to_string(p).map(|t| input = t),
        None => std::io::stdin().read_to_string(&mut input).map(|_| ()),
    };
    if let Err(e) = read_case {
        eprintln!("keyhole: cannot read the case: {e}");
        return 2;
    }
    let case: Value = match serde_json::from_str(&input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("keyhole: the case is not JSON: {e}");
            return 2;
        }
    };
    let mut family: Value = match std::fs::read_to_string(into) {
        Ok(t) => match serde_json::from_str(&t) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("keyhole: {} is not a corpus file: {e}", into.display());
                return 2;
            }
        },
        Err(_) => Value::Null,
    };
    let family_name = into
        .file_stem()
        .map_or("regressions".into(), |s| s.to_string_lossy().into_owned());
    match dump(case, name, &mut family, &family_name) {
        Ok(case) => {
            let pretty = serde_json::to_string_pretty(&family).unwrap_or_default();
            if let Err(e) = std::fs::write(into, pretty + "\n") {
                eprintln!("keyhole: cannot write {}: {e}", into.display());
                return 2;
            }
            println!(
                "added \"{}\" to {}: {}",
                case["name"].as_str().unwrap_or_default(),
                into.display(),
                case["expect"]["decision"].as_str().unwrap_or_default()
            );
            0
        }
        Err(e) => {
            eprintln!("keyhole: {e}");
            2
        }
    }
}
