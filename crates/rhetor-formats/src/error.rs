//! One error type for every input problem, always naming its source.

use std::fmt;

/// Where a problem was found: a file path, `<stdin>`, or a line of either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub line: Option<usize>,
}

impl Source {
    pub fn file(name: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            line: None,
        }
    }

    pub fn at_line(&self, line: usize) -> Self {
        Source {
            name: self.name.clone(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}", self.name, l),
            None => f.write_str(&self.name),
        }
    }
}

/// An input that could not be read; the message names the file (and line or
/// byte offset) so a user can find the problem.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{source_name}: {error}")]
    Io {
        source_name: Source,
        error: std::io::Error,
    },
    #[error("{0}: no such file or directory")]
    Missing(Source),
    #[error("{0}: empty input (no text)")]
    Empty(Source),
    #[error("{source_name}: looks like a binary file (NUL byte at byte offset {offset})")]
    Binary { source_name: Source, offset: usize },
    #[error("{source_name}: invalid UTF-8 at byte offset {offset}")]
    Utf8 { source_name: Source, offset: usize },
    #[error("{source_name}: {message}")]
    Row {
        source_name: Source,
        message: String,
    },
}

impl FormatError {
    pub fn row(source: Source, message: impl Into<String>) -> Self {
        FormatError::Row {
            source_name: source,
            message: message.into(),
        }
    }

    pub fn io(source: Source, error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::NotFound {
            FormatError::Missing(source)
        } else {
            FormatError::Io {
                source_name: source,
                error,
            }
        }
    }
}

/// Checks raw bytes are text: not empty, no NUL byte, valid UTF-8.
pub fn decode_text(source: &Source, bytes: Vec<u8>) -> Result<String, FormatError> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(FormatError::Binary {
            source_name: source.clone(),
            offset,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| FormatError::Utf8 {
        source_name: source.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(FormatError::Empty(source.clone()));
    }
    Ok(text)
}
