//! `keyhole lab list | start | status | hint | check | solution | reset`. `start` serves the
//! lab and prints the task; the others ask the running lab server, found through
//! `<lab-dir>/endpoint`, so a learner types them in any terminal.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

use super::client;
use super::lang::Lang;
use super::routes::{status, LabRoutes};
use super::session::{write_atomically, Lab};
use super::text::load_texts;
use super::ui::say;
use crate::instance::Instance;
use crate::scenario::cli::Printed;
use crate::scenario::library;
use crate::server;
use crate::world::Settings;

/// The file in the lab folder that holds the running lab server's address.
pub const ENDPOINT_FILE: &str = "endpoint";

/// Every lab: its name, its title in `lang`, what the learner will see.
pub fn list(scenarios: &Path, lang: Lang) -> Printed {
    let labs = match library(scenarios) {
        Ok(l) => l,
        Err(errors) => {
            let text = errors.iter().map(|e| format!("{e}\n")).collect();
            return Printed { text, status: 2 };
        }
    };
    let mut text = String::new();
    let mut status = 0;
    let width = labs.iter().map(|l| l.name.len()).max().unwrap_or(0);
    for lab in &labs {
        match load_texts(lab) {
            Ok(texts) => {
                let _ = writeln!(text, "{:width$}  {}", lab.name, texts[&lang].title);
            }
            Err(e) => {
                let _ = writeln!(text, "{e}");
                status = 2;
            }
        }
    }
    Printed { text, status }
}

/// What `keyhole lab start` needs.
pub struct StartOptions {
    pub scenarios: PathBuf,
    pub name: String,
    pub lab_dir: PathBuf,
    pub lang: Lang,
    pub port: u16,
}

/// Serves lab `name` on 127.0.0.1:`port` until `shutdown` resolves, saving the learner's
/// world as it changes; hands `announce` the task and how to reach the lab (the command
/// prints it) once the lab answers.
pub async fn start(
    options: StartOptions,
    announce: impl FnOnce(String),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("127.0.0.1:{}: {e}", options.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let endpoint = format!("http://{addr}");
    let instance = Arc::new(Instance::new(Settings::default()));
    // A learner's denials show in the console even if it opens after the first one.
    instance.denials.watch();
    let (lab, resumed) = tokio::task::block_in_place(|| {
        Lab::open(
            &options.scenarios,
            &options.name,
            &options.lab_dir,
            options.lang,
            &instance,
            &endpoint,
        )
    })?;
    let lab = Arc::new(lab);
    let routes = LabRoutes {
        lab: lab.clone(),
        instance: instance.clone(),
    };
    let _ = instance.extension.set(Arc::new(routes));
    announce(intro(
        &status(&lab, &instance, options.lang)?,
        options.lang,
        resumed,
    ));
    write_atomically(&options.lab_dir.join(ENDPOINT_FILE), endpoint.as_bytes())?;
    let saver = {
        let (lab, instance) = (lab.clone(), instance.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let (lab, instance) = (lab.clone(), instance.clone());
                let saved = tokio::task::spawn_blocking(move || lab.save(&instance)).await;
                if let Ok(Err(e)) = saved {
                    tracing::warn!("the lab's world could not be saved: {e}");
                }
            }
        })
    };
    server::run(listener, instance.clone(), shutdown).await;
    saver.abort();
    lab.save(&instance)?;
    let _ = std::fs::remove_file(options.lab_dir.join(ENDPOINT_FILE));
    Ok(())
}

/// What `start` prints: the task, what the learner sees, the accounts and how to point the
/// AWS CLI at the lab, the commands that reproduce the failure, where to look, what next.
pub fn intro(status: &Value, lang: Lang, resumed: bool) -> String {
    let s = |key: &str| status[key].as_str().unwrap_or_default().to_owned();
    let endpoint = s("endpoint");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        say(
            lang,
            "running",
            &[
                ("name", &s("name")),
                ("endpoint", &endpoint),
                ("dir", &s("dir"))
            ]
        )
    );
    if resumed {
        let _ = writeln!(out, "{}", say(lang, "resumed", &[("dir", &s("dir"))]));
    }
    let _ = writeln!(out, "\n# {}\n", s("title"));
    let _ = writeln!(out, "## {}\n{}\n", say(lang, "task", &[]), s("task"));
    let _ = writeln!(out, "## {}\n{}\n", say(lang, "symptom", &[]), s("symptom"));
    for line in s("message").lines() {
        let _ = writeln!(out, "    {line}");
    }
    let _ = writeln!(out, "\n## {}", say(lang, "accounts", &[]));
    for a in status["accounts"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  --profile {:24} {}",
            a["profile"].as_str().unwrap_or_default(),
            a["id"].as_str().unwrap_or_default()
        );
    }
    let _ = writeln!(out, "\n{}", say(lang, "cli", &[]));
    let _ = writeln!(out, "    export AWS_ENDPOINT_URL={endpoint}");
    let _ = writeln!(out, "    export AWS_CONFIG_FILE={}", s("awsConfigFile"));
    let _ = writeln!(
        out,
        "    export AWS_SHARED_CREDENTIALS_FILE={}",
        s("awsSharedCredentialsFile")
    );
    let _ = writeln!(out, "\n{}", say(lang, "reproduce", &[]));
    for c in status["reproduce"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "    {}", c.as_str().unwrap_or_default());
    }
    let _ = writeln!(out, "\n## {}", say(lang, "investigate", &[]));
    for i in status["investigate"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "- {}", i["text"].as_str().unwrap_or_default());
        let _ = writeln!(out, "    {}", i["command"].as_str().unwrap_or_default());
    }
    let _ = writeln!(out, "\n{}", say(lang, "next", &[("endpoint", &endpoint)]));
    out
}

/// A command run against the lab server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    Status,
    Hint,
    Check,
    Solution,
    Reset,
}

/// Runs `command` against the lab server that `lab_dir` (or `endpoint`) names; `lang` is
/// the learner's explicit choice, else the lab answers in the language it started with.
pub fn remote(
    command: Remote,
    lab_dir: &Path,
    endpoint: Option<&str>,
    lang: Option<Lang>,
) -> Printed {
    let endpoint = endpoint.map(str::to_owned).unwrap_or_else(|| {
        std::fs::read_to_string(lab_dir.join(ENDPOINT_FILE))
            .map(|t| t.trim().to_owned())
            .unwrap_or_else(|_| "http://127.0.0.1:4566".to_owned())
    });
    let query = lang.map(|l| format!("?lang={l}")).unwrap_or_default();
    let (method, path) = match command {
        Remote::Status => ("GET", "/_keyhole/lab"),
        Remote::Hint => ("POST", "/_keyhole/lab/hint"),
        Remote::Check => ("POST", "/_keyhole/lab/check"),
        Remote::Solution => ("GET", "/_keyhole/lab/solution"),
        Remote::Reset => ("POST", "/_keyhole/lab/reset"),
    };
    let shown = lang.unwrap_or(Lang::En);
    let answer = match client::call(&endpoint, method, &format!("{path}{query}")) {
        Ok((200, body)) => body,
        Ok((_, body)) => {
            let reason = body["error"].as_str().unwrap_or("?").to_owned();
            return no_lab(shown, &endpoint, &reason);
        }
        Err(reason) => return no_lab(shown, &endpoint, &reason),
    };
    let lab_lang = answer["language"]
        .as_str()
        .and_then(|l| l.parse().ok())
        .unwrap_or(shown);
    let lang = lang.unwrap_or(lab_lang);
    let mut text = String::new();
    let mut status = 0;
    match command {
        Remote::Status => {
            let hints = answer["hints"].as_array().map_or(0, Vec::len).to_string();
            let state = if answer["solved"] == true {
                "state-solved"
            } else {
                "state-unsolved"
            };
            let _ = writeln!(
                text,
                "{}",
                say(
                    lang,
                    "status",
                    &[
                        ("name", answer["name"].as_str().unwrap_or_default()),
                        (
                            "language",
                            answer["labLanguage"].as_str().unwrap_or_default()
                        ),
                        ("endpoint", &endpoint),
                        ("hints", &hints),
                        ("count", &answer["hintCount"].to_string()),
                        ("checks", &answer["checks"].to_string()),
                        ("state", &say(lang, state, &[])),
                    ]
                )
            );
        }
        Remote::Hint => {
            let (index, count) = (answer["index"].to_string(), answer["hintCount"].to_string());
            let _ = writeln!(
                text,
                "{}",
                say(lang, "hint", &[("index", &index), ("count", &count)])
            );
            let _ = writeln!(text, "{}", answer["hint"].as_str().unwrap_or_default());
            if index == count {
                let _ = writeln!(text, "\n{}", say(lang, "no-more-hints", &[]));
            }
        }
        Remote::Check => {
            let _ = writeln!(text, "{}", answer["summary"].as_str().unwrap_or_default());
            for f in answer["findings"].as_array().into_iter().flatten() {
                let _ = writeln!(text, "- {}", f.as_str().unwrap_or_default());
            }
            status = i32::from(answer["verdict"] != "solved");
        }
        Remote::Solution => {
            let _ = writeln!(
                text,
                "## {}\n{}\n",
                say(lang, "cause", &[]),
                answer["cause"].as_str().unwrap_or_default()
            );
            let _ = writeln!(
                text,
                "## {}\n{}\n",
                say(lang, "fix", &[]),
                answer["fix"].as_str().unwrap_or_default()
            );
            let dir = answer["dir"].as_str().unwrap_or_default();
            let _ = writeln!(text, "{}", say(lang, "commands", &[("dir", dir)]));
            for c in answer["commands"].as_array().into_iter().flatten() {
                let _ = writeln!(text, "    {}", c.as_str().unwrap_or_default());
            }
        }
        Remote::Reset => {
            let _ = writeln!(text, "{}", say(lang, "reset", &[]));
        }
    }
    Printed { text, status }
}

fn no_lab(lang: Lang, endpoint: &str, reason: &str) -> Printed {
    Printed {
        text: format!(
            "{}\n",
            say(
                lang,
                "no-lab",
                &[("endpoint", endpoint), ("reason", reason)]
            )
        ),
        status: 2,
    }
}
