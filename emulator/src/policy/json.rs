//! A small JSON reader that keeps byte offsets, so the simulator can report
//! where each statement starts and ends. serde_json drops positions.

/// A JSON value with the byte range it occupies in the source text.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonNode {
    pub value: JsonValue,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    /// Kept as written: IAM compares numbers in conditions as text.
    Number(String),
    String(String),
    Array(Vec<JsonNode>),
    /// Members in document order; duplicates are kept for the validator.
    Object(Vec<(String, JsonNode)>),
}

impl JsonNode {
    pub fn get(&self, key: &str) -> Option<&JsonNode> {
        match &self.value {
            JsonValue::Object(members) => {
                members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Where parsing stopped, for a diagnostic; AWS reports only "Syntax errors in policy.".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub reason: &'static str,
}

const MAX_DEPTH: usize = 64;

pub fn parse(text: &str) -> Result<JsonNode, JsonError> {
    let mut p = Reader {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn err(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.i,
            reason,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, b: u8, reason: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(reason))
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonNode, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let start = self.i;
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonValue::String(self.string()?),
            Some(b't') => self.literal("true", JsonValue::Bool(true))?,
            Some(b'f') => self.literal("false", JsonValue::Bool(false))?,
            Some(b'n') => self.literal("null", JsonValue::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.err("expected a value")),
        };
        Ok(JsonNode {
            value,
            start,
            end: self.i,
        })
    }

    fn literal(&mut self, word: &'static str, v: JsonValue) -> Result<JsonValue, JsonError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("bad literal"))
        }
    }

    fn number(&mut self) -> Result<JsonValue, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("bad number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("bad fraction"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("bad exponent"));
            }
            self.digits();
        }
        Ok(JsonValue::Number(self.text[start..self.i].to_string()))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.err("bad unicode escape")),
            };
            v = v * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"', "expected a string")?;
        let mut out = String::new();
        loop {
            let run_start = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The run ends on an ASCII byte, so it is a whole UTF-8 slice.
            out.push_str(self.text.get(run_start..self.i).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let esc = self.peek().ok_or_else(|| self.err("unterminated escape"))?;
                    self.i += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.s[self.i..].starts_with(b"\\u") {
                                    return Err(self.err("lone surrogate"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code).ok_or_else(|| self.err("bad code point"))?,
                            );
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(JsonValue::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(JsonValue::Array(items));
                }
                _ => return Err(self.err("expected , or ]")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(JsonValue::Object(members));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.expect(b':', "expected :")?;
            self.ws();
            members.push((key, self.value(depth + 1)?));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(JsonValue::Object(members));
                }
                _ => return Err(self.err("expected , or }")),
            }
        }
    }
}

/// 1-based line and column of a byte offset (columns count characters).
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    LineCursor::default().advance_to(text, offset)
}

/// [`line_column`] for many ascending offsets of one text (every statement's span), each
/// step counting from the last offset rather than from the start: linear in the text, not
/// in the text times the offsets.
#[derive(Debug, Clone, Copy)]
pub struct LineCursor {
    offset: usize,
    consumed: usize,
    line: u32,
    col: u32,
}

impl Default for LineCursor {
    fn default() -> Self {
        LineCursor {
            offset: 0,
            consumed: 0,
            line: 1,
            col: 1,
        }
    }
}

impl LineCursor {
    pub fn advance_to(&mut self, text: &str, offset: usize) -> (u32, u32) {
        if offset < self.offset {
            *self = LineCursor::default();
        }
        // `self.offset` is always a character boundary: the end of the last character counted.
        let chunk = &text[self.offset..];
        for (i, c) in chunk.char_indices() {
            if self.offset + i >= offset {
                break;
            }
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
            self.consumed = self.offset + i + c.len_utf8();
        }
        self.offset = self.consumed;
        (self.line, self.col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_offsets() {
        let t = r#" {"a": [1, "x\u00e9"], "b": {"c": null}} "#;
        let v = parse(t).unwrap();
        assert_eq!(v.start, 1);
        assert_eq!(v.end, t.len() - 1);
        let a = v.get("a").unwrap();
        assert_eq!(&t[a.start..a.end], r#"[1, "x\u00e9"]"#);
        match &a.value {
            JsonValue::Array(items) => assert_eq!(items[1].as_str(), Some("xé")),
            _ => panic!(),
        }
    }

    #[test]
    fn rejects_bad_json() {
        for t in [
            "",
            "{",
            "{\"a\":}",
            "[1,]",
            "{\"a\":1}x",
            "\"\\ud800\"",
            "01",
            "[-]",
            "\"a\nb\"",
        ] {
            assert!(parse(t).is_err(), "{t}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let t = "[".repeat(10_000);
        assert!(parse(&t).is_err());
    }

    /// The plain scan from the start, the reference for the cursor.
    fn line_column_by_scan(text: &str, offset: usize) -> (u32, u32) {
        let mut line_col = (1, 1);
        for (_, c) in text.char_indices().take_while(|(i, _)| *i < offset) {
            line_col = if c == '\n' {
                (line_col.0 + 1, 1)
            } else {
                (line_col.0, line_col.1 + 1)
            };
        }
        line_col
    }

    #[test]
    fn line_columns() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 0), (1, 1));
        let text = "{\n  \"a\": 1,\n  \"é\": [2]\n}";
        let mut cursor = LineCursor::default();
        // 16 is inside `é`: counted like the scan does, and the cursor goes on from there.
        for offset in [0, 3, 5, 12, 14, 16, 17, 20, 100, 2] {
            assert_eq!(
                cursor.advance_to(text, offset),
                line_column_by_scan(text, offset)
            );
        }
    }
}
