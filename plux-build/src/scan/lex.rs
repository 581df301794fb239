//! A byte-level Rust tokenizer: just enough to find item boundaries without syn.
//!
//! It skips whitespace and comments (nested block comments included), and tells identifiers,
//! delimiters, punctuation and literals apart so that a `"`, `'` or `/*` inside a literal or
//! comment never confuses it. It does not validate: what it cannot make sense of (an
//! unterminated string, comment or character literal) is an [`Unlexable`] error, and callers
//! then hand the file to syn, which reports the problem properly.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An identifier or keyword, raw ones (`r#x`) included.
    Ident,
    /// `(`, `[` or `{`.
    Open(u8),
    /// `)`, `]` or `}`.
    Close(u8),
    /// One punctuation byte (`;`, `#`, `!`, `=`, ...).
    Punct(u8),
    /// A string literal `".."` or raw string `r#".."#` (what `syn::LitStr` accepts).
    Str,
    /// Any other literal (number, char, byte string, ...) or a lifetime.
    Other,
}

/// A token and where its bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The text could not be tokenized: what is unterminated, and the byte offset where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unlexable {
    pub(crate) at: usize,
    /// `string literal`, `raw string literal`, `character literal` or `block comment`.
    pub(crate) what: &'static str,
}

impl Unlexable {
    fn new(at: usize, what: &'static str) -> Self {
        Self { at, what }
    }
}

/// A forward-only tokenizer over a file's bytes.
#[derive(Clone, Debug)]
pub(crate) struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// The byte offset of the next unread byte.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The text of a token.
    pub(crate) fn text(&self, token: Token) -> &'a [u8] {
        &self.bytes[token.start..token.end]
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// Skips whitespace and comments.
    pub(crate) fn skip_trivia(&mut self) -> Result<(), Unlexable> {
        loop {
            match self.at(self.pos) {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'/' if self.at(self.pos + 1) == b'/' => {
                    self.pos = memchr::memchr(b'\n', &self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                }
                b'/' if self.at(self.pos + 1) == b'*' => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn block_comment(&mut self) -> Result<(), Unlexable> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = self.pos;
        while i < self.bytes.len() {
            match (self.bytes[i], self.at(i + 1)) {
                (b'/', b'*') => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        self.pos = i;
                        return Ok(());
                    }
                }
                _ => i += 1,
            }
        }
        Err(Unlexable::new(start, "block comment"))
    }

    /// The next token, `None` at the end.
    pub(crate) fn next_token(&mut self) -> Result<Option<Token>, Unlexable> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(&b) = self.bytes.get(start) else {
            return Ok(None);
        };
        let kind = match b {
            b'(' | b'[' | b'{' => {
                self.pos += 1;
                Tok::Open(b)
            }
            b')' | b']' | b'}' => {
                self.pos += 1;
                Tok::Close(b)
            }
            b'"' => {
                self.pos = self.quoted(start + 1)?;
                self.suffix();
                Tok::Str
            }
            b'\'' => self.quote_or_lifetime()?,
            b'0'..=b'9' => {
                self.pos += 1;
                while is_ident_continue(self.at(self.pos))
                    || (self.at(self.pos) == b'.' && self.at(self.pos + 1).is_ascii_digit())
                {
                    self.pos += 1;
                }
                Tok::Other
            }
            b if is_ident_start(b) => self.ident_or_prefixed()?,
            _ => {
                self.pos += 1;
                Tok::Punct(b)
            }
        };
        Ok(Some(Token {
            kind,
            start,
            end: self.pos,
        }))
    }

    /// The end of a `"`-terminated string with escapes whose contents start at `from`.
    fn quoted(&self, from: usize) -> Result<usize, Unlexable> {
        let mut i = from;
        // `i` passes the end after a `\` that is the last byte.
        while let Some(found) =
            memchr::memchr2(b'"', b'\\', self.bytes.get(i..).unwrap_or_default())
        {
            i += found;
            if self.bytes[i] == b'\\' {
                i += 2;
            } else {
                return Ok(i + 1);
            }
        }
        Err(Unlexable::new(from - 1, "string literal"))
    }

    /// A literal suffix (`"x"suffix`, `1u8`).
    fn suffix(&mut self) {
        if is_ident_start(self.at(self.pos)) {
            while is_ident_continue(self.at(self.pos)) {
                self.pos += 1;
            }
        }
    }

    /// `'c'`, `'\n'`, or a lifetime/label `'a`.
    fn quote_or_lifetime(&mut self) -> Result<Tok, Unlexable> {
        let start = self.pos;
        let next = self.at(start + 1);
        if next == b'\\' {
            // An escape: skip the escaped byte, then up to the closing quote on this line.
            let from = start + 3;
            let rest = self.bytes.get(from..).unwrap_or_default();
            match memchr::memchr2(b'\'', b'\n', rest) {
                Some(i) if rest[i] == b'\'' => {
                    self.pos = from + i + 1;
                    return Ok(Tok::Other);
                }
                _ => return Err(Unlexable::new(start, "character literal")),
            }
        }
        let width = match next {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        if self.at(start + 1 + width) == b'\'' && next != b'\n' {
            self.pos = start + 2 + width;
            return Ok(Tok::Other);
        }
        if !is_ident_start(next) {
            return Err(Unlexable::new(start, "character literal"));
        }
        self.pos = start + 1;
        if next == b'r' && self.at(start + 2) == b'#' {
            self.pos += 2;
        }
        while is_ident_continue(self.at(self.pos)) {
            self.pos += 1;
        }
        Ok(Tok::Other)
    }

    /// An identifier, a raw identifier, or a prefixed literal (`r".."`, `b".."`, `br#".."#`).
    fn ident_or_prefixed(&mut self) -> Result<Tok, Unlexable> {
        let start = self.pos;
        while is_ident_continue(self.at(self.pos)) {
            self.pos += 1;
        }
        let word = &self.bytes[start..self.pos];
        let raw = matches!(word, b"r" | b"br" | b"cr");
        // A literal that does not end is reported where its prefix starts.
        let from_start = |err: Unlexable| Unlexable::new(start, err.what);
        match self.at(self.pos) {
            b'"' if raw => {
                self.raw_string(0).map_err(from_start)?;
                Ok(if word == b"r" { Tok::Str } else { Tok::Other })
            }
            b'"' if matches!(word, b"b" | b"c") => {
                self.pos = self.quoted(self.pos + 1).map_err(from_start)?;
                self.suffix();
                Ok(Tok::Other)
            }
            b'\'' if word == b"b" => self.quote_or_lifetime().map_err(from_start),
            b'#' if raw => {
                let hashes = self.bytes[self.pos..]
                    .iter()
                    .take_while(|&&b| b == b'#')
                    .count();
                if self.at(self.pos + hashes) == b'"' {
                    self.pos += hashes;
                    self.raw_string(hashes).map_err(from_start)?;
                    Ok(if word == b"r" { Tok::Str } else { Tok::Other })
                } else if word == b"r" && hashes == 1 && is_ident_start(self.at(self.pos + 1)) {
                    self.pos += 1;
                    while is_ident_continue(self.at(self.pos)) {
                        self.pos += 1;
                    }
                    Ok(Tok::Ident)
                } else {
                    Ok(Tok::Ident)
                }
            }
            _ => Ok(Tok::Ident),
        }
    }

    /// A raw string whose opening `"` is at `pos`, closed by `"` and `hashes` `#`s.
    fn raw_string(&mut self, hashes: usize) -> Result<(), Unlexable> {
        let open = self.pos;
        let mut i = open + 1;
        while let Some(found) = memchr::memchr(b'"', &self.bytes[i..]) {
            i += found + 1;
            let closing = self.bytes[i..].iter().take_while(|&&b| b == b'#').count();
            if closing >= hashes {
                self.pos = i + hashes;
                self.suffix();
                return Ok(());
            }
        }
        Err(Unlexable::new(open, "raw string literal"))
    }
}

/// Line and column (in characters) of byte offsets, for offsets that only grow. Each call
/// costs only the bytes since the last one, so a file that is one long line (minified or
/// generated code) is not quadratic.
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    /// Characters between the start of the line and `pos`.
    column: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            line: 1,
            column: 0,
        }
    }

    /// 1-based line and 0-based character column of `offset` (not before the last one asked).
    pub(crate) fn at(&mut self, offset: usize) -> (usize, usize) {
        if offset < self.pos {
            *self = Self::new(self.bytes);
        }
        let mut line_start = self.pos;
        for newline in memchr::memchr_iter(b'\n', &self.bytes[self.pos..offset]) {
            self.line += 1;
            self.column = 0;
            line_start = self.pos + newline + 1;
        }
        self.column += self.bytes[line_start..offset]
            .iter()
            .filter(|&&b| b & 0xc0 != 0x80)
            .count();
        self.pos = offset;
        (self.line, self.column)
    }
}

/// The first thing that keeps a text from being a token stream, or from being parsed safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A literal or comment that does not end (what it is).
    Unterminated(&'static str),
    /// A closing delimiter with nothing open.
    Unexpected(u8),
    /// A closing delimiter that does not match the innermost open one (which opens at
    /// `open_at`).
    Mismatched { close: u8, open: u8, open_at: usize },
    /// An opening delimiter that is never closed (the innermost one at the end).
    Unclosed(u8),
    /// A group nested deeper than the limit opens here.
    TooDeep,
}

impl Problem {
    /// What is wrong, as a phrase (`unclosed delimiter `{``).
    pub(crate) fn describe(self) -> String {
        let shown = |b: u8| char::from(b);
        match self {
            Problem::Unterminated(what) => format!("unterminated {what}"),
            Problem::Unexpected(close) => {
                format!("unexpected closing delimiter `{}`", shown(close))
            }
            Problem::Mismatched { close, open, .. } => format!(
                "mismatched closing delimiter `{}` for `{}`",
                shown(close),
                shown(open)
            ),
            Problem::Unclosed(open) => format!("unclosed delimiter `{}`", shown(open)),
            Problem::TooDeep => "delimiters nest too deep".to_owned(),
        }
    }
}

/// The first [`Problem`] of `bytes` and its byte offset, in one pass over the text without
/// recursion: groups nested deeper than `limit` stop it there (so its memory is bounded too).
pub(crate) fn survey(bytes: &[u8], limit: usize) -> Option<(usize, Problem)> {
    let mut lexer = Lexer::new(bytes);
    let mut open: Vec<(u8, usize)> = Vec::new();
    loop {
        let token = match lexer.next_token() {
            Ok(Some(token)) => token,
            Ok(None) => break,
            Err(err) => return Some((err.at, Problem::Unterminated(err.what))),
        };
        match token.kind {
            Tok::Open(d) => {
                if open.len() == limit {
                    return Some((token.start, Problem::TooDeep));
                }
                open.push((d, token.start));
            }
            Tok::Close(close) => match open.pop() {
                None => return Some((token.start, Problem::Unexpected(close))),
                Some((d, open_at)) if closing(d) != close => {
                    let problem = Problem::Mismatched {
                        close,
                        open: d,
                        open_at,
                    };
                    return Some((token.start, problem));
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
    open.last().map(|&(d, at)| (at, Problem::Unclosed(d)))
}

/// The closing delimiter of an opening one.
pub(crate) fn closing(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

/// Where the first group nested deeper than `limit` opens in `bytes` (`None` when there is no
/// such group, or the lexer cannot read that far).
pub(crate) fn deeper_than(bytes: &[u8], limit: usize) -> Option<usize> {
    let mut lexer = Lexer::new(bytes);
    let mut depth = 0usize;
    while let Ok(Some(token)) = lexer.next_token() {
        match token.kind {
            Tok::Open(_) => {
                depth += 1;
                if depth > limit {
                    return Some(token.start);
                }
            }
            Tok::Close(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Tok, &str)> {
        let mut lexer = Lexer::new(src.as_bytes());
        let mut out = Vec::new();
        while let Some(t) = lexer.next_token().unwrap() {
            out.push((t.kind, &src[t.start..t.end]));
        }
        out
    }

    #[test]
    fn literals_and_comments_hide_their_contents() {
        let src = r####"a /* x /* "nested" */ } */ "s\"}" r#"raw"}"# b"b}" br##"x"#"## '}' '\'' '\u{7d}' 'a x // }
        c"####;
        let toks = kinds(src);
        assert_eq!(
            toks,
            [
                (Tok::Ident, "a"),
                (Tok::Str, r#""s\"}""#),
                (Tok::Str, r##"r#"raw"}"#"##),
                (Tok::Other, r#"b"b}""#),
                (Tok::Other, r###"br##"x"#"##"###),
                (Tok::Other, "'}'"),
                (Tok::Other, r"'\''"),
                (Tok::Other, r"'\u{7d}'"),
                (Tok::Other, "'a"),
                (Tok::Ident, "x"),
                (Tok::Ident, "c"),
            ]
        );
    }

    #[test]
    fn raw_identifiers_numbers_and_punctuation() {
        assert_eq!(
            kinds("r#mod 1.5e3 x.0 #![a]"),
            [
                (Tok::Ident, "r#mod"),
                (Tok::Other, "1.5e3"),
                (Tok::Ident, "x"),
                (Tok::Punct(b'.'), "."),
                (Tok::Other, "0"),
                (Tok::Punct(b'#'), "#"),
                (Tok::Punct(b'!'), "!"),
                (Tok::Open(b'['), "["),
                (Tok::Ident, "a"),
                (Tok::Close(b']'), "]"),
            ]
        );
        assert_eq!(kinds("'é' 'ä"), [(Tok::Other, "'é'"), (Tok::Other, "'ä")]);
    }

    #[test]
    fn unterminated_text_is_unlexable() {
        for src in [
            "\"open",
            "/* open",
            "r#\"open\"",
            "'\\",
            "x '\n'",
            "\"open\\",
            "b\"\\",
        ] {
            let mut lexer = Lexer::new(src.as_bytes());
            let mut result = Ok(None);
            for _ in 0..10 {
                result = lexer.next_token();
                if !matches!(result, Ok(Some(_))) {
                    break;
                }
            }
            assert!(result.is_err(), "{src:?}");
        }
    }

    #[test]
    fn lines_count_characters() {
        let text = "ab\nçd\nx";
        let mut lines = Lines::new(text.as_bytes());
        assert_eq!(lines.at(1), (1, 1));
        assert_eq!(lines.at(6), (2, 2));
        assert_eq!(lines.at(7), (3, 0));
    }

    #[test]
    fn survey_finds_the_first_problem() {
        let at = |src: &str| survey(src.as_bytes(), 3);
        assert_eq!(at("fn f() { (a) [b] }"), None);
        assert_eq!(
            at("fn f() { \"x"),
            Some((9, Problem::Unterminated("string literal")))
        );
        assert_eq!(
            at("a /* b"),
            Some((2, Problem::Unterminated("block comment")))
        );
        assert_eq!(at("a ) b"), Some((2, Problem::Unexpected(b')'))));
        assert_eq!(
            at("{ ( ] }"),
            Some((
                4,
                Problem::Mismatched {
                    close: b']',
                    open: b'(',
                    open_at: 2
                }
            ))
        );
        assert_eq!(at("{ { } ( "), Some((6, Problem::Unclosed(b'('))));
        assert_eq!(at("{{{ }}} {{{{"), Some((11, Problem::TooDeep)));
        assert_eq!(Problem::Unclosed(b'{').describe(), "unclosed delimiter `{`");
    }

    #[test]
    fn depth_ignores_delimiters_in_literals() {
        let text = b"a ( [ \"(((\" ] ) { ( ) }";
        assert_eq!(deeper_than(text, 1), Some(4));
        assert_eq!(deeper_than(text, 2), None);
    }
}
