//! The list's keyset cursor: the position of the last row of a page in the page's order, written
//! as text the client passes back unchanged (`newest:<id>`, `reward:<wei>:<id>`,
//! `deadline:<unix micros>:<id>`). Readable on purpose: it holds nothing the page did not show.

use std::fmt;

use chrono::{DateTime, Utc};
use nexus_proto::bounty::BountySort;
use uuid::Uuid;

use crate::store::ListAfter;

/// A cursor that does not parse, or belongs to another sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this list returned for this sort; start again without a cursor")]
pub struct InvalidCursor;

/// The cursor after `after`.
pub fn encode(after: &ListAfter) -> String {
    Cursor(after).to_string()
}

struct Cursor<'a>(&'a ListAfter);

impl fmt::Display for Cursor<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ListAfter::Newest(id) => write!(formatter, "newest:{id}"),
            ListAfter::Reward(reward, id) => write!(formatter, "reward:{reward}:{id}"),
            ListAfter::Deadline(deadline, id) => {
                write!(formatter, "deadline:{}:{id}", deadline.timestamp_micros())
            }
        }
    }
}

/// The position `text` names, which must be one of `sort`'s.
pub fn decode(text: &str, sort: BountySort) -> Result<ListAfter, InvalidCursor> {
    let mut parts = text.splitn(3, ':');
    let kind = parts.next().ok_or(InvalidCursor)?;
    let after = match (sort, kind) {
        (BountySort::Newest, "newest") => ListAfter::Newest(id(parts.next())?),
        (BountySort::Reward, "reward") => {
            let reward = parts
                .next()
                .and_then(|reward| reward.parse::<u128>().ok())
                .ok_or(InvalidCursor)?;
            ListAfter::Reward(reward, id(parts.next())?)
        }
        (BountySort::Deadline, "deadline") => {
            let deadline = parts
                .next()
                .and_then(|micros| micros.parse::<i64>().ok())
                .and_then(DateTime::<Utc>::from_timestamp_micros)
                .ok_or(InvalidCursor)?;
            ListAfter::Deadline(deadline, id(parts.next())?)
        }
        _ => return Err(InvalidCursor),
    };
    if parts.next().is_some() {
        return Err(InvalidCursor);
    }
    Ok(after)
}

fn id(text: Option<&str>) -> Result<Uuid, InvalidCursor> {
    text.and_then(|text| Uuid::parse_str(text).ok())
        .ok_or(InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_another_sort_or_garbage() {
        let id = Uuid::now_v7();
        let deadline =
            DateTime::<Utc>::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        for (after, sort) in [
            (ListAfter::Newest(id), BountySort::Newest),
            (ListAfter::Reward(u128::MAX, id), BountySort::Reward),
            (ListAfter::Deadline(deadline, id), BountySort::Deadline),
        ] {
            let text = encode(&after);
            assert_eq!(decode(&text, sort), Ok(after.clone()));
            let other = if sort == BountySort::Newest {
                BountySort::Reward
            } else {
                BountySort::Newest
            };
            assert_eq!(decode(&text, other), Err(InvalidCursor));
        }
        for text in [
            "",
            "newest",
            "newest:x",
            "reward:-1:x",
            &format!("newest:{id}:extra"),
            "deadline::",
        ] {
            assert_eq!(
                decode(text, BountySort::Newest),
                Err(InvalidCursor),
                "{text}"
            );
            assert_eq!(
                decode(text, BountySort::Reward),
                Err(InvalidCursor),
                "{text}"
            );
            assert_eq!(
                decode(text, BountySort::Deadline),
                Err(InvalidCursor),
                "{text}"
            );
        }
    }
}
