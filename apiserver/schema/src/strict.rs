//! The duplicate fields a strict decoder reports (`duplicate field "metadata.name"`), named from the request
//! body's bytes (a parsed value keeps only the last of them). Unknown fields: [`crate::parse`].

use crate::decode::MAX_DEPTH;

/// The paths of keys that appear twice in the same JSON object of a request body (`metadata.name`),
/// in document order. Invalid JSON stops the scan (the caller's parse reports it).
pub fn duplicate_fields(body: &[u8]) -> Vec<String> {
    let mut scanner = Scanner {
        b: body,
        pos: 0,
        out: Vec::new(),
    };
    scanner.ws();
    let _ = scanner.value("", 0);
    scanner.out
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    out: Vec<String>,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.pos < self.b.len() && matches!(self.b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn value(&mut self, path: &str, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut seen: Vec<String> = Vec::new();
                self.ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    if seen.contains(&key) {
                        self.out.push(p.clone());
                    } else {
                        seen.push(key);
                    }
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.ws();
                    self.value(&p, depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.pos += 1;
                    return Some(());
                }
                let mut i = 0;
                loop {
                    self.ws();
                    self.value(&format!("{path}[{i}]"), depth + 1)?;
                    i += 1;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while self.pos < self.b.len()
                    && !matches!(self.b[self.pos], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    /// A JSON string token, unescaped.
    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            self.pos += 1;
            match c {
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                }
                b'"' => {
                    let raw = self.b.get(start..self.pos)?;
                    return if escaped {
                        serde_json::from_slice::<String>(raw).ok()
                    } else {
                        Some(String::from_utf8_lossy(&raw[1..raw.len() - 1]).into_owned())
                    };
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_found_with_paths() {
        let body = br#"{"metadata": {"name": "a", "name": "b"}, "spec": {"containers": [{"name": "x", "image": "i", "image": "j"}]}, "spec": 1}"#;
        assert_eq!(
            duplicate_fields(body),
            ["metadata.name", "spec.containers[0].image", "spec"]
        );
        assert!(duplicate_fields(br#"{"a\"b": 1, "a\"b": 2}"#) == ["a\"b"]);
        assert!(duplicate_fields(b"{\"a\": [1, 2, {\"b\": ").is_empty());
        assert!(duplicate_fields(b"").is_empty());
    }
}
