//! Bad admin calls (`/_keyhole/`): unreadable bodies to every endpoint that reads one, wrong
//! fields and types, unknown endpoints and methods, broken query parameters. Each is a 4xx
//! with keyhole's `{"error": message}` body, never a 5xx.

use http::Method;

use crate::hand::unreadable_json;
use crate::wire::{self, Case, Expect, Shape};

fn admin_case(
    name: &str,
    method: Method,
    path: &str,
    body: impl Into<bytes::Bytes>,
    status: u16,
) -> Case {
    Case {
        name: format!("admin {name}"),
        service: None,
        shape: Shape::Admin,
        request: wire::admin(method, path, body),
        expect: Expect::code(status, ""),
    }
}

pub fn admin_cases(out: &mut Vec<Case>) {
    for path in [
        "/_keyhole/state",
        "/_keyhole/seed",
        "/_keyhole/settings",
        "/_keyhole/clock/advance",
        "/_keyhole/resources",
    ] {
        for (what, body) in unreadable_json() {
            out.push(admin_case(
                &format!("POST {path} {what}"),
                Method::POST,
                path,
                body,
                400,
            ));
        }
    }
    for (what, body) in [
        ("a string", "{\"seconds\": \"10\"}"),
        ("a negative number", "{\"seconds\": -1}"),
        ("an unknown field", "{\"second\": 1}"),
        ("no field", "{}"),
    ] {
        out.push(admin_case(
            &format!("clock advance {what}"),
            Method::POST,
            "/_keyhole/clock/advance",
            body,
            400,
        ));
    }
    for (what, body) in [
        (
            "an unknown field",
            "{\"denyMessageStyle\": \"aws\", \"x\": 1}",
        ),
        ("a wrong type", "{\"denyMessageStyle\": 5}"),
    ] {
        out.push(admin_case(
            &format!("settings {what}"),
            Method::POST,
            "/_keyhole/settings",
            body,
            400,
        ));
    }
    for (what, body) in [
        ("Arn a number", "{\"Arn\": 5}"),
        ("no Arn", "{}"),
        (
            "an unknown field",
            "{\"Arn\": \"arn:aws:ec2:us-east-1:111111111111:volume/vol-1\", \"KmsKeyARN\": \"x\"}",
        ),
    ] {
        out.push(admin_case(
            &format!("resources {what}"),
            Method::POST,
            "/_keyhole/resources",
            body,
            400,
        ));
    }
    for (what, method, path) in [
        (
            "an unknown endpoint",
            Method::GET,
            "/_keyhole/no-such-endpoint",
        ),
        ("GET on reset", Method::GET, "/_keyhole/reset"),
        ("DELETE on state", Method::DELETE, "/_keyhole/state"),
        ("a broken escape in the path", Method::GET, "/_keyhole/%ZZ"),
    ] {
        out.push(admin_case(what, method, path, "", 404));
    }
    for query in [
        "limit=ten",
        "limit=%ZZ",
        "limit=99999999999999999999999",
        "nosuch=1",
    ] {
        let mut request = wire::admin(Method::GET, "/_keyhole/decisions", "");
        request.raw_query = Some(query.to_owned());
        out.push(Case {
            name: format!("admin decisions ?{query}"),
            service: None,
            shape: Shape::Admin,
            request,
            expect: Expect::code(400, ""),
        });
    }
}
