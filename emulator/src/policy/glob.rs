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

    /// The literal text every match must start with up to the first `sep`, when the pattern
    /// fixes it: `kms:get*` gives `kms`, a wildcard-free `kms` gives `kms`, `k*:x` and `kms*`
    /// give `None` (a match may end its first segment anywhere).
    pub fn literal_head(&self, sep: char) -> Option<&str> {
        match self.toks.as_slice() {
            [Tok::Lit(l)] => Some(l.split(sep).next().unwrap_or(l)),
            [Tok::Lit(l), ..] => l.find(sep).map(|at| &l[..at]),
            _ => None,
        }
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
        self.matches_split(&SplitArn::new(arn))
    }

    /// [`ArnPattern::matches`] on an ARN split once for many patterns (one request against
    /// every statement). The resource segment goes first: it is where patterns differ.
    pub fn matches_split(&self, arn: &SplitArn<'_>) -> bool {
        let Some(segs) = &self.segments else {
            return self.whole.matches(arn.whole);
        };
        let Some(parts) = &arn.segments else {
            return false;
        };
        segs[5].matches(parts[5]) && segs[..5].iter().zip(parts).all(|(g, p)| g.matches(p))
    }
}

/// An ARN cut at its first five colons, once, to be matched against many patterns.
#[derive(Debug, Clone, Copy)]
pub struct SplitArn<'a> {
    whole: &'a str,
    /// `None`: fewer than five colons, so no segmented pattern matches it.
    segments: Option<[&'a str; 6]>,
}

impl<'a> SplitArn<'a> {
    pub fn new(arn: &'a str) -> SplitArn<'a> {
        let mut parts = [""; 6];
        let mut rest = arn;
        for part in &mut parts[..5] {
            // A byte scan: segments are short, and ':' is ASCII (never inside a UTF-8 sequence).
            let Some(i) = rest.bytes().position(|b| b == b':') else {
                return SplitArn {
                    whole: arn,
                    segments: None,
                };
            };
            *part = &rest[..i];
            rest = &rest[i + 1..];
        }
        parts[5] = rest;
        SplitArn {
            whole: arn,
            segments: Some(parts),
        }
    }
}
