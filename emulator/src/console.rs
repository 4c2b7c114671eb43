//! The web console at `/_keyhole/console/`: static HTML, CSS and JavaScript embedded in the
//! binary (no Node.js, no CDN, nothing fetched from elsewhere), which reads the admin
//! endpoints (`/_keyhole/state`, `/_keyhole/lab`, `/_keyhole/denials`, ...) from the page.

use bytes::Bytes;

use crate::instance::Instance;
use crate::protocol::{HttpRequest, HttpResponse};

const PREFIX: &str = "/_keyhole/console";

/// Each file's name under the prefix, its Content-Type and its text.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../console/index.html"),
    ),
    (
        "core.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/core.js"),
    ),
    (
        "lab.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/lab.js"),
    ),
    (
        "world.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/world.js"),
    ),
    (
        "editor.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/editor.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/app.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/i18n.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../console/style.css"),
    ),
];

/// The answer to `req` when it asks for the console.
pub fn handle(instance: &Instance, req: &HttpRequest) -> Option<HttpResponse> {
    let rest = req.raw_path.strip_prefix(PREFIX)?;
    if req.method != http::Method::GET {
        return None;
    }
    let name = match rest {
        // Relative asset links need the trailing slash.
        "" => return Some(redirect(&format!("{PREFIX}/"))),
        "/" => "index.html",
        _ => rest.strip_prefix('/')?,
    };
    let Some((_, content_type, text)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return Some(HttpResponse {
            status: 404,
            headers: vec![(
                http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8".into(),
            )],
            body: Bytes::from(format!("keyhole's console has no file {name}\n")),
        });
    };
    if name == "index.html" {
        // Someone is looking: the denials they will ask for are kept from now on.
        instance.denials.watch();
    }
    Some(HttpResponse {
        status: 200,
        headers: vec![
            (http::header::CONTENT_TYPE, (*content_type).to_owned()),
            (http::header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        body: Bytes::from_static(text.as_bytes()),
    })
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse {
        status: 308,
        headers: vec![(http::header::LOCATION, to.to_owned())],
        body: Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use http::Method;
    use serde_json::json;

    use super::ASSETS;
    use crate::testing::Harness;

    fn get(h: &Harness, path: &str) -> crate::protocol::HttpResponse {
        let req = crate::protocol::HttpRequest {
            method: Method::GET,
            raw_path: path.to_owned(),
            raw_query: None,
            headers: Default::default(),
            body: Default::default(),
        };
        crate::server::handle(&h.instance, &req, Default::default())
    }

    fn header(r: &crate::protocol::HttpResponse, name: http::HeaderName) -> Option<&str> {
        r.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_console_is_served_with_each_files_content_type() {
        let h = Harness::new();
        let bare = get(&h, "/_keyhole/console");
        assert_eq!(bare.status, 308);
        assert_eq!(
            header(&bare, http::header::LOCATION),
            Some("/_keyhole/console/")
        );
        let index = get(&h, "/_keyhole/console/");
        assert_eq!(index.status, 200);
        assert_eq!(
            header(&index, http::header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        assert!(index.body.starts_with(b"<!doctype html>"));
        for (file, content_type) in [
            ("core.js", "text/javascript; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("i18n.js", "text/javascript; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
        ] {
            let r = get(&h, &format!("/_keyhole/console/{file}"));
            assert_eq!(r.status, 200, "{file}");
            assert_eq!(header(&r, http::header::CONTENT_TYPE), Some(content_type));
        }
        let missing = get(&h, "/_keyhole/console/secrets.txt");
        assert_eq!(missing.status, 404);
        assert_eq!(
            &missing.body[..],
            b"keyhole's console has no file secrets.txt\n"
        );
    }

    #[test]
    fn opening_the_console_starts_keeping_denials() {
        let h = Harness::new();
        let deny = || {
            h.call(
                "111111111111",
                "us-east-1",
                "kms:DescribeKey",
                &json!({"KeyId": "arn:aws:kms:us-east-1:222222222222:key/00000000-0000-0000-0000-000000000000"}),
            )
        };
        assert_eq!(deny().status, 400);
        assert!(!h.instance.denials.watched());
        assert_eq!(get(&h, "/_keyhole/console/").status, 200);
        assert_eq!(deny().status, 400);
        assert_eq!(h.instance.denials.newest_first().len(), 1);
    }

    #[test]
    fn the_page_loads_only_its_own_files() {
        let index = ASSETS
            .iter()
            .find(|(n, _, _)| *n == "index.html")
            .unwrap()
            .2;
        let mut linked = Vec::new();
        for attribute in ["src=\"", "href=\""] {
            for piece in index.split(attribute).skip(1) {
                linked.push(piece.split('"').next().unwrap());
            }
        }
        assert_eq!(
            linked,
            [
                "i18n.js",
                "core.js",
                "lab.js",
                "world.js",
                "editor.js",
                "app.js",
                "data:,",
                "style.css"
            ]
        );
        for (name, _, text) in ASSETS {
            for outside in ["http:", "https:", "url(", "@import", "import("] {
                assert!(!text.contains(outside), "{name} names {outside}");
            }
        }
    }

    /// Each language's labels in i18n.js, by language code.
    fn labels() -> Vec<(String, BTreeSet<String>)> {
        let text = ASSETS.iter().find(|(n, _, _)| *n == "i18n.js").unwrap().2;
        let mut out: Vec<(String, BTreeSet<String>)> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(code) = trimmed.strip_suffix(": {").filter(|c| c.len() == 2) {
                out.push((code.to_owned(), BTreeSet::new()));
            } else if let (Some(rest), Some((_, set))) = (trimmed.strip_prefix('"'), out.last_mut())
            {
                if let Some((key, _)) = rest.split_once("\": ") {
                    set.insert(key.to_owned());
                }
            }
        }
        out
    }

    #[test]
    fn every_language_has_every_label_and_every_label_used_exists() {
        let languages = labels();
        let codes: Vec<&str> = languages.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["en", "ja", "zh", "ko", "fr"]);
        let english = &languages[0].1;
        for (code, keys) in &languages[1..] {
            assert_eq!(keys, english, "{code} differs from en");
        }
        // Labels named in full in the scripts (t("...")) and index.html (data-i18n="..."),
        // and the ones the scripts build from a prefix.
        let mut used = BTreeSet::new();
        let scripts = ASSETS
            .iter()
            .filter(|(n, _, _)| n.ends_with(".js") && *n != "i18n.js");
        let calls = scripts.map(|(_, _, text)| (*text, "t(\""));
        let index = ASSETS
            .iter()
            .find(|(n, _, _)| *n == "index.html")
            .unwrap()
            .2;
        for (text, open) in calls.chain([(index, "data-i18n=\"")]) {
            for (at, _) in text.match_indices(open) {
                // `t("` as a call, not the end of `split("`.
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key = text[at + open.len()..].split('"').next().unwrap();
                // `t("nav." + view)`: the prefix of a built label.
                if !key.ends_with('.') {
                    used.insert(key.to_owned());
                }
            }
        }
        for built in [
            "lab.verdict.solved",
            "lab.verdict.failing",
            "lab.verdict.too-broad",
            "jobs.backup",
            "jobs.copy",
            "jobs.restore",
        ] {
            used.insert(built.to_owned());
        }
        for view in ["lab", "org", "keys", "vaults", "jobs", "denials", "editor"] {
            used.insert(format!("nav.{view}"));
        }
        let missing: Vec<&String> = used.difference(english).collect();
        assert!(
            missing.is_empty(),
            "labels used but not defined: {missing:?}"
        );
        let unused: Vec<&String> = english.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "labels defined but never used: {unused:?}"
        );
    }
}
