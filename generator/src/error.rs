//! Errors of the generator. Every input problem names the file and the JSON pointer of the
//! offending value, so a user can jump straight to it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in the input a problem sits: a file and an RFC 6901 JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: PathBuf,
    pub pointer: String,
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, pointer: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            pointer: pointer.into(),
        }
    }

    /// The location of a child value, `key` being an object key or an array index.
    pub fn child(&self, key: impl fmt::Display) -> Self {
        Self {
            file: self.file.clone(),
            pointer: format!(
                "{}/{}",
                self.pointer,
                escape_pointer_token(&key.to_string())
            ),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{} at {}", self.file.display(), pointer)
    }
}

/// Escapes one reference token of a JSON pointer (`~` and `/`).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{location}: {message}")]
    Input { location: Location, message: String },

    #[error("{first} and {second} both define {what}, differently")]
    Conflict {
        what: String,
        first: Location,
        second: Location,
    },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "the generated code for {file} is not valid Rust ({message}); this is a generator bug"
    )]
    InvalidOutput { file: String, message: String },

    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn input(location: &Location, message: impl Into<String>) -> Self {
        Error::Input {
            location: location.clone(),
            message: message.into(),
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
