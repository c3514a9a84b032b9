//! Protobuf wire primitives: varints, tags and length-delimited fields, reading without panics.

use crate::error::TranscodeError;

pub(crate) const VARINT: u8 = 0;
pub(crate) const FIXED64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const FIXED32: u8 = 5;

/// One field read from the wire.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WireValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32,
    Bytes(&'a [u8]),
}

impl WireValue<'_> {
    pub(crate) fn wire_type(&self) -> u8 {
        match self {
            WireValue::Varint(_) => VARINT,
            WireValue::Fixed64(_) => FIXED64,
            WireValue::Fixed32 => FIXED32,
            WireValue::Bytes(_) => LEN,
        }
    }
}

/// Reads fields from a message's bytes.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub(crate) fn varint(&mut self) -> Result<u64, TranscodeError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(TranscodeError::Truncated { path: String::new() });
            };
            self.pos += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(TranscodeError::BadVarint { path: String::new() })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], TranscodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(TranscodeError::Truncated { path: String::new() });
        };
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn fixed64(&mut self) -> Result<u64, TranscodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// The next field: its number and value.
    pub(crate) fn field(&mut self) -> Result<(u32, WireValue<'a>), TranscodeError> {
        let tag = self.varint()?;
        let number = (tag >> 3) as u32;
        let wire_type = (tag & 7) as u8;
        if number == 0 {
            return Err(TranscodeError::ZeroFieldNumber { path: String::new() });
        }
        let value = match wire_type {
            VARINT => WireValue::Varint(self.varint()?),
            FIXED64 => WireValue::Fixed64(self.fixed64()?),
            LEN => {
                let n = self.varint()?;
                let n = usize::try_from(n).map_err(|_| TranscodeError::Truncated { path: String::new() })?;
                WireValue::Bytes(self.take(n)?)
            }
            FIXED32 => {
                self.take(4)?;
                WireValue::Fixed32
            }
            _ => {
                return Err(TranscodeError::InvalidWireType {
                    path: String::new(),
                    number,
                    wire_type,
                });
            }
        };
        Ok((number, value))
    }
}

/// The values of a packed repeated scalar field: fixed64s for `double`, varints otherwise. Stops after the
/// first error, which it yields.
pub(crate) fn packed(data: &[u8], double: bool) -> impl Iterator<Item = Result<WireValue<'_>, TranscodeError>> + '_ {
    let mut r = Reader::new(data);
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || r.is_empty() {
            return None;
        }
        let v = if double {
            r.fixed64().map(WireValue::Fixed64)
        } else {
            r.varint().map(WireValue::Varint)
        };
        failed = v.is_err();
        Some(v)
    })
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn put_tag(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    put_tag(out, number, LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Starts a length-delimited field whose length is not known yet; finish with [`end_len`].
pub(crate) fn begin_len(out: &mut Vec<u8>, number: u32) -> usize {
    put_tag(out, number, LEN);
    out.push(0);
    out.len()
}

/// Writes the length of the field begun at `start`, moving its body when the length needs more than one byte.
pub(crate) fn end_len(out: &mut Vec<u8>, start: usize) {
    let len = out.len() - start;
    if len < 0x80 {
        out[start - 1] = len as u8;
        return;
    }
    let mut prefix = [0u8; 10];
    let mut n = 0;
    let mut v = len as u64;
    while v >= 0x80 {
        prefix[n] = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    prefix[n] = v as u8;
    out[start - 1] = prefix[0];
    out.splice(start..start, prefix[1..=n].iter().copied());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_reject_overlong() {
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(Reader::new(&b).varint().unwrap(), v);
        }
        assert!(matches!(
            Reader::new(&[0xff; 11]).varint(),
            Err(TranscodeError::BadVarint { .. })
        ));
        assert!(matches!(
            Reader::new(&[0x80]).varint(),
            Err(TranscodeError::Truncated { .. })
        ));
    }

    #[test]
    fn long_lengths_move_the_body() {
        let mut out = vec![9];
        let start = begin_len(&mut out, 2);
        out.extend(std::iter::repeat_n(7u8, 300));
        end_len(&mut out, start);
        assert_eq!(&out[..4], &[9, 0x12, 0xac, 0x02]);
        assert_eq!(out.len(), 4 + 300);
        let mut r = Reader::new(&out[1..]);
        let (n, v) = r.field().unwrap();
        assert_eq!(n, 2);
        assert!(matches!(v, WireValue::Bytes(b) if b.len() == 300));
    }
}
