//! Reading a `plux.json`: an object from namespace to an array of entry strings. A small
//! iterative reader for exactly that shape (the attribute has no JSON dependency); anything
//! else is an error with its byte offset.

/// The `(namespace, entry)` strings of an index, in file order.
pub(crate) fn entries(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        text,
        at: 0,
    };
    let mut out = Vec::new();
    reader.expect(b'{')?;
    if reader.peek() == Some(b'}') {
        reader.at += 1;
    } else {
        loop {
            let namespace = reader.string()?;
            reader.expect(b':')?;
            reader.expect(b'[')?;
            if reader.peek() == Some(b']') {
                reader.at += 1;
            } else {
                loop {
                    out.push((namespace.clone(), reader.string()?));
                    if reader.separator(b']')? {
                        break;
                    }
                }
            }
            if reader.separator(b'}')? {
                break;
            }
        }
    }
    match reader.peek() {
        None => Ok(out),
        Some(_) => Err(reader.error("expected the end of the file")),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    /// The next byte that is not whitespace (not consumed).
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.bytes.get(self.at).copied()
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", char::from(byte))))
        }
    }

    /// After an element: `,` (more follow, `false`) or `close` (the end, `true`).
    fn separator(&mut self, close: u8) -> Result<bool, String> {
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.at += 1;
                Ok(true)
            }
            _ => Err(self.error(&format!("expected `,` or `{}`", char::from(close)))),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // Only ASCII bytes stop the loop, so both ends are character boundaries.
            out.push_str(self.text.get(start..self.at).unwrap_or_default());
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = self.escape()?;
                    out.push(escaped);
                }
                _ => return Err(self.error("unterminated string")),
            }
        }
    }

    /// The character of an escape, after its `\`.
    fn escape(&mut self) -> Result<char, String> {
        let Some(&b) = self.bytes.get(self.at) else {
            return Err(self.error("unterminated string"));
        };
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let code = if (0xd800..0xdc00).contains(&high) {
                    if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                        return Err(self.error("unpaired surrogate"));
                    }
                    self.at += 2;
                    let low = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(self.error("unpaired surrogate"));
                    }
                    0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
                } else {
                    high
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid escape"))?
            }
            _ => return Err(self.error("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid escape"))?;
        let value = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid escape"))?;
        self.at += 4;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::entries;

    #[test]
    fn reads_what_cargo_plux_writes() {
        let text = "{\n  \"a.b\": [\n    \"s3=x::S3\",\n    \"t=x::T [type, cfg(feature = \\\"y\\\")]\"\n  ],\n  \"c\": []\n}\n";
        assert_eq!(
            entries(text).unwrap(),
            [
                ("a.b".to_owned(), "s3=x::S3".to_owned()),
                (
                    "a.b".to_owned(),
                    "t=x::T [type, cfg(feature = \"y\")]".to_owned()
                ),
            ]
        );
        assert_eq!(entries("{}").unwrap(), []);
    }

    #[test]
    fn escapes_are_decoded() {
        let text = r#"{"n\u00e9\ud83d\ude00": ["a\tb\/c\"\\"]}"#;
        assert_eq!(
            entries(text).unwrap(),
            [("né😀".to_owned(), "a\tb/c\"\\".to_owned())]
        );
    }

    #[test]
    fn anything_else_is_an_error_not_a_panic() {
        for bad in [
            "",
            "[]",
            "{",
            "{\"a\"}",
            "{\"a\": [1]}",
            "{\"a\": [\"x\",]}",
            "{\"a\": [\"x\"]",
            "{\"a\": [\"x\"]} x",
            "{\"a\": [\"\\ud800\"]}",
            "{\"a\": [\"\\u12\"]}",
            "{\"a\": [\"\\u+123\"]}",
            "{\"a\": [\"é\\",
            "{\"a\": [\"\n\"]}",
        ] {
            assert!(entries(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(100_000);
        assert!(entries(&deep).is_err());
    }
}
