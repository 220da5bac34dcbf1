//! Opening an input: compression detected from the first bytes, never from the file name.
//!
//! [`decompress`] peeks at most four bytes of any reader: `1f 8b` is gzip (read with
//! `MultiGzDecoder`, so concatenated members such as `cat a.gz b.gz` work), `28 b5 2f fd` is
//! zstd (every frame), anything else is passed through as plain bytes.

use std::io::{self, BufRead, BufReader, Cursor, Read};

/// Buffer size of every input reader: large enough that a 3.5 KB document costs no system call
/// of its own.
const BUFFER: usize = 256 * 1024;

/// The compression an input was found to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (one or more concatenated members).
    Gzip,
    /// zstd (one or more frames).
    Zstd,
}

impl Compression {
    /// Detects the compression from the first bytes of an input.
    pub fn sniff(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// A name for messages ("gzip", "zstd"), or `None` for plain input.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
        }
    }
}

/// A buffered reader over the decompressed content of `reader`, and the compression found.
pub fn decompress<R: Read + Send + 'static>(
    mut reader: R,
) -> io::Result<(Box<dyn BufRead + Send>, Compression)> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        match reader.read(&mut prefix[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let compression = Compression::sniff(&prefix[..filled]);
    let whole = Cursor::new(prefix[..filled].to_vec()).chain(reader);
    let out: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(BufReader::with_capacity(BUFFER, whole)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUFFER,
            flate2::read::MultiGzDecoder::new(whole),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUFFER,
            zstd::stream::read::Decoder::new(whole)?,
        )),
    };
    Ok((out, compression))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(bytes: Vec<u8>) -> (String, Compression) {
        let (mut r, c) = decompress(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        (s, c)
    }

    #[test]
    fn plain_gzip_and_zstd_are_told_apart_by_content() {
        let text = "{\"id\":\"a\",\"text\":\"x\"}\n";
        assert_eq!(read_all(text.into()), (text.to_string(), Compression::None));

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        // Two concatenated members read as one stream.
        let mut twice = gz.clone();
        twice.extend_from_slice(&gz);
        assert_eq!(read_all(twice), (text.repeat(2), Compression::Gzip));

        let zst = zstd::encode_all(text.as_bytes(), 1).unwrap();
        let mut twice = zst.clone();
        twice.extend_from_slice(&zst);
        assert_eq!(read_all(twice), (text.repeat(2), Compression::Zstd));
    }

    #[test]
    fn tiny_and_empty_inputs_pass_through() {
        assert_eq!(read_all(Vec::new()), (String::new(), Compression::None));
        assert_eq!(
            read_all(b"x".to_vec()),
            ("x".to_string(), Compression::None)
        );
        // A lone 0x1f byte is not gzip.
        assert_eq!(read_all(vec![0x1f]).1, Compression::None);
    }
}
