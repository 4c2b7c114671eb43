//! The five languages labs speak, and how a learner picks one: `--lang`, else `KEYHOLE_LANG`,
//! else the locale in `LANG` (`ja_JP.UTF-8` is Japanese), else English.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language a lab's texts and keyhole's lab messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ja,
    Zh,
    Ko,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Ja, Lang::Zh, Lang::Ko, Lang::Fr];

    /// The code used in file names, `--lang` and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
            Lang::Zh => "zh",
            Lang::Ko => "ko",
            Lang::Fr => "fr",
        }
    }

    /// The language of a POSIX locale or a BCP 47 tag (`ko_KR.UTF-8`, `zh-Hans-CN`, `fr`);
    /// `None` for `C`, `POSIX` or a language keyhole does not speak.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let language = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == language)
    }

    /// `--lang` if given, else `KEYHOLE_LANG`, else `LANG`, else English. `env` reads one
    /// variable (the process environment outside tests).
    pub fn choose(flag: Option<Lang>, env: impl Fn(&str) -> Option<String>) -> Lang {
        flag.or_else(|| env("KEYHOLE_LANG").and_then(|v| Lang::from_locale(&v)))
            .or_else(|| env("LANG").and_then(|v| Lang::from_locale(&v)))
            .unwrap_or(Lang::En)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(code: &str) -> Result<Lang, String> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| {
                format!("no language {code:?}: keyhole's labs speak en, ja, zh, ko and fr")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_flag_wins_then_keyhole_lang_then_the_locale() {
        let all = [("KEYHOLE_LANG", "fr"), ("LANG", "ja_JP.UTF-8")];
        assert_eq!(Lang::choose(Some(Lang::Ko), env(&all)), Lang::Ko);
        assert_eq!(Lang::choose(None, env(&all)), Lang::Fr);
        assert_eq!(
            Lang::choose(None, env(&[("LANG", "ja_JP.UTF-8")])),
            Lang::Ja
        );
        assert_eq!(
            Lang::choose(None, env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::Zh
        );
        assert_eq!(Lang::choose(None, env(&[("LANG", "C.UTF-8")])), Lang::En);
        assert_eq!(
            Lang::choose(None, env(&[("LANG", "de_DE.UTF-8")])),
            Lang::En
        );
        assert_eq!(Lang::choose(None, env(&[])), Lang::En);
        // An unknown KEYHOLE_LANG falls through to the locale, not to English.
        let odd = [("KEYHOLE_LANG", "xx"), ("LANG", "ko_KR.UTF-8")];
        assert_eq!(Lang::choose(None, env(&odd)), Lang::Ko);
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_say_which_exist() {
        for l in Lang::ALL {
            assert_eq!(l.code().parse::<Lang>(), Ok(l));
        }
        assert_eq!(
            "de".parse::<Lang>(),
            Err("no language \"de\": keyhole's labs speak en, ja, zh, ko and fr".to_owned())
        );
        assert_eq!(Lang::from_locale("zh-Hans-CN"), Some(Lang::Zh));
    }
}
