//! The embedding API, used only through what `keyhole` exports: an emulator in the test
//! process whose admin endpoints are called from Rust and answer exactly as over HTTP.

use keyhole::{AdminError, Emulator, Settings};
use serde_json::json;

const ACCOUNT: &str = "222222222222";

async fn emulator() -> Emulator {
    Emulator::start_with(Settings {
        default_account: ACCOUNT.into(),
        ..Settings::default()
    })
    .await
    .expect("start")
}

#[tokio::test]
async fn a_seeded_world_round_trips_through_state_and_reset_forgets_it() {
    let emu = emulator().await;
    let created = emu
        .seed(&json!({"accounts": {ACCOUNT: {"users": [{"name": "alice"}]}}}))
        .expect("seed");
    assert_eq!(created["status"], "seeded");
    let state = emu.state().expect("state");
    assert!(state["accounts"][ACCOUNT]["iam"]["users"]["alice"].is_object());

    emu.reset().expect("reset");
    assert!(emu.state().unwrap()["accounts"][ACCOUNT].is_null());
    emu.load_state(&state).expect("load");
    assert_eq!(emu.state().unwrap(), state);
}

#[tokio::test]
async fn admin_refusals_carry_the_endpoints_status_and_text() {
    let emu = emulator().await;
    let mut misspelt = emu.state().unwrap();
    misspelt["settings"]["strictAuthentication"] = json!(true);
    assert_eq!(
        emu.load_state(&misspelt),
        Err(AdminError {
            status: 400,
            message: "not a keyhole state document: unknown field `strictAuthentication` at /settings, expected one of `defaultAccount`, `defaultRegion`, `strictAuth`, `denyMessageStyle`".into(),
        })
    );
    assert_eq!(
        emu.advance_clock(-1.0),
        Err(AdminError {
            status: 400,
            message: "expected {\"seconds\": <non-negative number>}".into(),
        })
    );
    let missing = emu
        .admin("GET", "/_keyhole/nothing", &json!(null))
        .unwrap_err();
    assert_eq!(
        (missing.status, missing.message.as_str()),
        (404, "no admin endpoint GET /_keyhole/nothing")
    );
    assert_eq!(
        emu.admin("NOT A METHOD", "/_keyhole/state", &json!(null)),
        Err(AdminError {
            status: 400,
            message: "not an HTTP method: \"NOT A METHOD\"".into(),
        })
    );
}

#[tokio::test]
async fn the_clock_moves_only_forward_and_by_what_was_asked() {
    let emu = emulator().await;
    let before = emu.now();
    emu.advance_clock(3600.0).unwrap();
    let after = emu.now();
    // The wall clock runs on too, so at least an hour and well under two passed.
    assert!(
        after - before >= 3600.0 && after - before < 7200.0,
        "{before} → {after}"
    );
}
