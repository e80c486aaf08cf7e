//! A fast path for the common shape of a JSON Lines op: one flat object whose `value` is a list
//! of `["append", k, v]` / `["r", k, [..] | null]` micro-ops with integer or plain-string atoms.
//!
//! It accepts a strict subset of what the serde path accepts and reads it the same way; on
//! anything else (escapes, floats, nested unknown fields, a nemesis process, a malformed
//! value...) it gives up and the serde path reads the line, so errors stay exactly as they
//! were. Reading with serde costs a `RawValue` pass, a re-parse of the value and a `Vec` per
//! micro-op list; this reads each byte once into reused buffers.

use super::ops::{FlatAtom, FlatMop, FlatMops};

/// The fields of a well-formed client op, micro-ops in the caller's buffer.
pub(crate) struct FastOp<'a> {
    pub(crate) index: Option<u64>,
    pub(crate) op_type: &'a str,
    pub(crate) process: i64,
    pub(crate) time: Option<i64>,
}

/// Reads `line` into `mops`; `None` means "use the serde path".
pub(crate) fn parse_op<'a>(line: &'a str, mops: &mut FlatMops<'a>) -> Option<FastOp<'a>> {
    mops.clear();
    let mut cursor = Cursor {
        text: line,
        bytes: line.as_bytes(),
        at: 0,
    };
    cursor.expect(b'{')?;
    let (mut index, mut op_type, mut process, mut time, mut value) =
        (None, None, None, None, false);
    let mut seen_index = false;
    let mut seen_time = false;
    loop {
        let name = cursor.string()?;
        cursor.expect(b':')?;
        match name {
            "index" => {
                if seen_index {
                    return None;
                }
                seen_index = true;
                index = match cursor.peek()? {
                    b'n' => cursor.literal("null").map(|()| None)?,
                    _ => Some(u64::try_from(cursor.integer()?).ok()?),
                };
            }
            "type" => {
                if op_type.is_some() {
                    return None;
                }
                op_type = Some(cursor.string()?);
            }
            "process" => {
                if process.is_some() {
                    return None;
                }
                process = Some(cursor.integer()?);
            }
            "time" => {
                if seen_time {
                    return None;
                }
                seen_time = true;
                time = match cursor.peek()? {
                    b'n' => cursor.literal("null").map(|()| None)?,
                    _ => Some(cursor.integer()?),
                };
            }
            "value" => {
                if value {
                    return None;
                }
                value = true;
                cursor.mops(mops)?;
            }
            _ => cursor.skip_scalar()?,
        }
        match cursor.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    cursor.skip_ws();
    if cursor.at != cursor.bytes.len() || !value {
        return None;
    }
    Some(FastOp {
        index,
        op_type: op_type?,
        process: process?,
        time,
    })
}

struct Cursor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next non-blank byte, without consuming it.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.at).copied()
    }

    /// Consumes and returns the next non-blank byte.
    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.skip_ws();
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| self.at = end)
    }

    /// A string without escapes or control characters (serde would reject or rewrite those).
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' | 0..0x20 => return None,
                _ => self.at += 1,
            }
        }
        let text = self.text.get(start..self.at)?;
        self.at += 1;
        Some(text)
    }

    /// A JSON integer in i64 range, in canonical form (no leading zeros, no `-0`, not followed
    /// by a fraction or exponent).
    fn integer(&mut self) -> Option<i64> {
        self.skip_ws();
        let negative = self.bytes.get(self.at) == Some(&b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let mut magnitude: u64 = 0;
        for &byte in &self.bytes[start..] {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            // 19 digits always fit in a u64; longer numbers are out of i64 range anyway.
            if self.at - start == 19 {
                return None;
            }
            magnitude = magnitude * 10 + u64::from(digit);
            self.at += 1;
        }
        let digits = self.at - start;
        if digits == 0 || (digits > 1 && self.bytes[start] == b'0') || (negative && magnitude == 0)
        {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.bytes.get(self.at) {
            return None;
        }
        if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    fn atom(&mut self) -> Option<FlatAtom<'a>> {
        match self.peek()? {
            b'"' => self.string().map(FlatAtom::Str),
            _ => self.integer().map(FlatAtom::Int),
        }
    }

    /// The value of a field the op does not use: only strings, integers and literals here.
    fn skip_scalar(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'n' => self.literal("null"),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            _ => self.integer().map(drop),
        }
    }

    /// `[mop, ...]` into `out`.
    fn mops(&mut self, out: &mut FlatMops<'a>) -> Option<()> {
        self.expect(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.mop(out)?;
            match self.next()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    fn mop(&mut self, out: &mut FlatMops<'a>) -> Option<()> {
        self.expect(b'[')?;
        let function = self.string()?;
        self.expect(b',')?;
        let key = self.atom()?;
        self.expect(b',')?;
        let mop = match function {
            "append" => FlatMop::Append(key, self.atom()?),
            "r" if self.peek()? == b'n' => {
                self.literal("null")?;
                FlatMop::Read(key, None)
            }
            "r" => FlatMop::Read(key, Some(self.list(&mut out.atoms)?)),
            _ => return None,
        };
        self.expect(b']')?;
        out.mops.push(mop);
        Some(())
    }

    /// `[atom, ...]` appended to `atoms`; returns its range there.
    fn list(&mut self, atoms: &mut Vec<FlatAtom<'a>>) -> Option<std::ops::Range<usize>> {
        let start = atoms.len();
        self.expect(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(start..start);
        }
        loop {
            atoms.push(self.atom()?);
            match self.next()? {
                b',' => {}
                b']' => return Some(start..atoms.len()),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(line: &str) -> bool {
        parse_op(line, &mut FlatMops::default()).is_some()
    }

    #[test]
    fn reads_the_common_shape() {
        let line = r#"{"index":3,"process":1,"type":"ok","f":"txn","time":-5,"value":[["append",5,1],["r","x",[1, 2]],["r",0,null],["r",4,[]]]}"#;
        let mut mops = FlatMops::default();
        let op = parse_op(line, &mut mops).expect("common shape");
        assert_eq!(
            (op.index, op.op_type, op.process, op.time),
            (Some(3), "ok", 1, Some(-5))
        );
        assert_eq!(mops.mops.len(), 4);
        assert_eq!(mops.atoms.len(), 2);
        assert!(
            matches!(mops.mops[1], FlatMop::Read(FlatAtom::Str("x"), Some(ref r)) if *r == (0..2))
        );
        assert!(
            matches!(mops.mops[3], FlatMop::Read(FlatAtom::Int(4), Some(ref r)) if r.is_empty())
        );
    }

    #[test]
    fn defers_anything_unusual_to_serde() {
        for line in [
            r#"{"process":1,"type":"ok","value":[["append",5,1.5]]}"#,
            r#"{"process":1,"type":"ok","value":[["append",5,01]]}"#,
            r#"{"process":1,"type":"ok","value":[["append",5,-0]]}"#,
            r#"{"process":1,"type":"o\u006b","value":[]}"#,
            r#"{"process":"nemesis","type":"info","value":null}"#,
            r#"{"process":1,"type":"ok","value":[["r",5]]}"#,
            r#"{"process":1,"type":"ok","value":[["w",5,1]]}"#,
            r#"{"process":1,"type":"ok","value":[],"error":[1]}"#,
            r#"{"process":1,"type":"ok","index":1,"index":2,"value":[]}"#,
            r#"{"process":1,"type":"ok","value":[]} x"#,
            r#"{"process":1,"type":"ok","value":[["append",5,99999999999999999999]]}"#,
            r#"{"process":1,"value":[]}"#,
            r#"{"process":1,"type":"ok"}"#,
            r#"{"process":1,"type":"ok","value":[],}"#,
        ] {
            assert!(!fast(line), "{line}");
        }
        assert!(fast(
            r#" { "process" : -1 , "type" : "ok" , "value" : [ ] } "#
        ));
    }
}
