//! [`Json`], the request-body extractor every handler uses instead of `web::Json`: the same
//! limits, content-type check and error codes (it reads the body through `web::Json` and the
//! shared [`json_config`](crate::json_config)), and one rule more: an object in the API document
//! is an object on the wire.
//!
//! Why: serde lets a struct be written as a JSON array of its fields in declaration order, so
//! `web::Json<UpdateProfile>` took `[null, null]` for `{"display_name": null, "biography": null}`.
//! No client is meant to send that, the API document does not allow it, and schemathesis
//! (scripts/schemathesis.sh) flagged it as a schema-violating body the services accepted. Here
//! the body is parsed into a `serde_json::Value` first and the handler's type is read from it
//! through [`Strict`], a deserializer that refuses an array wherever a struct is expected, at
//! any depth. Bodies are small (the JSON limit), so the second pass costs little.
//!
//! One gap remains: an internally tagged enum (`#[serde(tag = "...")]`) buffers its content in
//! serde's own private form, which reads the variant's fields without [`Strict`]; no request body
//! uses one today.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Number, Value};

use crate::error::ApiError;

/// A JSON request body of type `T`, refused with the shared codes when it is too large
/// (413 `payload_too_large`), not JSON (400 `invalid_json`, 415 for another content type) or not
/// of `T`'s shape (422 `invalid_request_body`, also for an array where `T` has an object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Value>::from_request(request, payload);
        Box::pin(async move {
            let web::Json(value) = body.await?;
            from_value(&value).map(Json).map_err(Into::into)
        })
    }
}

/// Reads `T` from an already parsed body, refusing arrays in place of objects; the error is the
/// 422 `invalid_request_body` the extractor answers.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    T::deserialize(Strict(value)).map_err(|error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request_body",
            format!("The JSON body does not have the expected shape: {error}."),
        )
    })
}

/// A deserializer over a parsed JSON value that behaves like `serde_json`'s own except that a
/// struct must be an object (serde's positional array form is refused), here and in every value
/// nested inside it.
#[derive(Debug, Clone, Copy)]
pub struct Strict<'a>(pub &'a Value);

type Error = serde_json::Error;

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(value) => visitor.visit_bool(*value),
            Value::Number(number) => visit_number(number, visitor),
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(variant.as_str().into_deserializer()),
            Value::Object(map) if map.len() == 1 => {
                let Some((variant, value)) = map.iter().next() else {
                    return Err(de::Error::invalid_length(0, &"an object with one key"));
                };
                visitor.visit_enum(Variant { variant, value })
            }
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

fn visit_number<'de, V: Visitor<'de>>(number: &Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(value) = number.as_u64() {
        visitor.visit_u64(value)
    } else if let Some(value) = number.as_i64() {
        visitor.visit_i64(value)
    } else if let Some(value) = number.as_f64() {
        visitor.visit_f64(value)
    } else {
        Err(de::Error::custom(format!(
            "the number {number} is out of range"
        )))
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    map: &'de Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    visitor.visit_map(Entries {
        entries: map.iter(),
        value: None,
    })
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(value) => Unexpected::Bool(*value),
        Value::Number(number) => number
            .as_i64()
            .map(Unexpected::Signed)
            .or_else(|| number.as_f64().map(Unexpected::Float))
            .unwrap_or(Unexpected::Other("number")),
        Value::String(text) => Unexpected::Str(text),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct Items<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(Strict(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de> {
    entries: serde_json::map::Iter<'de>,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let key: de::value::BorrowedStrDeserializer<'de, Error> =
            de::value::BorrowedStrDeserializer::new(key);
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(de::Error::custom("a value was read before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// `{"Variant": value}`: an enum variant with data.
struct Variant<'de> {
    variant: &'de str,
    value: &'de Value,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Strict<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Strict<'de>), Error> {
        let name: de::value::BorrowedStrDeserializer<'de, Error> =
            de::value::BorrowedStrDeserializer::new(self.variant);
        Ok((seed.deserialize(name)?, Strict(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Strict<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(other), &"no data")),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _length: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_struct("", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Inner {
        name: String,
        count: u8,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        File,
        Contract { chain_id: u64 },
        Url(String),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
        maybe: Option<Inner>,
        kinds: Vec<Kind>,
        labels: BTreeMap<String, i64>,
        #[serde(default)]
        ratio: f64,
    }

    fn strict<T: DeserializeOwned>(value: Value) -> Result<T, String> {
        from_value(&value).map_err(|error| error.to_string())
    }

    fn valid() -> Value {
        json!({
            "inner": {"name": "a", "count": 1},
            "list": [{"name": "b", "count": 2}],
            "maybe": null,
            "kinds": ["file", {"contract": {"chain_id": 31337}}, {"url": "https://x.test"}],
            "labels": {"x": -3},
            "ratio": 0.5
        })
    }

    #[test]
    fn reads_what_serde_json_reads_from_objects() {
        let ours: Outer = strict(valid()).unwrap();
        let theirs: Outer = serde_json::from_value(valid()).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.kinds[1], Kind::Contract { chain_id: 31337 });
    }

    #[test]
    fn refuses_an_array_for_a_struct_at_any_depth() {
        let top = json!([{"name": "a", "count": 1}, [], null, [], {}, 0.5]);
        let nested = {
            let mut body = valid();
            body["inner"] = json!(["a", 1]);
            body
        };
        let in_list = {
            let mut body = valid();
            body["list"] = json!([["b", 2]]);
            body
        };
        let in_option = {
            let mut body = valid();
            body["maybe"] = json!(["c", 3]);
            body
        };
        let in_variant = {
            let mut body = valid();
            body["kinds"] = json!([{"contract": [31337]}]);
            body
        };
        // serde_json itself takes the first four (its struct variants want an object already).
        for (body, serde_json_takes_it) in [
            (top, true),
            (nested, true),
            (in_list, true),
            (in_option, true),
            (in_variant, false),
        ] {
            assert_eq!(
                serde_json::from_value::<Outer>(body.clone()).is_ok(),
                serde_json_takes_it,
                "{body}"
            );
            let error = strict::<Outer>(body.clone()).unwrap_err();
            assert!(error.contains("sequence"), "{body}: {error}");
        }
    }

    #[test]
    fn keeps_serde_json_refusals() {
        for (body, expected) in [
            (json!({"inner": {"name": "a", "count": 300}}), "300"),
            (json!({"inner": {"name": 5, "count": 1}}), "integer `5`"),
            (json!("text"), "string \"text\""),
        ] {
            let error = strict::<Outer>(body.clone()).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        }
        let mut unknown = valid();
        unknown["extra"] = json!(1);
        assert!(
            strict::<Outer>(unknown)
                .unwrap_err()
                .contains("unknown field")
        );
        let mut missing = valid();
        missing.as_object_mut().unwrap().remove("inner");
        assert!(
            strict::<Outer>(missing)
                .unwrap_err()
                .contains("missing field")
        );
    }

    #[test]
    fn top_level_arrays_still_read_into_sequences() {
        let items: Vec<Inner> = strict(json!([{"name": "a", "count": 1}])).unwrap();
        assert_eq!(items[0].name, "a");
        let numbers: Vec<i64> = strict(json!([1, -2, 3])).unwrap();
        assert_eq!(numbers, [1, -2, 3]);
    }
}
