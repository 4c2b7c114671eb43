//! Admin endpoints under `/_keyhole/`: JSON in, JSON out, no authentication (keyhole binds
//! to loopback by default).

use serde_json::{json, Value};

use crate::pipeline::Shared;
use crate::protocol::{HttpRequest, HttpResponse, ServiceId};
use crate::world::{DenyMessageStyle, World};

pub fn handle(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    let path = req.raw_path.trim_end_matches('/');
    if crate::services::backup::admin::handles(path) {
        return crate::services::backup::admin::handle(shared, req);
    }
    match (req.method.as_str(), path) {
        ("GET", "/_keyhole/health") => HttpResponse::json(200, &health()),
        ("POST", "/_keyhole/reset") => {
            shared.world().reset();
            HttpResponse::json(200, &json!({"status": "reset"}))
        }
        ("GET", "/_keyhole/state") => match serde_json::to_value(&*shared.world()) {
            Ok(state) => HttpResponse::json(200, &state),
            Err(e) => error(500, &format!("state could not be serialized: {e}")),
        },
        ("POST", "/_keyhole/state") => match serde_json::from_slice::<World>(&req.body) {
            Ok(world) => {
                *shared.world() = world;
                HttpResponse::json(200, &json!({"status": "loaded"}))
            }
            Err(e) => error(400, &format!("not a keyhole state document: {e}")),
        },
        ("POST", "/_keyhole/seed") => seed(shared, req),
        ("GET", "/_keyhole/settings") => settings_out(&shared.world()),
        ("POST", "/_keyhole/settings") => update_settings(shared, req),
        ("POST", "/_keyhole/clock/advance") => {
            let seconds = serde_json::from_slice::<Value>(&req.body)
                .ok()
                .and_then(|v| v["seconds"].as_f64());
            match seconds {
                Some(s) if s >= 0.0 => {
                    shared.clock.advance(s);
                    HttpResponse::json(200, &json!({"now": shared.clock.now()}))
                }
                _ => error(400, "expected {\"seconds\": <non-negative number>}"),
            }
        }
        ("GET", "/_keyhole/clock") => HttpResponse::json(
            200,
            &json!({"now": shared.clock.now(), "offsetSeconds": shared.clock.offset_seconds()}),
        ),
        _ => error(
            404,
            &format!("no admin endpoint {} {}", req.method, req.raw_path),
        ),
    }
}

/// Applies an IAM seed document (see [`crate::services::iam::seed`]).
fn seed(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    let seed = match serde_json::from_slice::<crate::services::iam::seed::Seed>(&req.body) {
        Ok(seed) => seed,
        Err(e) => return error(400, &format!("not a keyhole seed document: {e}")),
    };
    let now = shared.clock.now();
    match crate::services::iam::seed::apply(&mut shared.world(), &seed, now) {
        Ok(counts) => HttpResponse::json(200, &json!({"status": "seeded", "created": counts})),
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

fn update_settings(shared: &Shared, req: &HttpRequest) -> HttpResponse {
    let update = match serde_json::from_slice::<SettingsUpdate>(&req.body) {
        Ok(u) => u,
        Err(e) => return error(400, &format!("not a keyhole settings document: {e}")),
    };
    let mut world = shared.world();
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

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({"error": message}))
}
