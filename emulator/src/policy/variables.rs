//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/k}`, the escapes
//! `${*}`, `${?}`, `${$}`, and defaults `${key, 'default'}`. Only under
//! Version 2012-10-17; elsewhere the text is literal.

use super::context::Context;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text whose `*`/`?` are wildcards (where the operator has wildcards).
    Text(String),
    /// A literal character from an escape.
    Escaped(char),
    Var {
        key_lc: String,
        default: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    pub text: String,
}

impl Template {
    /// `None` when the text holds no `${...}`: use the plain compiled form.
    pub fn parse(text: &str) -> Option<Template> {
        if !text.contains("${") {
            return None;
        }
        let mut parts = Vec::new();
        let mut rest = text;
        let mut lit = String::new();
        while let Some(i) = rest.find("${") {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                lit.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let inner = after[..j].trim();
            if !lit.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut lit)));
            }
            match inner {
                "*" => parts.push(Part::Escaped('*')),
                "?" => parts.push(Part::Escaped('?')),
                "$" => parts.push(Part::Escaped('$')),
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        Some((k, d)) => {
                            let d = d.trim();
                            let d = d
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .unwrap_or(d);
                            (k.trim(), Some(d.to_string()))
                        }
                        None => (inner, None),
                    };
                    parts.push(Part::Var {
                        key_lc: key.to_ascii_lowercase(),
                        default,
                    });
                }
            }
            rest = &after[j + 1..];
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Some(Template {
            parts,
            text: text.to_string(),
        })
    }

    /// The substituted characters, each flagged literal (`true`) when it came
    /// from a variable or escape. `None`: a variable has no value and no
    /// default, so the value matches nothing.
    pub fn resolve(&self, ctx: &Context) -> Option<Vec<(char, bool)>> {
        let mut out = Vec::with_capacity(self.text.len());
        for part in &self.parts {
            match part {
                Part::Text(t) => out.extend(t.chars().map(|c| (c, false))),
                Part::Escaped(c) => out.push((*c, true)),
                Part::Var { key_lc, default } => {
                    let value = match ctx.get(key_lc) {
                        Some(e) if e.values.len() == 1 => Some(e.values[0].text().into_owned()),
                        _ => default.clone(),
                    }?;
                    out.extend(value.chars().map(|c| (c, true)));
                }
            }
        }
        Some(out)
    }

    /// The context keys this template reads.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { key_lc, .. } => Some(key_lc.as_str()),
            _ => None,
        })
    }
}

pub fn resolved_string(chars: &[(char, bool)]) -> String {
    chars.iter().map(|&(c, _)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::super::context::{Context, ContextValue};
    use super::*;

    #[test]
    fn substitutes_and_escapes() {
        let mut ctx = Context::default();
        ctx.set("aws:username", ContextValue::String("bob".into()));
        let t = Template::parse("home/${aws:UserName}/${*}${aws:missing, 'dflt'}").unwrap();
        let r = t.resolve(&ctx).unwrap();
        assert_eq!(resolved_string(&r), "home/bob/*dflt");
        assert!(r.iter().any(|&(c, lit)| c == '*' && lit));
        assert!(Template::parse("${aws:nope}")
            .unwrap()
            .resolve(&ctx)
            .is_none());
        assert!(Template::parse("plain").is_none());
    }
}
