//! keyhole's own words in a lab (headings, verdicts, status lines) in the five languages:
//! `messages.json` beside this file, built into the binary. A message's `{name}` places
//! are filled by [`say`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::lang::Lang;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Messages {
    /// 1; read so that a file of another version fails the test below.
    #[cfg_attr(not(test), allow(dead_code))]
    version: u32,
    messages: BTreeMap<String, BTreeMap<Lang, String>>,
}

static MESSAGES: LazyLock<Messages> = LazyLock::new(|| {
    serde_json::from_str(include_str!("messages.json"))
        .unwrap_or_else(|e| panic!("src/lab/messages.json (built in): {e}"))
});

/// Message `id` in `lang`, its `{name}` places filled from `args`; English when the
/// language lacks it (a test makes sure none does), the id itself when no language has it.
pub fn say(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    let Some(texts) = MESSAGES.messages.get(id) else {
        return id.to_owned();
    };
    let mut text = texts
        .get(&lang)
        .or_else(|| texts.get(&Lang::En))
        .cloned()
        .unwrap_or_default();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_in_all_five_languages_with_the_same_places() {
        assert_eq!(MESSAGES.version, 1);
        let places = |t: &str| -> Vec<String> {
            let mut p: Vec<String> = t
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            p.sort();
            p
        };
        for (id, texts) in &MESSAGES.messages {
            for lang in Lang::ALL {
                let text = texts
                    .get(&lang)
                    .unwrap_or_else(|| panic!("message {id} has no {lang} text"));
                assert_eq!(places(text), places(&texts[&Lang::En]), "{id} in {lang}");
            }
        }
    }

    #[test]
    fn places_are_filled_and_unknown_ids_show_themselves() {
        assert_eq!(
            say(Lang::Fr, "hint", &[("index", "2"), ("count", "3")]),
            "Indice 2 sur 3 :"
        );
        assert_eq!(
            say(Lang::Ja, "hint", &[("index", "1"), ("count", "3")]),
            "ヒント 1/3:"
        );
        assert_eq!(say(Lang::En, "no-such-message", &[]), "no-such-message");
    }
}
