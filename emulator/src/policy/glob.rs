//! Globs (`*`, `?`) and ARN patterns (each segment globbed on its own): pure text matching,
//! apart from principal matching (`matcher.rs`) so the parsed policy names its patterns
//! without importing the matcher, which reads the parsed policy.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(String),
    Star,
    One,
}

/// A compiled `*`/`?` glob, anchored at both ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    toks: Vec<Tok>,
    /// The pattern as written (after case folding, for actions).
    pub text: String,
}

impl Glob {
    /// `*` and `?` are wildcards; every other character is literal.
    pub fn new(pattern: &str) -> Glob {
        Glob::from_marked(pattern.chars().map(|c| (c, false)))
    }

    /// Characters flagged `true` are literal even if they are `*` or `?`
    /// (values substituted from policy variables, `${*}`, `${?}`).
    pub fn from_marked(chars: impl IntoIterator<Item = (char, bool)>) -> Glob {
        let mut toks: Vec<Tok> = Vec::new();
        let mut text = String::new();
        for (c, literal) in chars {
            text.push(c);
            match (c, literal) {
                ('*', false) => {
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                }
                ('?', false) => toks.push(Tok::One),
                _ => match toks.last_mut() {
                    Some(Tok::Lit(s)) => s.push(c),
                    _ => toks.push(Tok::Lit(c.to_string())),
                },
            }
        }
        Glob { toks, text }
    }

    pub fn is_match_all(&self) -> bool {
        self.toks == [Tok::Star]
    }

    pub fn has_wildcards(&self) -> bool {
        self.toks.iter().any(|t| !matches!(t, Tok::Lit(_)))
    }

    /// Greedy match with backtracking to the last `*`: linear for typical
    /// patterns, O(n·m) at worst, never exponential.
    pub fn matches(&self, s: &str) -> bool {
        let toks = &self.toks;
        match toks.as_slice() {
            [] => return s.is_empty(),
            [Tok::Star] => return true,
            [Tok::Lit(l)] => return l == s,
            [Tok::Lit(l), Tok::Star] => return s.starts_with(l.as_str()),
            _ => {}
        }
        let (mut ti, mut si) = (0usize, 0usize);
        let mut backtrack: Option<(usize, usize)> = None;
        loop {
            if let Some(t) = toks.get(ti) {
                match t {
                    Tok::Star => {
                        ti += 1;
                        backtrack = Some((ti, si));
                        continue;
                    }
                    Tok::One => {
                        if let Some(c) = s[si..].chars().next() {
                            si += c.len_utf8();
                            ti += 1;
                            continue;
                        }
                    }
                    Tok::Lit(l) => {
                        if s[si..].starts_with(l.as_str()) {
                            si += l.len();
                            ti += 1;
                            continue;
                        }
                    }
                }
            } else if si == s.len() {
                return true;
            }
            match backtrack {
                Some((bt, bs)) => match s[bs..].chars().next() {
                    Some(c) => {
                        let ns = bs + c.len_utf8();
                        backtrack = Some((bt, ns));
                        ti = bt;
                        si = ns;
                    }
                    None => return false,
                },
                None => return false,
            }
        }
    }
}

/// An ARN pattern: `arn:partition:service:region:account:resource`, each of
/// the first five segments globbed on its own, the resource (which may hold
/// `:` and `/`) as one glob. Anything not ARN-shaped is one glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnPattern {
    segments: Option<Vec<Glob>>,
    whole: Glob,
}

impl ArnPattern {
    pub fn new(pattern: &str) -> ArnPattern {
        ArnPattern::from_marked(&pattern.chars().map(|c| (c, false)).collect::<Vec<_>>())
    }

    pub fn from_marked(chars: &[(char, bool)]) -> ArnPattern {
        let whole = Glob::from_marked(chars.iter().copied());
        let mut parts: Vec<&[(char, bool)]> = Vec::with_capacity(6);
        let mut rest = chars;
        while parts.len() < 5 {
            match rest.iter().position(|&(c, _)| c == ':') {
                Some(i) => {
                    parts.push(&rest[..i]);
                    rest = &rest[i + 1..];
                }
                None => break,
            }
        }
        let segments = if parts.len() == 5 {
            parts.push(rest);
            Some(
                parts
                    .into_iter()
                    .map(|p| Glob::from_marked(p.iter().copied()))
                    .collect(),
            )
        } else {
            None
        };
        ArnPattern { segments, whole }
    }

    pub fn text(&self) -> &str {
        &self.whole.text
    }

    pub fn is_match_all(&self) -> bool {
        self.whole.is_match_all()
    }

    pub fn matches(&self, arn: &str) -> bool {
        let Some(segs) = &self.segments else {
            return self.whole.matches(arn);
        };
        let mut rest = arn;
        for seg in &segs[..5] {
            let Some(i) = rest.find(':') else {
                return false;
            };
            if !seg.matches(&rest[..i]) {
                return false;
            }
            rest = &rest[i + 1..];
        }
        segs[5].matches(rest)
    }
}
