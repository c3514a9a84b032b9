//! Kubernetes API type schemas: Go field order, JSON names, protobuf field numbers, patch strategies; JSON <-> protobuf transcoding as kube-apiserver stores and serves it

mod decode;
mod encode;
pub mod envelope;
pub mod error;
mod goorder;
mod jsonout;
mod parse;
pub mod schema;
pub mod strict;
mod wellknown;
mod wire;

pub use decode::decode_message;
pub use encode::encode_message;
pub use envelope::{
    CONTENT_TYPE, MAGIC, STREAM_CONTENT_TYPE, WatchEvent, decode, decode_raw, decode_watch_event, encode, encode_raw,
    encode_watch_event, frame, next_frame, stamp_resource_version, to_json,
};
pub use error::TranscodeError;
pub use goorder::write_go_json;
pub use parse::{Checked, parse_json_checked, unknown_fields};
pub use schema::{
    Cardinality, Field, FieldType, GoPresence, GroupVersionKind, Message, MessageId, Schema, Special, schema,
};
pub use strict::duplicate_fields;
