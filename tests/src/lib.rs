//! Cross-crate tests live in `tests/`. The repository README is included here so that its
//! examples are compiled as doctests and cannot drift from the generated API.
#![doc = include_str!("../../README.md")]

pub mod prism;
