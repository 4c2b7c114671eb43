//! Admin endpoints under `/_keyhole/`: JSON in, JSON out, no authentication (keyhole binds
//! to loopback by default).

use serde_json::{json, Value};

use crate::instance::Instance;
use crate::protocol::admin::{error, expected, refuse_unknown_fields};
use crate::protocol::{HttpRequest, HttpResponse, ServiceId};
use crate::world::{DenyMessageStyle, World};

/// An admin endpoint's refusal: the HTTP status and the endpoint's `error` text, exactly as
/// `curl` would show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.message)
    }
}

impl std::error::Error for AdminError {}

/// An admin call made in process, through [`handle`] as `curl` would go: the endpoint's JSON
/// answer, or its refusal. `Emulator::admin` and the scenario runner both call it.
pub fn call(
    instance: &Instance,
    method: &str,
    path: &str,
    body: &Value,
) -> Result<Value, AdminError> {
    let method = method.parse().map_err(|_| AdminError {
        status: 400,
        message: format!("not an HTTP method: {method:?}"),
    })?;
    // `/_keyhole/who-can?action=...`: the query apart, as the server splits it.
    let (raw_path, raw_query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (path, None),
    };
    let request = HttpRequest {
        method,
        raw_path: raw_path.to_owned(),
        raw_query,
        headers: Default::default(),
        body: body.to_string().into(),
    };
    let response = handle(instance, &request);
    let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if response.status == 200 {
        Ok(answer)
    } else {
        Err(AdminError {
            status: response.status,
            message: answer["error"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

pub fn handle(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    let response = answer(instance, req);
    // Admin calls that change things (reset, state, seed, settings, clock, resources, labs)
    // are rare and may change anything: with a state dir, the whole world is saved.
    match instance.store.get() {
        Some(store) if req.method != "GET" && response.status < 300 => {
            let mut world = instance.world();
            match store.save_all(&mut world, instance.clock.offset_seconds()) {
                Ok(()) => response,
                Err(e) => error(
                    500,
                    &format!("keyhole applied the change but could not save it: {e}"),
                ),
            }
        }
        _ => response,
    }
}

/// 9999-12-31T23:59:59Z in epoch seconds: the last instant an ISO 8601 timestamp can show.
const LAST_DATE: f64 = 253_402_300_799.0;

fn answer(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    if let Some(answer) =
        crate::console::handle(instance, req).or_else(|| crate::console_api::handle(instance, req))
    {
        return answer;
    }
    let path = req.raw_path.trim_end_matches('/');
    if crate::services::backup::admin::handles(path) {
        return crate::services::backup::admin::handle(instance, req);
    }
    match (req.method.as_str(), path) {
        ("GET", "/_keyhole/health") => {
            let mut answer = health();
            if let Some(store) = instance.store.get() {
                answer["persistence"] = store.health();
            }
            if let Some(extension) = instance.extension.get() {
                let (name, value) = extension.health();
                answer[name] = value;
            }
            HttpResponse::json(200, &answer)
        }
        ("POST", "/_keyhole/reset") => {
            instance.world().reset();
            HttpResponse::json(200, &json!({"status": "reset"}))
        }
        ("GET", "/_keyhole/state") => match serde_json::to_value(&*instance.world()) {
            Ok(state) => HttpResponse::json(200, &state),
            Err(e) => error(500, &format!("state could not be serialized: {e}")),
        },
        ("POST", "/_keyhole/state") => match state_document(&req.body) {
            Ok(mut world) => {
                crate::services::registry::schedule_all(&mut world);
                *instance.world() = world;
                HttpResponse::json(200, &json!({"status": "loaded"}))
            }
            Err(e) => error(400, &format!("not a keyhole state document: {e}")),
        },
        ("POST", "/_keyhole/seed") => seed(instance, req),
        ("GET", "/_keyhole/who-can") => crate::who_can::handle(instance, req),
        ("GET", "/_keyhole/decisions") => crate::decisions_api::handle(instance, req),
        ("GET", "/_keyhole/settings") => settings_out(&instance.world()),
        ("POST", "/_keyhole/settings") => update_settings(instance, req),
        ("POST", "/_keyhole/clock/advance") => {
            let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
            if let Err(e) = refuse_unknown_fields(&body, &["seconds"]) {
                return error(400, &e);
            }
            match body["seconds"].as_f64() {
                // AWS's timestamps end with year 9999; a clock moved past it would have no
                // date to show.
                Some(s) if s >= 0.0 && instance.clock.now() + s > LAST_DATE => error(
                    400,
                    &format!("advancing {s} seconds would move the clock past 9999-12-31T23:59:59Z; advance by at most {}", (LAST_DATE - instance.clock.now()).floor()),
                ),
                Some(s) if s >= 0.0 => {
                    instance.clock.advance(s);
                    HttpResponse::json(200, &json!({"now": instance.clock.now()}))
                }
                _ => error(400, "expected {\"seconds\": <non-negative number>}"),
            }
        }
        ("GET", "/_keyhole/clock") => HttpResponse::json(
            200,
            &json!({"now": instance.clock.now(), "offsetSeconds": instance.clock.offset_seconds()}),
        ),
        _ => match instance
            .extension
            .get()
            .and_then(|e| e.handle(instance, req))
        {
            Some(answer) => answer,
            None if path == "/_keyhole/lab" || path.starts_with("/_keyhole/lab/") => {
                error(404, "no lab is running")
            }
            None => error(
                404,
                &format!("no admin endpoint {} {}", req.method, req.raw_path),
            ),
        },
    }
}

/// A `GET /_keyhole/state` document as a world. serde would drop a field `World` does not
/// have (a misspelt one) without a word; `World` and everything in it serializes every field
/// it has, under the name it reads (no skipped or renamed-on-read fields), so a key of the
/// document that the world, serialized again, lacks is one serde ignored.
fn state_document(body: &[u8]) -> Result<World, String> {
    let document: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let world: World = serde_json::from_value(document.clone()).map_err(|e| e.to_string())?;
    let known = serde_json::to_value(&world).map_err(|e| e.to_string())?;
    match ignored_field(&document, &known, &mut String::new()) {
        Some(e) => Err(e),
        None => Ok(world),
    }
}

/// The first key of `document` that `known` (the same data as read) lacks, with its JSON
/// pointer and the keys `known` has there.
fn ignored_field(document: &Value, known: &Value, pointer: &mut String) -> Option<String> {
    match (document, known) {
        (Value::Object(doc), Value::Object(fields)) => doc.iter().find_map(|(k, v)| {
            let Some(field) = fields.get(k) else {
                let accepted: Vec<&str> = fields.keys().map(String::as_str).collect();
                let at = if pointer.is_empty() {
                    "/"
                } else {
                    pointer.as_str()
                };
                return Some(format!(
                    "unknown field `{k}` at {at}, {}",
                    expected(&accepted)
                ));
            };
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
            let found = ignored_field(v, field, pointer);
            pointer.truncate(len);
            found
        }),
        (Value::Array(doc), Value::Array(items)) => {
            doc.iter()
                .zip(items)
                .enumerate()
                .find_map(|(i, (v, item))| {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    let found = ignored_field(v, item, pointer);
                    pointer.truncate(len);
                    found
                })
        }
        _ => None,
    }
}

/// Applies an IAM seed document (see [`crate::services::iam::seed`]).
fn seed(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    // A seed file (`"keyholeSeed": 1`, docs/seed-files.md) or the older IAM-only document.
    let is_seed_file =
        serde_json::from_slice::<Value>(&req.body).is_ok_and(|v| v.get("keyholeSeed").is_some());
    if is_seed_file {
        return seed_file(instance, req);
    }
    let seed = match serde_json::from_slice::<crate::services::iam::seed::Seed>(&req.body) {
        Ok(seed) => seed,
        Err(e) => return error(400, &format!("not a keyhole seed document: {e}")),
    };
    let now = instance.clock.now();
    let mut world = instance.world();
    let applied = crate::services::iam::seed::apply(&mut world, &seed, now);
    crate::services::registry::schedule_all(&mut world);
    match applied {
        Ok(counts) => HttpResponse::json(200, &json!({"status": "seeded", "created": counts})),
        Err(e) => error(400, &e.to_string()),
    }
}

/// A seed file posted whole: checked against the world, then applied; a problem is
/// `body:LINE:COLUMN: reason`, as `keyhole serve --seed` prints it for a file.
fn seed_file(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    let text = String::from_utf8_lossy(&req.body);
    let now = instance.clock.now();
    let mut world = instance.world();
    let name = std::path::Path::new("body");
    let applied = crate::seed::load::parse(name, &text, &world)
        .and_then(|loaded| crate::seed::apply::apply(&mut world, &loaded, now));
    match applied {
        Ok(created) => HttpResponse::json(200, &json!({"status": "seeded", "created": created})),
        Err(e) => error(400, &e.to_string()),
    }
}

/// The settings `POST /_keyhole/settings` may change while keyhole runs; the others are
/// fixed at start-up (`keyhole serve` flags).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsUpdate {
    deny_message_style: Option<DenyMessageStyle>,
}

fn update_settings(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    let update = match serde_json::from_slice::<SettingsUpdate>(&req.body) {
        Ok(u) => u,
        Err(e) => return error(400, &format!("not a keyhole settings document: {e}")),
    };
    let mut world = instance.world();
    if let Some(style) = update.deny_message_style {
        world.settings.deny_message_style = style;
    }
    settings_out(&world)
}

fn settings_out(world: &World) -> HttpResponse {
    match serde_json::to_value(&world.settings) {
        Ok(v) => HttpResponse::json(200, &v),
        Err(e) => error(500, &format!("settings could not be serialized: {e}")),
    }
}

fn health() -> Value {
    let services: serde_json::Map<String, Value> = ServiceId::ALL
        .iter()
        .map(|s| (s.signing_name().to_owned(), json!("available")))
        .collect();
    json!({
        "status": "running",
        "version": env!("CARGO_PKG_VERSION"),
        "services": services,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    /// A keyhole admin call; the status and body.
    fn call(h: &Harness, method: &str, path: &str, body: Value) -> (u16, Value) {
        let r = h.admin_raw(method.parse().unwrap(), path, None, body);
        (r.status, r.body)
    }

    fn ok(h: &Harness, method: &str, path: &str, body: Value) -> Value {
        let (status, v) = call(h, method, path, body);
        assert_eq!(status, 200, "{method} {path}: {v}");
        v
    }

    /// A call by the root of 111111111111 that must succeed; its body.
    fn ok_call(h: &Harness, action: &str, body: Value) -> Value {
        let r = h.call("111111111111", "us-east-1", action, &body);
        assert_eq!(r.status, 200, "{action}: {}", r.text);
        r.body
    }

    /// A world with IAM entities and keys, a KMS key with an alias and a grant, an
    /// organization, a backup vault and a declared resource.
    fn rich_world() -> Harness {
        let shared = Harness::new();
        let allow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}]});
        ok(
            &shared,
            "POST",
            "/_keyhole/seed",
            json!({"accounts": {"111111111111": {
                "policies": [{"name": "All", "document": allow}],
                "groups": [{"name": "g", "managedPolicies": ["arn:aws:iam::111111111111:policy/All"]}],
                "users": [{"name": "u", "tags": {"k": "v"}, "groups": ["g"], "inlinePolicies": {"i": allow},
                           "accessKeys": [{"accessKeyId": "AKIAEXAMPLE0000001", "secretAccessKey": "s"}]}],
                "roles": [{"name": "r", "trustPolicy": trust, "permissionsBoundary": "arn:aws:iam::111111111111:policy/All"}]
            }}}),
        );
        let key = ok_call(
            &shared,
            "kms:CreateKey",
            json!({"Tags": [{"TagKey": "a", "TagValue": "b"}]}),
        );
        let key_id = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        ok_call(
            &shared,
            "kms:CreateAlias",
            json!({"AliasName": "alias/a", "TargetKeyId": key_id}),
        );
        ok_call(
            &shared,
            "kms:CreateGrant",
            json!({"KeyId": key_id, "GranteePrincipal": "arn:aws:iam::111111111111:role/r", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextSubset": {"x": "y"}}}),
        );
        ok_call(&shared, "organizations:CreateOrganization", json!({}));
        ok_call(
            &shared,
            "backup:CreateBackupVault",
            json!({"BackupVaultName": "vault-1"}),
        );
        ok(
            &shared,
            "POST",
            "/_keyhole/resources",
            json!({"Arn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", "Tags": {"t": "1"}}),
        );
        ok(
            &shared,
            "POST",
            "/_keyhole/clock/advance",
            json!({"seconds": 5}),
        );
        shared
    }

    #[test]
    fn a_state_document_round_trips_and_refuses_unknown_fields() {
        let shared = rich_world();
        let state = ok(&shared, "GET", "/_keyhole/state", json!({}));
        assert_eq!(
            ok(&shared, "POST", "/_keyhole/state", state.clone()),
            json!({"status": "loaded"})
        );
        assert_eq!(ok(&shared, "GET", "/_keyhole/state", json!({})), state);

        let mut misspelt = state.clone();
        misspelt["settings"]["strictAuthentication"] = json!(true);
        let (status, body) = call(&shared, "POST", "/_keyhole/state", misspelt);
        assert_eq!(status, 400);
        assert_eq!(body["error"], "not a keyhole state document: unknown field `strictAuthentication` at /settings, expected one of `defaultAccount`, `defaultRegion`, `strictAuth`, `denyMessageStyle`");
        // Nested shapes, inside maps and lists, too.
        let mut misspelt = state;
        let users = misspelt["accounts"]["111111111111"]["iam"]["users"]
            .as_object_mut()
            .unwrap();
        let user = users.values_mut().next().unwrap();
        user["tagz"] = json!([]);
        let (status, body) = call(&shared, "POST", "/_keyhole/state", misspelt);
        assert_eq!(status, 400);
        let message = body["error"].as_str().unwrap();
        assert!(message.starts_with("not a keyhole state document: unknown field `tagz` at /accounts/111111111111/iam/users/u, expected one of "), "{message}");
    }

    #[test]
    fn admin_bodies_refuse_unknown_fields() {
        let shared = Harness::new();
        let (status, body) = call(
            &shared,
            "POST",
            "/_keyhole/clock/advance",
            json!({"second": 5}),
        );
        assert_eq!(
            (status, body),
            (
                400,
                json!({"error": "unknown field `second`, expected `seconds`"})
            )
        );
        let (status, body) = call(
            &shared,
            "POST",
            "/_keyhole/resources",
            json!({"Arn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", "KmsKeyARN": "k"}),
        );
        assert_eq!(
            (status, body),
            (
                400,
                json!({"error": "unknown field `KmsKeyARN`, expected one of `Arn`, `KmsKeyArn`, `Tags`, `ResourceType`"})
            )
        );
        let (status, body) = call(
            &shared,
            "POST",
            "/_keyhole/backup/settings",
            json!({"allowRdsCrossRegion": true}),
        );
        assert_eq!(
            (status, body),
            (
                400,
                json!({"error": "unknown field `allowRdsCrossRegion`, expected `allowRdsCrossRegionAndAccount`"})
            )
        );
        let (status, body) = call(
            &shared,
            "POST",
            "/_keyhole/settings",
            json!({"denyMessageStyles": "arn"}),
        );
        assert_eq!(status, 400);
        assert_eq!(body["error"], "not a keyhole settings document: unknown field `denyMessageStyles`, expected `denyMessageStyle` at line 1 column 20");
    }
}
