//! Argument conversions shared by generated setters, so each setter is one call instead of its
//! own iterator chain.

/// Collects a list argument into the element type of the parameter: a setter taking
/// `impl IntoIterator<Item = impl Into<String>>` accepts arrays of `&str`, `Vec<String>`, ….
pub fn list<T, I>(values: I) -> Vec<T>
where
    I: IntoIterator,
    I::Item: Into<T>,
{
    values.into_iter().map(Into::into).collect()
}
