//! String classes: given the patterns a policy compares one string against (globs, ARN
//! patterns, exact and case-insensitive literals), find one string for every combination of
//! matches that some string has. Each pattern becomes a small NFA; a breadth-first walk over
//! the product of their state sets, over an alphabet of the patterns' own characters plus one
//! fresh character per character class, reaches every reachable combination. Characters
//! that no pattern names behave alike, so the walk is exact, not a sample.

use std::collections::{HashMap, VecDeque};

use foldhash::fast::FixedState;

/// Which characters a wildcard stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Any,
    /// ARN segments before the resource: `*` and `?` never cross a `:`.
    NotColon,
    /// The last component of a path (a user name after its path).
    NotSlash,
    Digit,
    /// A character of a name: neither `:` nor `/`.
    Name,
}

impl Class {
    fn admits(self, c: char) -> bool {
        match self {
            Class::Any => true,
            Class::NotColon => c != ':',
            Class::NotSlash => c != '/',
            Class::Digit => c.is_ascii_digit(),
            Class::Name => c != ':' && c != '/',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// One character; `fold`: compared lower-cased (`StringEqualsIgnoreCase`).
    Char {
        c: char,
        fold: bool,
    },
    One(Class),
    Star(Class),
}

/// A linear pattern (a sequence of steps); a pattern with several branches is a union of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nfa {
    branches: Vec<Vec<Step>>,
}

/// Characters flagged `true` are literal even when they are `*` or `?` (resolved variables).
pub type Marked = [(char, bool)];

fn glob_steps(chars: &Marked, class: Class, fold: bool, out: &mut Vec<Step>) {
    for &(c, literal) in chars {
        match (c, literal) {
            ('*', false) => {
                if out.last() != Some(&Step::Star(class)) {
                    out.push(Step::Star(class))
                }
            }
            ('?', false) => out.push(Step::One(class)),
            _ => out.push(Step::Char { c, fold }),
        }
    }
}

fn marked(text: &str) -> Vec<(char, bool)> {
    text.chars().map(|c| (c, false)).collect()
}

impl Nfa {
    /// Exactly `text`.
    pub fn literal(text: &str) -> Nfa {
        Nfa::literal_marked(&text.chars().map(|c| (c, true)).collect::<Vec<_>>(), false)
    }

    /// `text` compared case-insensitively (`text` lower-cased, as policies store it).
    pub fn literal_folded(text: &str) -> Nfa {
        Nfa::literal_marked(&text.chars().map(|c| (c, true)).collect::<Vec<_>>(), true)
    }

    fn literal_marked(chars: &Marked, fold: bool) -> Nfa {
        let mut steps = Vec::new();
        glob_steps(chars, Class::Any, fold, &mut steps);
        Nfa {
            branches: vec![steps],
        }
    }

    /// A `*`/`?` glob (`StringLike`, actions).
    pub fn glob(text: &str) -> Nfa {
        Nfa::glob_marked(&marked(text))
    }

    pub fn glob_marked(chars: &Marked) -> Nfa {
        let mut steps = Vec::new();
        glob_steps(chars, Class::Any, false, &mut steps);
        Nfa {
            branches: vec![steps],
        }
    }

    /// An ARN pattern, as `glob::ArnPattern` reads it: with five `:` or more, the first five
    /// segments are globbed apart (wildcards stay inside a segment) and the rest is one glob;
    /// otherwise the whole text is one glob.
    pub fn arn(text: &str) -> Nfa {
        Nfa::arn_marked(&marked(text))
    }

    pub fn arn_marked(chars: &Marked) -> Nfa {
        let colons: Vec<usize> = chars
            .iter()
            .enumerate()
            .filter(|(_, &(c, _))| c == ':')
            .map(|(i, _)| i)
            .take(5)
            .collect();
        if colons.len() < 5 {
            return Nfa::glob_marked(chars);
        }
        let mut steps = Vec::new();
        let mut start = 0;
        for &i in &colons {
            glob_steps(&chars[start..i], Class::NotColon, false, &mut steps);
            steps.push(Step::Char {
                c: ':',
                fold: false,
            });
            start = i + 1;
        }
        glob_steps(&chars[start..], Class::Any, false, &mut steps);
        Nfa {
            branches: vec![steps],
        }
    }

    /// A glob on the last `/` component: `name` or `path/name`, as `aws:username` reads a
    /// user's path and name.
    pub fn last_component(chars: &Marked) -> Nfa {
        let mut bare = Vec::new();
        glob_steps(chars, Class::NotSlash, false, &mut bare);
        let mut pathed = vec![
            Step::Star(Class::Any),
            Step::Char {
                c: '/',
                fold: false,
            },
        ];
        pathed.extend(bare.iter().cloned());
        Nfa {
            branches: vec![bare, pathed],
        }
    }

    /// `n` characters of `class`, such as the 12 digits of an account ID.
    pub fn repeat(class: Class, n: usize) -> Nfa {
        Nfa {
            branches: vec![vec![Step::One(class); n]],
        }
    }

    /// `svc:Name`: what a request's action looks like.
    pub fn action_shape() -> Nfa {
        let c = Class::NotColon;
        Nfa {
            branches: vec![vec![
                Step::One(c),
                Step::Star(c),
                Step::Char {
                    c: ':',
                    fold: false,
                },
                Step::One(c),
                Step::Star(c),
            ]],
        }
    }

    /// `name` or `path/name`: an IAM user's or role's path and name, or a service's name.
    pub fn name_shape() -> Nfa {
        Nfa {
            branches: vec![
                vec![Step::One(Class::Name)],
                vec![
                    Step::One(Class::Name),
                    Step::Star(Class::NotColon),
                    Step::One(Class::Name),
                ],
            ],
        }
    }

    /// An ARN whose account segment matches `account`, as `request::arn_account` reads it:
    /// `arn:` and three segments, the account, and a resource after it.
    pub fn arn_account(account: &Nfa) -> Nfa {
        let any = |class| Step::Star(class);
        let colon = Step::Char {
            c: ':',
            fold: false,
        };
        let mut head: Vec<Step> = "arn:"
            .chars()
            .map(|c| Step::Char { c, fold: false })
            .collect();
        for _ in 0..3 {
            head.push(any(Class::NotColon));
            head.push(colon.clone());
        }
        let branches = account
            .branches
            .iter()
            .map(|b| {
                let mut steps = head.clone();
                // The account is one segment: its wildcards stay inside it.
                steps.extend(b.iter().map(|s| match s {
                    Step::Star(Class::Any) => Step::Star(Class::NotColon),
                    Step::One(Class::Any) => Step::One(Class::NotColon),
                    other => other.clone(),
                }));
                steps.push(colon.clone());
                steps.push(any(Class::Any));
                steps
            })
            .collect();
        Nfa { branches }
    }

    /// Whether the pattern names any character (`*` and `????` name none: they match
    /// strangers' values as well as yours).
    pub fn names_something(&self) -> bool {
        self.chars().next().is_some()
    }

    /// Whether `s` matches; the reference the walk is tested against.
    pub fn matches(&self, s: &str) -> bool {
        // Two buffers, swapped at each character: the checks call this once per request.
        let mut set = self.start();
        let mut next = Vec::with_capacity(set.capacity());
        for c in s.chars() {
            if set.is_empty() {
                return false;
            }
            self.advance_into(&set, c, &mut next);
            std::mem::swap(&mut set, &mut next);
        }
        self.accepts(&set)
    }

    /// States are (branch, position) pairs, kept sorted in a vector.
    fn start(&self) -> Vec<(u16, u16)> {
        let mut set: Vec<(u16, u16)> = (0..self.branches.len()).map(|b| (b as u16, 0)).collect();
        self.close(&mut set);
        set
    }

    /// ε-closure: a `*` may match nothing.
    fn close(&self, set: &mut Vec<(u16, u16)>) {
        let mut i = 0;
        while i < set.len() {
            let (b, p) = set[i];
            if let Some(Step::Star(_)) = self.branches[b as usize].get(p as usize) {
                if !set.contains(&(b, p + 1)) {
                    set.push((b, p + 1));
                }
            }
            i += 1;
        }
        set.sort_unstable();
        set.dedup();
    }

    fn advance(&self, set: &[(u16, u16)], c: char) -> Vec<(u16, u16)> {
        let mut next = Vec::new();
        self.advance_into(set, c, &mut next);
        next
    }

    fn advance_into(&self, set: &[(u16, u16)], c: char, next: &mut Vec<(u16, u16)>) {
        next.clear();
        for &(b, p) in set {
            match self.branches[b as usize].get(p as usize) {
                Some(Step::Char { c: want, fold }) => {
                    let hit = if *fold {
                        c.to_lowercase().eq(want.to_lowercase())
                    } else {
                        c == *want
                    };
                    if hit {
                        next.push((b, p + 1));
                    }
                }
                Some(Step::One(class)) if class.admits(c) => next.push((b, p + 1)),
                Some(Step::Star(class)) if class.admits(c) => next.push((b, p)),
                _ => {}
            }
        }
        self.close(next);
    }

    fn accepts(&self, set: &[(u16, u16)]) -> bool {
        set.iter()
            .any(|&(b, p)| p as usize == self.branches[b as usize].len())
    }

    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.branches.iter().flatten().filter_map(|s| match s {
            Step::Char { c, .. } => Some(*c),
            _ => None,
        })
    }
}

/// One string per reachable combination of matches, with the combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringClass {
    pub example: String,
    pub matches: Vec<bool>,
}

/// The walk visited more product states than it may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyStates(pub usize);

/// The alphabet: every character a pattern names (both cases where one folds), `:` and `/`,
/// and one fresh character for each class that a wildcard stands for.
fn alphabet(nfas: &[(&Nfa, &str)]) -> Vec<char> {
    let mut set: Vec<char> = vec![':', '/'];
    for (n, _) in nfas {
        // Other cases of a letter differ only where a pattern compares case-insensitively.
        let folds = n
            .branches
            .iter()
            .flatten()
            .any(|s| matches!(s, Step::Char { fold: true, .. }));
        for c in n.chars() {
            set.push(c);
            if folds {
                set.extend(c.to_uppercase());
                set.extend(c.to_lowercase());
            }
        }
    }
    set.sort_unstable();
    set.dedup();
    let fresh_other = "zqxjkvwyZQXJ-_"
        .chars()
        .find(|c| !set.contains(c))
        .unwrap_or('\u{2603}');
    let fresh_digit = "0987654321".chars().find(|c| !set.contains(c));
    set.push(fresh_other);
    set.extend(fresh_digit);
    set
}

/// One NFA's subset construction, built only as far as the walk reaches: the product walk
/// then costs one table lookup per NFA and character instead of an NFA step each time.
struct LazyDfa<'n> {
    nfa: &'n Nfa,
    ids: HashMap<Vec<(u16, u16)>, u32, FixedState>,
    sets: Vec<Vec<(u16, u16)>>,
    accepting: Vec<bool>,
    /// `next[state * sigma + c]`, `UNKNOWN` until first taken.
    next: Vec<u32>,
    sigma: usize,
}

const UNKNOWN: u32 = u32::MAX;

impl<'n> LazyDfa<'n> {
    fn new(nfa: &'n Nfa, sigma: usize) -> LazyDfa<'n> {
        LazyDfa {
            nfa,
            ids: HashMap::default(),
            sets: Vec::new(),
            accepting: Vec::new(),
            next: Vec::new(),
            sigma,
        }
    }

    fn intern(&mut self, set: Vec<(u16, u16)>) -> u32 {
        if let Some(&id) = self.ids.get(&set) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.accepting.push(self.nfa.accepts(&set));
        self.sets.push(set.clone());
        self.ids.insert(set, id);
        self.next.extend(std::iter::repeat_n(UNKNOWN, self.sigma));
        id
    }

    fn step(&mut self, state: u32, index: usize, c: char) -> u32 {
        let slot = state as usize * self.sigma + index;
        if self.next[slot] == UNKNOWN {
            let set = self.nfa.advance(&self.sets[state as usize], c);
            let to = self.intern(set);
            self.next[slot] = to;
        }
        self.next[slot]
    }

    fn is_dead(&self, state: u32) -> bool {
        self.sets[state as usize].is_empty()
    }
}

/// Every reachable combination of matches of the NFAs, each reading its own prefix and then
/// a common string `s`, with the shortest such `s`, in the order the walk found them.
/// `limit` bounds the product states.
pub fn classes(nfas: &[(&Nfa, &str)], limit: usize) -> Result<Vec<StringClass>, TooManyStates> {
    let sigma = alphabet(nfas);
    let mut dfas: Vec<LazyDfa> = nfas
        .iter()
        .map(|(n, _)| LazyDfa::new(n, sigma.len()))
        .collect();
    let start: Box<[u32]> = nfas
        .iter()
        .zip(dfas.iter_mut())
        .map(|((n, prefix), dfa)| {
            let mut set = n.start();
            for c in prefix.chars() {
                set = n.advance(&set, c);
            }
            dfa.intern(set)
        })
        .collect();
    let mut seen: HashMap<Box<[u32]>, usize, FixedState> = HashMap::default();
    // For each visited product state: (parent index, character) to rebuild its string.
    let mut trail: Vec<(usize, char)> = Vec::new();
    let mut queue = VecDeque::new();
    let mut found: HashMap<Vec<bool>, usize, FixedState> = HashMap::default();
    let mut order = Vec::new();
    seen.insert(start.clone(), 0);
    trail.push((usize::MAX, '\0'));
    queue.push_back((start, 0usize));
    while let Some((state, idx)) = queue.pop_front() {
        let vector: Vec<bool> = state
            .iter()
            .zip(&dfas)
            .map(|(&s, dfa)| dfa.accepting[s as usize])
            .collect();
        if !found.contains_key(&vector) {
            found.insert(vector.clone(), idx);
            order.push((vector, idx));
        }
        // A state no NFA can leave (all sets empty) adds nothing new below it.
        if state.iter().zip(&dfas).all(|(&s, dfa)| dfa.is_dead(s)) {
            continue;
        }
        for (index, &c) in sigma.iter().enumerate() {
            let next: Box<[u32]> = state
                .iter()
                .zip(dfas.iter_mut())
                .map(|(&s, dfa)| dfa.step(s, index, c))
                .collect();
            if seen.contains_key(&next) {
                continue;
            }
            if seen.len() >= limit {
                return Err(TooManyStates(limit));
            }
            let at = trail.len();
            seen.insert(next.clone(), at);
            trail.push((idx, c));
            queue.push_back((next, at));
        }
    }
    Ok(order
        .into_iter()
        .map(|(matches, idx)| {
            let mut chars = Vec::new();
            let mut i = idx;
            while trail[i].0 != usize::MAX {
                chars.push(trail[i].1);
                i = trail[i].0;
            }
            chars.reverse();
            StringClass {
                example: chars.into_iter().collect(),
                matches,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::glob::{ArnPattern, Glob};
    use proptest::prelude::*;

    /// The case the naive "fill each wildcard" approach misses: one string in both.
    #[test]
    fn finds_the_string_two_globs_share() {
        let (a, b) = (Nfa::glob("a*"), Nfa::glob("*b"));
        let found = classes(&[(&a, ""), (&b, "")], 10_000).unwrap();
        let both = found.iter().find(|c| c.matches == [true, true]).unwrap();
        assert_eq!(both.example, "ab");
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn arn_wildcards_stay_in_their_segment() {
        let p = Nfa::arn("arn:aws:kms:*:111122223333:key/*");
        assert!(p.matches("arn:aws:kms:us-east-1:111122223333:key/a:b"));
        assert!(!p.matches("arn:aws:kms:a:b:111122223333:key/x"));
        let found = classes(&[(&p, "arn:aws:kms:")], 10_000).unwrap();
        let hit = found.iter().find(|c| c.matches == [true]).unwrap();
        assert_eq!(hit.example, ":111122223333:key/");
    }

    #[test]
    fn a_prefix_is_consumed_before_the_walk() {
        let user = Nfa::arn("arn:aws:iam::*:user/admin-*");
        let name = Nfa::last_component(&marked("admin-?"));
        let prefix = "arn:aws:iam::111111111111:user/";
        let found = classes(&[(&user, prefix), (&name, "")], 10_000).unwrap();
        let vectors: Vec<&[bool]> = found.iter().map(|c| c.matches.as_slice()).collect();
        assert!(vectors.contains(&&[true, false][..]));
        assert!(vectors.contains(&&[false, false][..]));
        // `admin-?` as a last component always starts with `admin-`, so both or neither
        // but for a path: `x/admin-z` matches the name and not `user/admin-*`.
        assert!(vectors.contains(&&[false, true][..]));
        assert!(vectors.contains(&&[true, true][..]));
    }

    #[test]
    fn folded_literals_match_any_case() {
        let n = Nfa::literal_folded("abc");
        assert!(n.matches("AbC"));
        assert!(!n.matches("abd"));
    }

    #[test]
    fn the_walk_has_a_limit() {
        let many: Vec<Nfa> = (0..12).map(|i| Nfa::glob(&format!("*{i}*{i}*"))).collect();
        let refs: Vec<(&Nfa, &str)> = many.iter().map(|n| (n, "")).collect();
        assert_eq!(classes(&refs, 50), Err(TooManyStates(50)));
    }

    fn tiny_glob() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ab:*?]{0,5}").unwrap()
    }

    proptest! {
        /// The NFAs agree with the evaluator's own matchers on every string.
        #[test]
        fn nfas_agree_with_the_matchers(p in tiny_glob(), s in "[abz:]{0,6}") {
            prop_assert_eq!(Nfa::glob(&p).matches(&s), Glob::new(&p).matches(&s));
            prop_assert_eq!(Nfa::arn(&p).matches(&s), ArnPattern::new(&p).matches(&s));
        }

        /// Every combination some short string has, the walk finds (and its example has it).
        #[test]
        fn the_walk_finds_every_combination(ps in proptest::collection::vec(tiny_glob(), 1..4)) {
            let nfas: Vec<Nfa> = ps.iter().map(|p| Nfa::arn(p)).collect();
            let refs: Vec<(&Nfa, &str)> = nfas.iter().map(|n| (n, "")).collect();
            let found = classes(&refs, 100_000).unwrap();
            for class in &found {
                let got: Vec<bool> = nfas.iter().map(|n| n.matches(&class.example)).collect();
                prop_assert_eq!(&got, &class.matches);
            }
            let words = all_words("abz:", 6);
            for w in &words {
                let v: Vec<bool> = nfas.iter().map(|n| n.matches(w)).collect();
                prop_assert!(found.iter().any(|c| c.matches == v), "{w:?} has {v:?}, not found");
            }
        }
    }

    fn all_words(alphabet: &str, max: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..max {
            let mut next = Vec::new();
            for w in &frontier {
                for c in alphabet.chars() {
                    next.push(format!("{w}{c}"));
                }
            }
            out.extend(next.iter().cloned());
            frontier = next;
        }
        out
    }
}
