//! Integer fields of request bodies that also accept a whole number written with a fraction
//! (`30.0`). JSON Schema, which the API document speaks, counts `30.0` as an integer, and a
//! client whose JSON library writes every number as a float sends it so; serde's integer
//! types alone refuse it. Anything with a non-zero fraction, or out of the type's range, is
//! still refused.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// Largest magnitude below which every integer is exactly a `f64`.
const EXACT_IN_F64: f64 = 9_007_199_254_740_992.0;

fn whole<E: Error>(number: &serde_json::Number) -> Result<i128, E> {
    if let Some(value) = number.as_i64() {
        return Ok(value.into());
    }
    if let Some(value) = number.as_u64() {
        return Ok(value.into());
    }
    match number.as_f64() {
        // The check above makes the text an exact integer, which `{:.0}` spells in full.
        Some(value) if value.fract() == 0.0 && value.abs() < EXACT_IN_F64 => format!("{value:.0}")
            .parse()
            .map_err(|_| E::custom(format!("invalid value: {number}, expected an integer"))),
        _ => Err(E::custom(format!(
            "invalid value: {number}, expected an integer"
        ))),
    }
}

fn in_range<T: TryFrom<i128>, E: Error>(value: i128) -> Result<T, E> {
    T::try_from(value).map_err(|_| E::custom(format!("integer {value} is out of range")))
}

/// `#[serde(deserialize_with = "crate::whole_number::required")]`.
pub(crate) fn required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    let number = serde_json::Number::deserialize(deserializer)?;
    in_range(whole(&number)?)
}

/// `#[serde(default, deserialize_with = "crate::whole_number::optional")]`.
pub(crate) fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i128>,
{
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        Some(number) => in_range(whole(&number)?).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::required")]
        count: u32,
        #[serde(default, deserialize_with = "super::optional")]
        limit: Option<i64>,
    }

    fn parse(text: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn integers_and_whole_floats_are_accepted() {
        let body = parse(r#"{"count": 30, "limit": -2.0}"#).unwrap();
        assert_eq!((body.count, body.limit), (30, Some(-2)));
        assert_eq!(parse(r#"{"count": 30.0}"#).unwrap().count, 30);
        assert_eq!(parse(r#"{"count": 1, "limit": null}"#).unwrap().limit, None);
        assert_eq!(parse(r#"{"count": 1}"#).unwrap().limit, None);
    }

    #[test]
    fn fractions_out_of_range_values_and_other_types_are_refused() {
        for text in [
            r#"{"count": 30.5}"#,
            r#"{"count": -1}"#,
            r#"{"count": 4294967296}"#,
            r#"{"count": 1e300}"#,
            r#"{"count": "30"}"#,
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.is_data(), "{text}: {error}");
        }
    }
}
