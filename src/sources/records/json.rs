//! JSON files: an array of records (streamed element by element), one record
//! object, or an object holding the array under `items` or `records`.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::de::{Deserializer, SeqAccess, Visitor};

use super::{MAX_WHOLE_FILE_BYTES, RawRecord, Sink};

pub fn read(file: &Path, display: &str, sink: &mut Sink) -> Result<(), String> {
    let f = std::fs::File::open(file).map_err(|e| format!("cannot read file: {e}"))?;
    let mut reader = BufReader::with_capacity(256 * 1024, f);
    // Peek at the first significant byte to pick array (streamed) or object.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match reader.read(&mut byte).map_err(|e| format!("cannot read file: {e}"))? {
            0 => return Err("file is empty; expected a JSON array or object of records".to_owned()),
            _ => {
                head.push(byte[0]);
                if !byte[0].is_ascii_whitespace() && !matches!(byte[0], 0xEF | 0xBB | 0xBF) {
                    break;
                }
            }
        }
    }
    let first = *head.last().unwrap_or(&b' ');
    // A BOM from Windows editors is not JSON; drop it before parsing.
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        head.drain(..3);
    }
    let whole = std::io::Cursor::new(head).chain(reader);
    match first {
        b'[' => {
            let mut de = serde_json::Deserializer::from_reader(whole);
            let visitor = EachRecord { display, sink };
            de.deserialize_seq(visitor)
                .map_err(|e| format!("{e}; expected a JSON array of record objects"))
        }
        b'{' => {
            let mut text = String::new();
            whole
                .take(MAX_WHOLE_FILE_BYTES + 1)
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read file as UTF-8 text: {e}"))?;
            if text.len() as u64 > MAX_WHOLE_FILE_BYTES {
                return Err(format!(
                    "a JSON object file may be at most {MAX_WHOLE_FILE_BYTES} bytes; use a top-level array or JSONL"
                ));
            }
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{e}; expected a JSON object"))?;
            let list =
                value.get("items").or_else(|| value.get("records")).and_then(|v| v.as_array());
            match list {
                Some(list) => {
                    for (i, v) in list.iter().enumerate() {
                        element(v.clone(), format!("{display}[{i}]"), sink);
                    }
                }
                None => element(value, display.to_owned(), sink),
            }
            Ok(())
        }
        _ => Err(format!(
            "starts with {:?}; expected a JSON array or object of records",
            char::from(first)
        )),
    }
}

/// Converts one array element; a wrong type skips only that element.
fn element(value: serde_json::Value, location: String, sink: &mut Sink) {
    if !value.is_object() {
        sink.skip(location, format!("expected a record object, found {}", kind(&value)));
        return;
    }
    match serde_json::from_value::<RawRecord>(value) {
        Ok(raw) => sink.record(raw, location),
        Err(e) => sink.skip(location, format!("unexpected value: {e}")),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Hands each element of the top-level array to the sink as it is parsed.
struct EachRecord<'a, 'b> {
    display: &'a str,
    sink: &'a mut Sink<'b>,
}

impl<'de> Visitor<'de> for EachRecord<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        // Elements go through Value so that one element of the wrong shape
        // is skipped alone instead of failing the whole array.
        while let Some(v) = seq.next_element::<serde_json::Value>()? {
            element(v, format!("{}[{i}]", self.display), self.sink);
            i += 1;
        }
        Ok(())
    }
}
