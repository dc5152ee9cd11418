//! `escape_hatches!`: the raw-response methods of a generated request builder, written by one
//! macro call per builder instead of a dozen generated lines each (667 builders: about 5,000
//! lines of the generated crate). The work itself is in [`Request::send_json`] and
//! [`Request::send_raw`], compiled once.
//!
//! [`Request::send_json`]: crate::Request::send_json
//! [`Request::send_raw`]: crate::Request::send_raw

/// Adds `send_json()` and `send_raw()` to a generated builder holding `request:
/// Request<_>` (and, with `body`, a struct `body` serialized when sending, as `send()` does).
#[macro_export]
macro_rules! escape_hatches {
    ($builder:ident) => {
        $crate::escape_hatches!(@methods $builder, |builder| builder.request);
    };
    ($builder:ident, body) => {
        $crate::escape_hatches!(@methods $builder, |builder| builder.request.with_json_body(&builder.body));
    };
    (@methods $builder:ident, |$it:ident| $request:expr) => {
        impl $builder {
            /// Sends the request like `send()` and returns the response as JSON, not decoded
            /// ([`Request::send_json`](::meraki_runtime::Request::send_json)).
            pub fn send_json(self) -> $crate::ResponseFuture<$crate::__private::serde_json::Value> {
                let $it = self;
                $request.send_json()
            }

            /// Sends the request like `send()` and returns its status, headers and bytes
            /// ([`Request::send_raw`](::meraki_runtime::Request::send_raw)).
            pub fn send_raw(self) -> $crate::ResponseFuture<$crate::RawResponse> {
                let $it = self;
                $request.send_raw()
            }
        }
    };
}
