//! AWS's `cron(minutes hours day-of-month month day-of-week year)` expressions, as AWS Backup
//! takes them in plan rules and restore testing plans, evaluated in an IANA time zone. Pure:
//! no world, no clock.
//!
//! Fields and wildcards (EventBridge's cron, which AWS Backup documents for its rules):
//! minutes `0-59`, hours `0-23`, day-of-month `1-31` with `L`, `LW` and `nW`, month `1-12` or
//! `JAN-DEC`, day-of-week `1-7` (1 is Sunday) or `SUN-SAT` with `L`, `nL` and `n#k`, year
//! `1970-2199`; every field takes `*`, lists `a,b`, ranges `a-b` and steps `a/s`, `*/s`,
//! `a-b/s`. One of day-of-month and day-of-week must be `?`. AWS Backup does not take
//! `rate(...)` expressions.

use chrono::{Datelike, LocalResult, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;

const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 2199;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: Days,
    /// Bit m for month m (1-12).
    months: u16,
    /// Allowed years, indexed from 1970.
    years: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq)]
enum Days {
    /// Day-of-week is `?`.
    OfMonth {
        /// Bit d for day d (1-31).
        days: u32,
        last: bool,
        last_weekday: bool,
        /// `nW`: the weekday nearest day n.
        nearest_weekday: Vec<u32>,
    },
    /// Day-of-month is `?`.
    OfWeek {
        /// Bit d for weekday d (1 Sunday - 7 Saturday).
        days: u8,
        /// `nL`: the month's last weekday n.
        last: Vec<u32>,
        /// `n#k`: the month's k-th weekday n.
        nth: Vec<(u32, u32)>,
    },
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn value(text: &str, min: u32, max: u32, names: &[&str]) -> Option<u32> {
    let v = match text.parse::<u32>() {
        Ok(v) => v,
        Err(_) => {
            let upper = text.to_ascii_uppercase();
            names.iter().position(|n| *n == upper)? as u32 + min
        }
    };
    (min..=max).contains(&v).then_some(v)
}

/// The values of a plain field (`*`, lists, ranges, steps, names), as a list.
fn plain(field: &str, min: u32, max: u32, names: &[&str]) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for item in field.split(',') {
        out.extend(plain_item(item, min, max, names)?);
    }
    Some(out)
}

fn plain_item(item: &str, min: u32, max: u32, names: &[&str]) -> Option<Vec<u32>> {
    let (range, step) = match item.split_once('/') {
        None => (item, None),
        Some((r, s)) => (r, Some(s.parse::<u32>().ok().filter(|s| *s > 0)?)),
    };
    let (lo, hi) = if range == "*" {
        (min, max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (value(a, min, max, names)?, value(b, min, max, names)?);
        if a > b {
            return None;
        }
        (a, b)
    } else {
        let a = value(range, min, max, names)?;
        // `a/s` runs from a to the field's end.
        (a, if step.is_some() { max } else { a })
    };
    Some((lo..=hi).step_by(step.unwrap_or(1) as usize).collect())
}

fn mask<T: From<u8> + std::ops::BitOrAssign + std::ops::Shl<u32, Output = T>>(values: &[u32]) -> T {
    let mut m = T::from(0u8);
    for v in values {
        m |= T::from(1u8) << *v;
    }
    m
}

fn day_of_month(field: &str) -> Option<Days> {
    let (mut days, mut last, mut last_weekday, mut nearest) = (0u32, false, false, Vec::new());
    for item in field.split(',') {
        let upper = item.to_ascii_uppercase();
        if upper == "L" {
            last = true;
        } else if upper == "LW" {
            last_weekday = true;
        } else if let Some(n) = upper.strip_suffix('W') {
            nearest.push(value(n, 1, 31, &[])?);
        } else {
            days |= mask::<u32>(&plain_item(item, 1, 31, &[])?);
        }
    }
    Some(Days::OfMonth {
        days,
        last,
        last_weekday,
        nearest_weekday: nearest,
    })
}

fn day_of_week(field: &str) -> Option<Days> {
    let (mut days, mut last, mut nth) = (0u8, Vec::new(), Vec::new());
    for item in field.split(',') {
        let upper = item.to_ascii_uppercase();
        if upper == "L" {
            // Alone, L is the week's last day.
            days |= 1 << 7;
        } else if let Some((d, k)) = upper.split_once('#') {
            let k = k.parse::<u32>().ok().filter(|k| (1..=5).contains(k))?;
            nth.push((value(d, 1, 7, &WEEKDAYS)?, k));
        } else if let Some(d) = upper.strip_suffix('L') {
            last.push(value(d, 1, 7, &WEEKDAYS)?);
        } else {
            days |= mask::<u8>(&plain_item(item, 1, 7, &WEEKDAYS)?);
        }
    }
    Some(Days::OfWeek { days, last, nth })
}

impl Cron {
    /// Parses `cron(...)`; `None` for anything AWS would refuse.
    pub fn parse(expression: &str) -> Option<Cron> {
        let inner = expression.trim().strip_prefix("cron(")?.strip_suffix(')')?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [min, hour, dom, month, dow, year] = fields[..] else {
            return None;
        };
        let days = match (dom, dow) {
            ("?", "?") => return None,
            ("?", dow) => day_of_week(dow)?,
            (dom, "?") => day_of_month(dom)?,
            _ => return None,
        };
        let years = plain(year, FIRST_YEAR as u32, LAST_YEAR as u32, &[])?;
        let mut year_set = vec![false; (LAST_YEAR - FIRST_YEAR + 1) as usize];
        for y in years {
            year_set[(y as i32 - FIRST_YEAR) as usize] = true;
        }
        Some(Cron {
            minutes: mask(&plain(min, 0, 59, &[])?),
            hours: mask(&plain(hour, 0, 23, &[])?),
            days,
            months: mask(&plain(month, 1, 12, &MONTHS)?),
            years: year_set,
        })
    }

    fn year_ok(&self, year: i32) -> bool {
        (FIRST_YEAR..=LAST_YEAR).contains(&year) && self.years[(year - FIRST_YEAR) as usize]
    }

    fn day_ok(&self, date: NaiveDate) -> bool {
        let day = date.day();
        let last_day = days_in_month(date.year(), date.month());
        match &self.days {
            Days::OfMonth {
                days,
                last,
                last_weekday,
                nearest_weekday,
            } => {
                days & (1 << day) != 0
                    || (*last && day == last_day)
                    || (*last_weekday && day == nearest_weekday_of(date, last_day, last_day))
                    || nearest_weekday
                        .iter()
                        .any(|n| *n <= last_day && day == nearest_weekday_of(date, *n, last_day))
            }
            Days::OfWeek { days, last, nth } => {
                let wd = date.weekday().number_from_sunday();
                days & (1 << wd) != 0
                    || last.iter().any(|d| *d == wd && day + 7 > last_day)
                    || nth.iter().any(|(d, k)| *d == wd && (day - 1) / 7 + 1 == *k)
            }
        }
    }

    /// Whether `date` at `hour:minute` (local time) is one of the expression's times.
    pub fn matches_local(&self, date: NaiveDate, hour: u32, minute: u32) -> bool {
        self.year_ok(date.year())
            && self.months & (1 << date.month()) != 0
            && self.day_ok(date)
            && self.hours & (1 << hour) != 0
            && self.minutes & (1 << minute) != 0
    }

    /// The first fire time strictly after `after` (epoch seconds), in `tz`; `None` if there is
    /// none before 2200. A local time skipped by a daylight-saving change does not fire; a
    /// repeated one fires at its first occurrence.
    pub fn next_after(&self, after: i64, tz: Tz) -> Option<i64> {
        let start = tz.timestamp_opt(after, 0).single()?.date_naive();
        let mut date = start.pred_opt()?;
        while date.year() <= LAST_YEAR {
            if !self.year_ok(date.year()) {
                date = NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)?;
                continue;
            }
            if self.months & (1 << date.month()) == 0 {
                date = first_of_next_month(date)?;
                continue;
            }
            if self.day_ok(date) {
                let mut best: Option<i64> = None;
                for hour in (0..24).filter(|h| self.hours & (1 << h) != 0) {
                    for minute in (0..60).filter(|m| self.minutes & (1u64 << m) != 0) {
                        let local = date.and_hms_opt(hour, minute, 0)?;
                        let at = match tz.from_local_datetime(&local) {
                            LocalResult::Single(t) => t.timestamp(),
                            LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
                            LocalResult::None => continue,
                        };
                        if at > after && best.is_none_or(|b| at < b) {
                            best = Some(at);
                        }
                    }
                }
                if best.is_some() {
                    return best;
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The last fire time in `(after, until]`, if any.
    pub fn last_between(&self, after: i64, until: i64, tz: Tz) -> Option<i64> {
        let first = self.next_after(after, tz).filter(|t| *t <= until)?;
        // Look back from `until` in growing windows, so a long jump costs a few searches
        // rather than one per fire time.
        let mut window = 60;
        loop {
            let from = (until - window).max(first - 1);
            if let Some(mut t) = self.next_after(from, tz).filter(|t| *t <= until) {
                while let Some(n) = self.next_after(t, tz).filter(|n| *n <= until) {
                    t = n;
                }
                return Some(t);
            }
            window *= 4;
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt())
        .map(|d| d.day())
        .unwrap_or(28)
}

fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
}

/// The weekday (Monday-Friday) nearest day `n` of `date`'s month, without leaving the month.
fn nearest_weekday_of(date: NaiveDate, n: u32, last_day: u32) -> u32 {
    let Some(target) = date.with_day(n) else {
        return 0;
    };
    match target.weekday() {
        Weekday::Sat if n == 1 => 3,
        Weekday::Sat => n - 1,
        Weekday::Sun if n == last_day => n - 2,
        Weekday::Sun => n + 1,
        _ => n,
    }
}

/// An IANA time zone name; AWS Backup's default is UTC.
pub fn time_zone(name: Option<&str>) -> Option<Tz> {
    match name {
        None => Some(Tz::UTC),
        Some(n) => n.parse::<Tz>().ok(),
    }
}
