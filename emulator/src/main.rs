//! Minimal entry point for trying `keyhole policy ...`; the server CLI replaces it.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let code = match a.as_slice() {
        ["policy", "validate", "--type", ty, file] => {
            keyhole::policy::cli::run_validate(ty, Path::new(file))
        }
        ["policy", "simulate", rest @ ..] => {
            let batch = rest.contains(&"--batch");
            let explain = rest.contains(&"--explain");
            let file = rest.iter().find(|x| !x.starts_with("--")).map(Path::new);
            keyhole::policy::cli::run_simulate(file, batch, explain)
        }
        _ => {
            eprintln!("usage: keyhole policy validate --type TYPE FILE | keyhole policy simulate [--batch] [--explain] [REQUEST.json]");
            2
        }
    };
    std::process::exit(code);
}
