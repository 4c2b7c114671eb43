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
