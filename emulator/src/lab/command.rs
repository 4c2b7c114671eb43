//! AWS CLI commands, both ways: reading one quoted in a lab's text (`aws kms get-key-policy
//! --profile source --key-id ...`) and checking it against the botocore model, and writing a
//! scenario's step as the command a learner would type.

use serde_json::Value;

use crate::protocol::model::ShapeKind;
use crate::protocol::ServiceId;
use crate::scenario::script::cli_name;

/// Options every AWS CLI command takes, whatever the operation; `true` when it takes a value.
const GLOBAL_OPTIONS: &[(&str, bool)] = &[
    ("--profile", true),
    ("--region", true),
    ("--query", true),
    ("--output", true),
    ("--endpoint-url", true),
    ("--no-cli-pager", false),
    ("--cli-input-json", true),
];

/// A command read and found in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub service: ServiceId,
    /// The model's operation name (`GetKeyPolicy`).
    pub operation: String,
    /// Each option given, with its value (`None` for a flag).
    pub options: Vec<(String, Option<String>)>,
}

impl Command {
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(o, _)| o == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// Reads `text` as one AWS CLI command and checks its service, operation and options
/// against the model: the reason if anything is not what the CLI would accept.
pub fn parse(text: &str) -> Result<Command, String> {
    let words = split_words(text)?;
    let mut words = words.into_iter();
    if words.next().as_deref() != Some("aws") {
        return Err("a command starts with `aws`".into());
    }
    let Some(service_name) = words.next() else {
        return Err("`aws` needs a service (kms, backup, organizations, iam, sts)".into());
    };
    let service = ServiceId::from_signing_name(&service_name)
        .ok_or_else(|| format!("keyhole does not serve {service_name:?}"))?;
    let Some(op_name) = words.next() else {
        return Err(format!("`aws {service_name}` needs an operation"));
    };
    let model = service.model();
    let operation = model
        .operations
        .values()
        .find(|op| cli_name(&op.name) == op_name)
        .ok_or_else(|| format!("`aws {service_name}` has no operation {op_name:?}"))?;
    let members: Vec<(String, bool)> = operation
        .input
        .as_deref()
        .and_then(|shape| model.shape(shape))
        .map(|shape| {
            shape
                .members
                .iter()
                .map(|m| {
                    let boolean = model
                        .shape(&m.shape)
                        .is_some_and(|s| s.kind == ShapeKind::Boolean);
                    (format!("--{}", cli_name(&m.name)), boolean)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut options = Vec::new();
    let mut words = words.peekable();
    while let Some(word) = words.next() {
        let takes_value = if let Some((_, takes)) = GLOBAL_OPTIONS.iter().find(|(o, _)| *o == word)
        {
            Some(*takes)
        } else if let Some((_, boolean)) = members.iter().find(|(m, _)| *m == word) {
            Some(!boolean)
        } else if let Some(flag) = word.strip_prefix("--no-") {
            // A boolean member's negative form (`--no-enabled`).
            members
                .iter()
                .any(|(m, boolean)| *boolean && m.strip_prefix("--") == Some(flag))
                .then_some(false)
        } else {
            None
        };
        let Some(takes_value) = takes_value else {
            let known: Vec<&str> = members.iter().map(|(m, _)| m.as_str()).collect();
            return Err(format!(
                "`aws {service_name} {op_name}` has no option {word:?} (it takes {})",
                if known.is_empty() {
                    "no options".to_owned()
                } else {
                    known.join(", ")
                }
            ));
        };
        let value = if takes_value {
            match words.next() {
                Some(v) if !v.starts_with("--") => Some(v),
                _ => return Err(format!("{word} needs a value")),
            }
        } else {
            None
        };
        options.push((word, value));
    }
    Ok(Command {
        service,
        operation: operation.name.clone(),
        options,
    })
}

/// Shell words: spaces separate, single quotes keep everything, double quotes keep
/// everything but `\"`; pipes, `;`, `&&` and redirections are refused (one command each).
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("a single quote is not closed".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => w.push(c),
                            None => return Err("a double quote is not closed".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("a double quote is not closed".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("a command cannot end with `\\`".into()),
            },
            '|' | ';' | '&' | '>' | '<' | '`' => {
                return Err(format!("one command only: {c:?} is not allowed"));
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// `value` quoted for a POSIX shell when it needs to be.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%*".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The AWS CLI command for one call: `input`'s members as options in the model's (sorted) order,
/// strings as they are, other values as JSON; a member in `files` (member → path) is passed
/// as `file://path`, as one passes a policy.
pub fn render(
    service: ServiceId,
    operation: &str,
    profile: &str,
    input: &Value,
    files: &[(String, String)],
) -> String {
    let mut command = format!(
        "aws {} {} --profile {}",
        service.signing_name(),
        cli_name(operation),
        shell_quote(profile)
    );
    let Some(fields) = input.as_object() else {
        return command;
    };
    let model = service.model();
    let order: Vec<&str> = model
        .operations
        .get(operation)
        .and_then(|op| op.input.as_deref())
        .and_then(|shape| model.shape(shape))
        .map(|shape| shape.members.iter().map(|m| m.name.as_str()).collect())
        .unwrap_or_default();
    let mut members: Vec<(&String, &Value)> = fields.iter().collect();
    members.sort_by_key(|(m, _)| order.iter().position(|o| o == m).unwrap_or(usize::MAX));
    for (member, value) in members {
        let option = format!("--{}", cli_name(member));
        if let Some((_, path)) = files.iter().find(|(m, _)| m == member) {
            command.push_str(&format!(
                " {option} {}",
                shell_quote(&format!("file://{path}"))
            ));
            continue;
        }
        match value {
            Value::Bool(true) => command.push_str(&format!(" {option}")),
            Value::Bool(false) => {
                command.push_str(&format!(" --no-{}", cli_name(member)));
            }
            Value::String(text) => command.push_str(&format!(" {option} {}", shell_quote(text))),
            other => command.push_str(&format!(" {option} {}", shell_quote(&other.to_string()))),
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_command_names_a_real_operation_and_its_members() {
        let c = parse("aws kms get-key-policy --profile source --key-id 'arn:aws:kms:us-east-1:111111111111:key/x' --policy-name default --query Policy --output text").unwrap();
        assert_eq!(c.service, ServiceId::Kms);
        assert_eq!(c.operation, "GetKeyPolicy");
        assert_eq!(
            c.option("--key-id"),
            Some("arn:aws:kms:us-east-1:111111111111:key/x")
        );
        assert_eq!(c.option("--profile"), Some("source"));
        let c = parse("aws backup list-copy-jobs --by-state FAILED --profile source").unwrap();
        assert_eq!(c.operation, "ListCopyJobs");
    }

    #[test]
    fn misspellings_and_shell_tricks_are_refused_with_the_reason() {
        assert_eq!(
            parse("aws kms get-key-polcy --key-id x"),
            Err("`aws kms` has no operation \"get-key-polcy\"".to_owned())
        );
        assert_eq!(
            parse("aws ec2 describe-volumes"),
            Err("keyhole does not serve \"ec2\"".to_owned())
        );
        assert_eq!(
            parse("aws kms describe-key --key-idd x"),
            Err("`aws kms describe-key` has no option \"--key-idd\" (it takes --grant-tokens, --key-id)".to_owned())
        );
        assert_eq!(
            parse("aws kms describe-key --key-id"),
            Err("--key-id needs a value".to_owned())
        );
        assert_eq!(
            parse("aws kms list-keys | jq ."),
            Err("one command only: '|' is not allowed".to_owned())
        );
        assert_eq!(
            parse("kms list-keys"),
            Err("a command starts with `aws`".to_owned())
        );
        assert_eq!(
            parse("aws kms describe-key --key-id 'x"),
            Err("a single quote is not closed".to_owned())
        );
    }

    #[test]
    fn rendered_steps_parse_back_to_the_same_call() {
        let input = json!({"KeyId": "arn:aws:kms:us-east-1:111111111111:key/k", "PolicyName": "default", "Policy": "{...}", "BypassPolicyLockoutSafetyCheck": false});
        let text = render(
            ServiceId::Kms,
            "PutKeyPolicy",
            "source",
            &input,
            &[("Policy".into(), "policies/shared key.json".into())],
        );
        assert_eq!(
            text,
            "aws kms put-key-policy --profile source --no-bypass-policy-lockout-safety-check --key-id arn:aws:kms:us-east-1:111111111111:key/k --policy 'file://policies/shared key.json' --policy-name default"
        );
        let back = parse(&text).unwrap();
        assert_eq!(back.operation, "PutKeyPolicy");
        assert_eq!(
            back.option("--policy"),
            Some("file://policies/shared key.json")
        );
        let quoted = render(
            ServiceId::Backup,
            "StartCopyJob",
            "source",
            &json!({"Lifecycle": {"DeleteAfterDays": 14}, "IamRoleArn": "it's"}),
            &[],
        );
        assert_eq!(
            quoted,
            r#"aws backup start-copy-job --profile source --iam-role-arn 'it'\''s' --lifecycle '{"DeleteAfterDays":14}'"#
        );
        assert_eq!(
            parse(&quoted).unwrap().option("--iam-role-arn"),
            Some("it's")
        );
    }

    proptest::proptest! {
        /// Whatever the values (quotes, spaces, `$`, backslashes, non-ASCII), the command
        /// keyhole prints reads back, through the shell's quoting rules, as the same values.
        #[test]
        fn any_rendered_command_reads_back_with_its_values(
            key in "\\PC{0,40}",
            name in "[ -~]{0,20}",
        ) {
            // A value that starts with `--` reads as an option to the CLI too.
            proptest::prop_assume!(!key.starts_with("--") && !name.starts_with("--"));
            let input = json!({"KeyId": key, "PolicyName": name});
            let text = render(ServiceId::Kms, "GetKeyPolicy", "source", &input, &[]);
            let back = parse(&text).unwrap();
            proptest::prop_assert_eq!(back.option("--key-id"), Some(key.as_str()));
            proptest::prop_assert_eq!(back.option("--policy-name"), Some(name.as_str()));
        }

        /// Any text at all: an answer or a reason, never a panic.
        #[test]
        fn any_text_is_a_command_or_a_reason(text in "\\PC{0,80}") {
            let _ = parse(&text);
        }
    }
}
