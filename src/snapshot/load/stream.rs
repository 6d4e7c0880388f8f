//! A JSON file read piece by piece: only its structure is followed here (objects, keys, the
//! elements of a list), each piece is handed over as text for `serde_json` to parse and check.
//! A 172 MB `pods.json` is then never held whole: a List's items pass through a bounded buffer
//! in batches. Anything this reader does not expect (bad syntax, bad UTF-8, a file growing past
//! its limit) is only reported as [`Unread`]: the caller then loads the file whole, the usual
//! way, which says exactly what is wrong, with the line and column.

use std::io::Read;
use std::ops::Range;

/// The file could not be read piece by piece (see the module's documentation).
#[derive(Debug)]
pub(super) struct Unread;

pub(super) type Step<T> = std::result::Result<T, Unread>;

/// How much is read at once, and the size of a batch of items handed over.
const CHUNK: usize = 4 << 20;

/// A JSON text being read: `buf[pos..]` is read but not yet followed.
pub(super) struct Pieces<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Bytes read so far, and the most there may be.
    read: u64,
    max: u64,
}

impl<R: Read> Pieces<R> {
    /// Reads `input`, at most `max` bytes.
    pub(super) fn new(input: R, max: u64) -> Self {
        Pieces {
            input,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            read: 0,
            max,
        }
    }

    /// Whether the text is a JSON object (after a byte order mark and whitespace), the one
    /// kind of file read piece by piece (as `kubectl -o json` and the AWS CLI print them).
    pub(super) fn starts_object(&mut self) -> Step<bool> {
        self.refill()?;
        if self.buf.starts_with(b"\xef\xbb\xbf") {
            self.pos = 3;
        }
        Ok(self.peek()? == Some(b'{'))
    }

    /// Drops what was followed and reads more: at least as much as is held, so a long piece
    /// is scanned a bounded number of times. `false` at the end of the input.
    fn refill(&mut self) -> Step<bool> {
        if self.eof {
            return Ok(false);
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        let want = CHUNK.max(self.buf.len());
        let start = self.buf.len();
        self.buf.resize(start + want, 0);
        let mut filled = start;
        while filled < self.buf.len() {
            match self.input.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Unread),
            }
        }
        self.buf.truncate(filled);
        self.read += (filled - start) as u64;
        if self.read > self.max {
            return Err(Unread);
        }
        Ok(filled > start)
    }

    /// The next byte that is not whitespace, not consumed; `None` at the end of the input.
    pub(super) fn peek(&mut self) -> Step<Option<u8>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes `b`, the next byte that is not whitespace, or fails.
    pub(super) fn expect(&mut self, b: u8) -> Step<()> {
        if self.peek()? != Some(b) {
            return Err(Unread);
        }
        self.pos += 1;
        Ok(())
    }

    /// The next JSON value (the next byte that is not whitespace starts it), as text.
    pub(super) fn value(&mut self) -> Step<&str> {
        self.peek()?.ok_or(Unread)?;
        let end = loop {
            match value_end(&self.buf, self.pos, self.eof)? {
                Some(end) => break end,
                None if self.refill()? => {}
                None => return Err(Unread),
            }
        };
        let range = self.pos..end;
        self.pos = end;
        std::str::from_utf8(&self.buf[range]).map_err(|_| Unread)
    }

    /// The elements of the list that starts here (at `[`), handed to `batch` as text, a few
    /// megabytes at a time, in order. Returns how many there were.
    pub(super) fn list(&mut self, mut batch: impl FnMut(&[&str]) -> Step<()>) -> Step<usize> {
        self.expect(b'[')?;
        let mut held: Vec<Range<usize>> = Vec::new();
        let mut count = 0;
        // Whether an element, not a `,` or the `]`, comes next.
        let mut want_value = false;
        loop {
            let b = match self.buf.get(self.pos) {
                Some(b' ' | b'\n' | b'\r' | b'\t') => {
                    self.pos += 1;
                    continue;
                }
                Some(&b) => b,
                None => {
                    self.flush(&mut held, &mut batch)?;
                    if !self.refill()? {
                        return Err(Unread);
                    }
                    continue;
                }
            };
            match b {
                b']' if !want_value => {
                    self.pos += 1;
                    self.flush(&mut held, &mut batch)?;
                    return Ok(count);
                }
                b',' if !want_value && count > 0 => {
                    self.pos += 1;
                    want_value = true;
                }
                b',' | b']' => return Err(Unread),
                _ if want_value || count == 0 => match value_end(&self.buf, self.pos, self.eof)? {
                    Some(end) => {
                        held.push(self.pos..end);
                        self.pos = end;
                        count += 1;
                        want_value = false;
                        if end - held[0].start >= CHUNK {
                            self.flush(&mut held, &mut batch)?;
                        }
                    }
                    None => {
                        self.flush(&mut held, &mut batch)?;
                        if !self.refill()? {
                            return Err(Unread);
                        }
                    }
                },
                _ => return Err(Unread),
            }
        }
    }

    /// Hands the elements held over (they are in `buf`, before `pos`).
    fn flush(
        &self,
        held: &mut Vec<Range<usize>>,
        batch: &mut impl FnMut(&[&str]) -> Step<()>,
    ) -> Step<()> {
        let (Some(first), Some(last)) = (held.first(), held.last()) else {
            return Ok(());
        };
        let base = first.start;
        let text = std::str::from_utf8(&self.buf[base..last.end]).map_err(|_| Unread)?;
        // Each element starts and ends on an ASCII byte, so on a character boundary.
        let items: Vec<&str> = held
            .iter()
            .map(|r| &text[r.start - base..r.end - base])
            .collect();
        held.clear();
        batch(&items)
    }
}

/// Where the JSON value starting at `b[i]` ends (exclusive); `None` when `b` ends first (at the
/// end of the input, `eof`, only a number or a literal may end with it). Only the nesting and
/// the strings are followed: what lies between is checked by the parser the text goes to.
fn value_end(b: &[u8], i: usize, eof: bool) -> Step<Option<usize>> {
    match b[i] {
        b'"' => Ok(string_end(b, i)),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => match string_end(b, j) {
                        Some(end) => {
                            j = end;
                            continue;
                        }
                        None => return Ok(None),
                    },
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(Some(j + 1));
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Ok(None)
        }
        b'-' | b'0'..=b'9' | b'a'..=b'z' => {
            let len = b[i..]
                .iter()
                .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E'))
                .map(|n| i + n);
            Ok(len.or(eof.then_some(b.len())))
        }
        _ => Err(Unread),
    }
}

/// Where the string starting at `b[i]` (a `"`) ends (exclusive), `None` when `b` ends first.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` through a reader handing out `step` bytes at a time.
    struct Trickle<'a> {
        text: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.text.len());
            out[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    fn items(text: &str, step: usize) -> Step<(Vec<String>, String)> {
        let input = Trickle {
            text: text.as_bytes(),
            step,
        };
        let mut p = Pieces::new(input, u64::MAX);
        p.expect(b'{')?;
        let key = p.value()?.to_string();
        p.expect(b':')?;
        let mut all = Vec::new();
        p.list(|batch| {
            all.extend(batch.iter().map(|s| s.to_string()));
            Ok(())
        })?;
        p.expect(b'}')?;
        if p.peek()?.is_some() {
            return Err(Unread);
        }
        Ok((all, key))
    }

    #[test]
    fn splits_a_list_into_its_elements_whatever_the_reads() {
        let text = r#" { "items" : [ {"a":"}]\"{"} , [1,[2]],"x\\",-1.5e3 ,true,null ] }
        "#;
        for step in [1, 2, 3, 7, 1000] {
            let (all, key) = items(text, step).expect("reads");
            assert_eq!(key, r#""items""#);
            assert_eq!(
                all,
                [
                    r#"{"a":"}]\"{"}"#,
                    "[1,[2]]",
                    r#""x\\""#,
                    "-1.5e3",
                    "true",
                    "null"
                ],
                "step {step}"
            );
        }
        assert_eq!(items(r#"{"items":[]}"#, 1).expect("reads").0.len(), 0);
    }

    #[test]
    fn what_is_not_a_list_is_unread() {
        for bad in [
            r#"{"items":[1,]}"#,
            r#"{"items":[,1]}"#,
            r#"{"items":[1 2]}"#,
            r#"{"items":[{"a":1}"#,
            r#"{"items":["open]}"#,
            r#"{"items":{}}"#,
            "{\"items\":[\"\u{0}\"]} x",
        ] {
            assert!(items(bad, 3).is_err(), "{bad}");
        }
    }
}
