//! URL query strings as Go's `url.ParseQuery` reads them: `&`-separated `key=value` pairs, `%XX`
//! escapes and `+` for a space.

/// Decodes `%XX` escapes and `+` (as space) of a query component; a malformed escape stays as it is.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every `key=value` pair of a query, decoded, in order (repeated keys such as `command` kept).
pub fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_in_order() {
        let q = pairs(Some(
            "command=sh&command=-c&command=echo%20a+b&input=1&bad=%zz&trail=%4&&flag",
        ));
        let want = [
            ("command", "sh"),
            ("command", "-c"),
            ("command", "echo a b"),
            ("input", "1"),
            ("bad", "%zz"),
            ("trail", "%4"),
            ("flag", ""),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(q, want);
        assert_eq!(percent_decode("%C3%BC%"), "ü%");
        assert!(pairs(None).is_empty());
    }
}
