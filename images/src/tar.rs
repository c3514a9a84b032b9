//! A ustar writer for image layers and OCI archives: regular files, directories and symlinks, owned by
//! root, with modification time 0 so that the same inputs always give the same bytes (and digests).

/// One archive member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Dir { path: String, mode: u32 },
    File { path: String, mode: u32, data: Vec<u8> },
    Symlink { path: String, target: String },
}

impl Member {
    pub fn path(&self) -> &str {
        match self {
            Member::Dir { path, .. } | Member::File { path, .. } | Member::Symlink { path, .. } => path,
        }
    }
}

/// Writes `members` in order, then the two zero blocks that end an archive.
pub fn write(members: &[Member]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for m in members {
        let (kind, mode, size, link, data): (u8, u32, usize, &str, &[u8]) = match m {
            Member::Dir { mode, .. } => (b'5', *mode, 0, "", &[]),
            Member::File { mode, data, .. } => (b'0', *mode, data.len(), "", data),
            Member::Symlink { target, .. } => (b'2', 0o777, 0, target, &[]),
        };
        let mut path = m.path().trim_start_matches('/').to_string();
        if matches!(m, Member::Dir { .. }) && !path.ends_with('/') {
            path.push('/');
        }
        out.extend_from_slice(&header(&path, kind, mode, size, link)?);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    out.resize(out.len() + 1024, 0);
    Ok(out)
}

fn header(path: &str, kind: u8, mode: u32, size: usize, link: &str) -> anyhow::Result<[u8; 512]> {
    let mut h = [0u8; 512];
    // A name over 100 bytes goes into the 155-byte prefix field up to a '/'.
    let (prefix, name) = if path.len() <= 100 {
        ("", path)
    } else {
        let split = path[..path.len().min(156)]
            .rfind('/')
            .filter(|&i| path.len() - i - 1 <= 100 && i <= 155)
            .ok_or_else(|| anyhow::anyhow!("path too long for a tar header: {path}"))?;
        (&path[..split], &path[split + 1..])
    };
    anyhow::ensure!(link.len() <= 100, "symlink target too long for a tar header: {link}");
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], mode as u64);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size as u64);
    octal(&mut h[136..148], 0);
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    // The checksum is computed with its own field as spaces.
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    octal(&mut h[148..155], sum as u64);
    h[155] = b' ';
    Ok(h)
}

/// Zero-padded octal digits filling all but the field's last byte, which stays NUL.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let s = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&s.as_bytes()[s.len() - digits..]);
    field[digits] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads back what `write` produced with the system's tar, the way containerd's importer sees it.
    #[test]
    fn gnu_tar_reads_the_archive() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(40));
        let members = vec![
            Member::Dir {
                path: "bin".into(),
                mode: 0o755,
            },
            Member::File {
                path: "bin/hello".into(),
                mode: 0o755,
                data: b"#!/bin/sh\necho hi\n".to_vec(),
            },
            Member::Symlink {
                path: "bin/sh".into(),
                target: "/bin/busybox".into(),
            },
            Member::File {
                path: long.clone(),
                mode: 0o644,
                data: vec![7; 1000],
            },
        ];
        let bytes = write(&members).unwrap();
        assert_eq!(bytes.len() % 512, 0);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.tar");
        std::fs::write(&file, &bytes).unwrap();
        let out = std::process::Command::new("tar")
            .arg("-tvf")
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(listing.contains("drwxr-xr-x root/root"), "{listing}");
        assert!(listing.contains("bin/sh -> /bin/busybox"), "{listing}");
        assert!(listing.contains(&long), "{listing}");
        let x = std::process::Command::new("tar")
            .arg("-xf")
            .arg(&file)
            .arg("-C")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(x.success());
        assert_eq!(
            std::fs::read(dir.path().join("bin/hello")).unwrap(),
            b"#!/bin/sh\necho hi\n"
        );
        assert_eq!(std::fs::read(dir.path().join(&long)).unwrap(), vec![7; 1000]);
    }

    #[test]
    fn same_members_give_the_same_bytes() {
        let m = vec![Member::File {
            path: "a".into(),
            mode: 0o600,
            data: vec![1, 2, 3],
        }];
        assert_eq!(write(&m).unwrap(), write(&m).unwrap());
    }

    #[test]
    fn overlong_paths_are_an_error() {
        let m = vec![Member::File {
            path: "x".repeat(300),
            mode: 0o600,
            data: vec![],
        }];
        assert!(write(&m).is_err());
    }
}
