//! Macros implementing the traits of generated enums, so each generated enum stays small.
//!
//! The generated code declares the enum and hands the macro its table of wire values; the macro
//! writes `as_str` and `from_wire` (and `as_i64` for integer enums) from the table — one line per
//! value instead of three in every generated enum — and derives `Display`, `FromStr`, `Serialize`
//! and `Deserialize` from them. A type that writes `as_str` and `from_wire` itself passes only its
//! name. Every path is absolute so the generated crate needs no serde dependency of its own for
//! them.

/// Implements `Display`, `FromStr` (infallible), `Serialize` and `Deserialize` for a string enum.
///
/// `string_enum!(Type, Unknown, { "wire" => Variant, ... })` also writes `as_str` and
/// `from_wire` from the table, with `Unknown(String)` holding any other value;
/// `string_enum!(Type)` expects `fn as_str(&self) -> &str` and `fn from_wire(String) -> Self`.
#[macro_export]
macro_rules! string_enum {
    ($ty:ident, $unknown:ident, { $($wire:literal => $variant:ident),* $(,)? }) => {
        impl $ty {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$unknown(value) => value,
                }
            }

            /// The variant for a wire value; values the spec does not list are kept as they are.
            pub fn from_wire(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $($wire => Self::$variant,)*
                    _ => Self::$unknown(value),
                }
            }
        }

        $crate::string_enum!($ty);
    };
    ($ty:ty) => {
        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for $ty {
            type Err = ::core::convert::Infallible;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(<$ty>::from_wire(::std::string::String::from(s)))
            }
        }

        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                deserializer.deserialize_string($crate::__private::StringEnumVisitor::<$ty>::new(
                    <$ty>::from_wire,
                ))
            }
        }
    };
}

/// Implements `Display` (the number), `FromStr` (`ParseIntError`), `Serialize` (as `i64`) and
/// `Deserialize` (from an integer, or from a string holding one) for an integer enum.
///
/// `int_enum!(Type, Unknown, { 20 => V20, ... })` also writes `as_i64`, `as_str` (the number as
/// text) and `from_wire` from the table, with `Unknown(i64)` holding any other value;
/// `int_enum!(Type)` expects `fn as_i64(&self) -> i64` and `fn from_wire(i64) -> Self`.
#[macro_export]
macro_rules! int_enum {
    ($ty:ident, $unknown:ident, { $($wire:literal => $variant:ident),* $(,)? }) => {
        impl $ty {
            /// The value as sent on the wire.
            pub fn as_i64(&self) -> i64 {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$unknown(value) => *value,
                }
            }

            /// The value as text.
            pub fn as_str(&self) -> ::std::borrow::Cow<'static, str> {
                match self {
                    $(Self::$variant => ::std::borrow::Cow::Borrowed(stringify!($wire)),)*
                    Self::$unknown(value) => ::std::borrow::Cow::Owned(value.to_string()),
                }
            }

            /// The variant for a wire value; values the spec does not list are kept as they are.
            pub fn from_wire(value: i64) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    _ => Self::$unknown(value),
                }
            }
        }

        $crate::int_enum!($ty);
    };
    ($ty:ty) => {
        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.as_i64(), f)
            }
        }

        impl ::core::str::FromStr for $ty {
            type Err = ::core::num::ParseIntError;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                s.trim().parse::<i64>().map(<$ty>::from_wire)
            }
        }

        impl $crate::__private::serde::Serialize for $ty {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_i64(self.as_i64())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $ty {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                deserializer.deserialize_any($crate::__private::IntEnumVisitor::<$ty>::new(
                    <$ty>::from_wire,
                ))
            }
        }
    };
}

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Visitor};

/// Visitor behind `string_enum!`; not public API.
#[doc(hidden)]
pub struct StringEnumVisitor<T> {
    from_wire: fn(String) -> T,
    _marker: PhantomData<fn() -> T>,
}

impl<T> StringEnumVisitor<T> {
    #[doc(hidden)]
    pub fn new(from_wire: fn(String) -> T) -> Self {
        StringEnumVisitor {
            from_wire,
            _marker: PhantomData,
        }
    }
}

impl<T> Visitor<'_> for StringEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok((self.from_wire)(v.to_owned()))
    }

    // An owned string is handed over as is: no copy.
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok((self.from_wire)(v))
    }
}

/// Visitor behind `int_enum!`; not public API.
#[doc(hidden)]
pub struct IntEnumVisitor<T> {
    from_wire: fn(i64) -> T,
    _marker: PhantomData<fn() -> T>,
}

impl<T> IntEnumVisitor<T> {
    #[doc(hidden)]
    pub fn new(from_wire: fn(i64) -> T) -> Self {
        IntEnumVisitor {
            from_wire,
            _marker: PhantomData,
        }
    }
}

impl<T> Visitor<'_> for IntEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok((self.from_wire)(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        i64::try_from(v)
            .map(self.from_wire)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    // JSON numbers such as `36.0` are integers to a person; anything with a fraction is not.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
            Ok((self.from_wire)(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.trim()
            .parse::<i64>()
            .map(self.from_wire)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}
