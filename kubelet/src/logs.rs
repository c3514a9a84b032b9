//! Container logs in the CRI format the runtime writes (`<RFC 3339 time> <stdout|stderr> <P|F> <text>`,
//! `P` a partial line continued by the next record), read back as `kubectl logs` shows them: the text
//! only, or with each record's time (`timestamps`), from a time on (`sinceSeconds`/`sinceTime`), the last
//! lines (`tailLines`), at most so many bytes (`limitBytes`), and following the file while the container
//! runs (`follow`).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use ferrokube_printers::time::Timestamp;
use tokio::sync::mpsc;

/// What to read, from the `/containerLogs` query (upstream's `PodLogOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    pub follow: bool,
    pub previous: bool,
    pub timestamps: bool,
    /// Records older than this are skipped.
    pub since: Option<Timestamp>,
    pub tail_lines: Option<u64>,
    pub limit_bytes: Option<u64>,
}

impl LogOptions {
    /// Parses the query; the error is the message of the 400 answer.
    pub fn from_query(query: &[(String, String)], now: Timestamp) -> Result<LogOptions, String> {
        let mut o = LogOptions::default();
        let flag = |v: &str| matches!(v, "true" | "1" | "True" | "TRUE" | "t" | "T");
        let number = |name: &str, v: &str| {
            v.parse::<i64>()
                .map_err(|_| format!("{name}: invalid value {v:?}: must be an integer"))
        };
        let mut since_seconds = None;
        let mut since_time = None;
        for (k, v) in query {
            match k.as_str() {
                "follow" => o.follow = flag(v),
                "previous" => o.previous = flag(v),
                "timestamps" => o.timestamps = flag(v),
                "sinceSeconds" => {
                    let n = number(k, v)?;
                    if n < 1 {
                        return Err("sinceSeconds: must be greater than 0".into());
                    }
                    since_seconds = Some(n);
                }
                "sinceTime" => {
                    since_time =
                        Some(Timestamp::parse(v).ok_or_else(|| format!("sinceTime: {v:?} is not an RFC 3339 time"))?);
                }
                "tailLines" => {
                    let n = number(k, v)?;
                    if n < 0 {
                        return Err("tailLines: must be greater than or equal to 0".into());
                    }
                    o.tail_lines = Some(n as u64);
                }
                "limitBytes" => {
                    let n = number(k, v)?;
                    if n < 1 {
                        return Err("limitBytes: must be greater than 0".into());
                    }
                    o.limit_bytes = Some(n as u64);
                }
                _ => {}
            }
        }
        o.since = match (since_seconds, since_time) {
            (Some(_), Some(_)) => return Err("at most one of sinceTime or sinceSeconds may be specified".into()),
            (Some(s), None) => Some(Timestamp::from_unix_nanos(
                now.unix_nanos() - i128::from(s) * 1_000_000_000,
            )),
            (None, t) => t,
        };
        Ok(o)
    }
}

/// One record of a CRI log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub time: &'a str,
    pub stream: &'a str,
    /// `false` for a `P` record: its text continues in the next one.
    pub complete: bool,
    pub text: &'a str,
}

/// Parses one line of a CRI log file (without its newline); `None` when it is not in the format.
pub fn parse_record(line: &str) -> Option<Record<'_>> {
    let mut parts = line.splitn(4, ' ');
    let time = parts.next()?;
    let stream = parts.next()?;
    if !matches!(stream, "stdout" | "stderr") {
        return None;
    }
    let tag = parts.next()?;
    let complete = tag.split(':').next()? != "P";
    Some(Record {
        time,
        stream,
        complete,
        text: parts.next().unwrap_or(""),
    })
}

/// The text of the last `lines` lines of a CRI log file, at most `bytes` long (cut at the front): what a
/// container with `FallbackToLogsOnError` reports as its termination message.
pub fn tail_text(path: &Path, lines: usize, bytes: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let content: Vec<&str> = text.lines().filter_map(parse_record).map(|r| r.text).collect();
    let mut out = content[content.len().saturating_sub(lines)..].join("\n");
    if out.len() > bytes {
        let mut cut = out.len() - bytes;
        while !out.is_char_boundary(cut) {
            cut += 1;
        }
        out = out[cut..].to_string();
    }
    out
}

/// Formats records for the client, counting the bytes `limitBytes` allows.
struct Formatter {
    opts: LogOptions,
    sent: u64,
}

impl Formatter {
    /// The output for one line of the file; `None` once `limitBytes` is reached.
    fn line(&mut self, line: &str, out: &mut Vec<u8>) -> Option<()> {
        let Some(r) = parse_record(line) else {
            return Some(());
        };
        if let Some(since) = self.opts.since
            && Timestamp::parse(r.time).is_some_and(|t| t < since)
        {
            return Some(());
        }
        let start = out.len();
        if self.opts.timestamps {
            out.extend_from_slice(r.time.as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(r.text.as_bytes());
        if r.complete {
            out.push(b'\n');
        }
        let written = (out.len() - start) as u64;
        if let Some(limit) = self.opts.limit_bytes {
            let left = limit.saturating_sub(self.sent);
            if written >= left {
                out.truncate(start + left as usize);
                self.sent = limit;
                return None;
            }
        }
        self.sent += written;
        Some(())
    }
}

/// The byte offset where the last `n` lines of the file begin.
fn tail_offset(file: &mut std::fs::File, n: u64) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    if n == 0 {
        return Ok(len);
    }
    let mut pos = len;
    let mut newlines = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    // A trailing newline ends the last line rather than starting an empty one.
    let mut skip_last = true;
    while pos > 0 {
        let chunk = (pos as usize).min(buf.len());
        pos -= chunk as u64;
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut buf[..chunk])?;
        for i in (0..chunk).rev() {
            if buf[i] != b'\n' {
                skip_last = false;
                continue;
            }
            if skip_last {
                skip_last = false;
                continue;
            }
            newlines += 1;
            if newlines == n {
                return Ok(pos + i as u64 + 1);
            }
        }
    }
    Ok(0)
}

/// Streams the log at `path` into `tx` as the options ask. With `follow`, new lines are sent as they are
/// written until `running` says the container has stopped (and what it wrote last was sent) or the
/// receiver is gone.
pub async fn stream<F, Fut>(path: PathBuf, opts: LogOptions, tx: mpsc::Sender<Bytes>, mut running: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "container log not readable");
            return;
        }
    };
    let mut offset = match opts.tail_lines {
        Some(n) => tail_offset(&mut file, n).unwrap_or(0),
        None => 0,
    };
    let mut fmt = Formatter { opts, sent: 0 };
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match file.seek(SeekFrom::Start(offset)).and_then(|_| file.read(&mut buf)) {
            Ok(n) => n,
            Err(_) => return,
        };
        if n > 0 {
            offset += n as u64;
            pending.extend_from_slice(&buf[..n]);
            let mut out = Vec::new();
            let mut done = false;
            let mut consumed = 0;
            while let Some(nl) = pending[consumed..].iter().position(|b| *b == b'\n') {
                let line = String::from_utf8_lossy(&pending[consumed..consumed + nl]).into_owned();
                consumed += nl + 1;
                if fmt.line(&line, &mut out).is_none() {
                    done = true;
                    break;
                }
            }
            pending.drain(..consumed);
            if !out.is_empty() && tx.send(Bytes::from(out)).await.is_err() {
                return;
            }
            if done {
                return;
            }
            continue;
        }
        if !fmt.opts.follow {
            return;
        }
        // At the end of the file: the container may still write. Once it has stopped, one more read
        // catches what it wrote before stopping.
        if !running().await {
            let more = file.metadata().map(|m| m.len() > offset).unwrap_or(false);
            if !more {
                return;
            }
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
            () = tx.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "2026-01-01T00:00:01.5Z stdout F one\n\
                       2026-01-01T00:00:02Z stderr P tw\n\
                       2026-01-01T00:00:02.1Z stderr F o\n\
                       2026-01-01T00:00:03Z stdout F three\n";

    async fn read(opts: LogOptions) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        std::fs::write(&path, LOG).unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        stream(path, opts, tx, || async { false }).await;
        let mut out = Vec::new();
        while let Ok(b) = rx.try_recv() {
            out.extend_from_slice(&b);
        }
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn records_read_back_as_text_with_the_options() {
        assert_eq!(read(LogOptions::default()).await, "one\ntwo\nthree\n");
        let ts = LogOptions {
            timestamps: true,
            ..Default::default()
        };
        assert_eq!(
            read(ts).await,
            "2026-01-01T00:00:01.5Z one\n2026-01-01T00:00:02Z tw2026-01-01T00:00:02.1Z o\n2026-01-01T00:00:03Z three\n"
        );
        let tail = |n| LogOptions {
            tail_lines: Some(n),
            ..Default::default()
        };
        assert_eq!(read(tail(1)).await, "three\n");
        assert_eq!(read(tail(2)).await, "o\nthree\n");
        assert_eq!(read(tail(0)).await, "");
        assert_eq!(read(tail(99)).await, "one\ntwo\nthree\n");
        let limit = LogOptions {
            limit_bytes: Some(6),
            ..Default::default()
        };
        assert_eq!(read(limit).await, "one\ntw");
        let since = LogOptions {
            since: Timestamp::parse("2026-01-01T00:00:02Z"),
            ..Default::default()
        };
        assert_eq!(read(since).await, "two\nthree\n");
    }

    #[test]
    fn query_parsing_and_validation() {
        let now = Timestamp::parse("2026-01-01T00:01:00Z").unwrap();
        let q = |pairs: &[(&str, &str)]| {
            let v: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            LogOptions::from_query(&v, now)
        };
        let o = q(&[("follow", "true"), ("tailLines", "5"), ("sinceSeconds", "60")]).unwrap();
        assert!(o.follow && !o.previous);
        assert_eq!(o.tail_lines, Some(5));
        assert_eq!(o.since, Timestamp::parse("2026-01-01T00:00:00Z"));
        assert!(q(&[("tailLines", "-1")]).unwrap_err().contains("tailLines"));
        assert!(q(&[("limitBytes", "0")]).unwrap_err().contains("limitBytes"));
        assert!(q(&[("sinceSeconds", "x")]).unwrap_err().contains("integer"));
        assert!(
            q(&[("sinceSeconds", "1"), ("sinceTime", "2026-01-01T00:00:00Z")])
                .unwrap_err()
                .contains("at most one")
        );
    }

    #[test]
    fn records_parse_and_tail_text() {
        let r = parse_record("2026-01-01T00:00:02Z stderr P a b").unwrap();
        assert_eq!((r.stream, r.complete, r.text), ("stderr", false, "a b"));
        assert_eq!(parse_record("garbage"), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        std::fs::write(&path, LOG).unwrap();
        assert_eq!(tail_text(&path, 2, 100), "o\nthree");
        assert_eq!(tail_text(&path, 9, 4), "hree");
    }
}
