//! Leaderboards: which boards exist (period × kind), the time window of each, and their names.
//!
//! A board ranks accounts by the points of their assertions settled in the period (nexus-core's
//! undecayed `contribution` points, summed over every wallet the account linked): `week` is the
//! current ISO week (Monday 00:00 UTC onwards), `month` the current calendar month (UTC), `all`
//! every settled assertion. Periods are calendar buckets rather than sliding windows and the
//! points are not decayed, so a board is a pure function of PostgreSQL at any moment within its
//! bucket: rebuilt after Redis lost it, it comes back identical. Decay belongs to the reputation
//! score (`GET /v1/reputation/{user_id}`), not to a contest over a fixed period.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use nexus_core::reputation::FileType;

/// A leaderboard period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// The current ISO week, UTC.
    Week,
    /// The current calendar month, UTC.
    Month,
    /// All time.
    All,
}

impl Period {
    /// Every period.
    pub const ALL: [Period; 3] = [Period::Week, Period::Month, Period::All];

    /// The query name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::All => "all",
        }
    }

    /// The period named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|period| period.as_str() == name)
    }
}

/// Which assertions a board counts: all, or one file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardKind {
    /// Every file type.
    All,
    /// One file type.
    FileType(FileType),
}

impl BoardKind {
    /// Every kind: `all` then each file type.
    pub fn every() -> impl Iterator<Item = BoardKind> {
        std::iter::once(BoardKind::All).chain(FileType::ALL.into_iter().map(BoardKind::FileType))
    }

    /// The query name.
    pub const fn as_str(self) -> &'static str {
        match self {
            BoardKind::All => "all",
            BoardKind::FileType(file_type) => file_type.as_str(),
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        if name == "all" {
            Some(BoardKind::All)
        } else {
            FileType::parse(name).map(BoardKind::FileType)
        }
    }

    /// The file type the board filters on, if any.
    pub const fn file_type(self) -> Option<FileType> {
        match self {
            BoardKind::All => None,
            BoardKind::FileType(file_type) => Some(file_type),
        }
    }
}

/// A board's period bucket at one moment: its name (part of the Redis key) and its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// `2026-W50`, `2026-12` or `all`.
    pub name: String,
    /// First moment counted.
    pub starts_at: DateTime<Utc>,
    /// First moment not counted.
    pub ends_at: DateTime<Utc>,
}

impl Bucket {
    /// Whether `at` falls in the bucket.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

/// The bucket of `period` that holds `now`.
pub fn bucket(period: Period, now: DateTime<Utc>) -> Bucket {
    let midnight =
        |date: NaiveDate| Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
    match period {
        Period::Week => {
            let today = now.date_naive();
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            let week = today.iso_week();
            Bucket {
                name: format!("{}-W{:02}", week.year(), week.week()),
                starts_at: midnight(monday),
                ends_at: midnight(monday + Duration::days(7)),
            }
        }
        Period::Month => {
            let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or_default();
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first);
            Bucket {
                name: format!("{}-{:02}", now.year(), now.month()),
                starts_at: midnight(first),
                ends_at: midnight(next),
            }
        }
        Period::All => Bucket {
            name: "all".to_owned(),
            // Within PostgreSQL's range, beyond any block time.
            starts_at: DateTime::<Utc>::UNIX_EPOCH,
            ends_at: Utc
                .with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
                .single()
                .unwrap_or(now),
        },
    }
}

/// One board: a period bucket and a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The period.
    pub period: Period,
    /// Its bucket.
    pub bucket: Bucket,
    /// The kind.
    pub kind: BoardKind,
}

impl Board {
    /// The board of `period` and `kind` at `now`.
    pub fn at(period: Period, kind: BoardKind, now: DateTime<Utc>) -> Self {
        Self {
            period,
            bucket: bucket(period, now),
            kind,
        }
    }

    /// Every current board at `now` (3 periods × 10 kinds).
    pub fn every(now: DateTime<Utc>) -> Vec<Board> {
        Period::ALL
            .into_iter()
            .flat_map(|period| BoardKind::every().map(move |kind| Board::at(period, kind, now)))
            .collect()
    }

    /// The key name inside the service's Redis namespace (`leaderboard:week:2026-W50:pe`).
    pub fn key_name(&self) -> String {
        format!(
            "leaderboard:{}:{}:{}",
            self.period.as_str(),
            self.bucket.name,
            self.kind.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn buckets_are_calendar_weeks_and_months_in_utc() {
        // Wednesday 2026-12-09 15:00 UTC.
        let now = Utc.with_ymd_and_hms(2026, 12, 9, 15, 0, 0).unwrap();
        let week = bucket(Period::Week, now);
        assert_eq!(week.name, "2026-W50");
        assert_eq!(
            week.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()
        );
        assert_eq!(
            week.ends_at,
            Utc.with_ymd_and_hms(2026, 12, 14, 0, 0, 0).unwrap()
        );
        let month = bucket(Period::Month, now);
        assert_eq!(month.name, "2026-12");
        assert_eq!(
            month.ends_at,
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
        );
        assert!(bucket(Period::All, now).contains(now));
        // ISO week 1 of 2027 starts on Monday 2027-01-04; 2027-01-01 is in 2026-W53.
        let new_year = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(bucket(Period::Week, new_year).name, "2026-W53");
    }

    #[test]
    fn names_round_trip_and_there_are_thirty_boards() {
        for kind in BoardKind::every() {
            assert_eq!(BoardKind::parse(kind.as_str()), Some(kind));
        }
        for period in Period::ALL {
            assert_eq!(Period::parse(period.as_str()), Some(period));
        }
        assert_eq!(BoardKind::parse("exe"), None);
        assert_eq!(Period::parse("year"), None);
        let boards = Board::every(Utc::now());
        assert_eq!(boards.len(), 30);
        assert_eq!(
            Board::at(
                Period::Month,
                BoardKind::FileType(FileType::Macho),
                Utc.with_ymd_and_hms(2026, 12, 9, 0, 0, 0).unwrap()
            )
            .key_name(),
            "leaderboard:month:2026-12:macho"
        );
    }
}
