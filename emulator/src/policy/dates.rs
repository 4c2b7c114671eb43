//! Dates as IAM's Date condition operators and keys read them: ISO 8601 or epoch seconds.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// ISO 8601 (date, date-time, optional fraction and offset) or epoch seconds,
/// as Unix nanoseconds.
pub fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .map(|secs| i128::from(secs) * 1_000_000_000);
    }
    let (date_part, time_part) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut d = date_part.split('-');
    let year: i32 = d.next()?.parse().ok()?;
    let month: u8 = d.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u8 = d.next().map_or(Some(1), |x| x.parse().ok())?;
    if d.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let (time, offset) = match time_part {
        None => (Time::MIDNIGHT, UtcOffset::UTC),
        Some(t) => parse_time(t)?,
    };
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .unix_timestamp_nanos(),
    )
}

fn parse_time(t: &str) -> Option<(Time, UtcOffset)> {
    let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
        (c, UtcOffset::UTC)
    } else if let Some(i) = t.rfind(['+', '-']) {
        let (sign, rest) = (if &t[i..i + 1] == "-" { -1 } else { 1 }, &t[i + 1..]);
        let (h, m) = rest
            .split_once(':')
            .unwrap_or((rest.get(..2)?, rest.get(2..).unwrap_or("0")));
        let h: i8 = h.parse().ok()?;
        let m: i8 = if m.is_empty() { 0 } else { m.parse().ok()? };
        (&t[..i], UtcOffset::from_hms(sign * h, sign * m, 0).ok()?)
    } else {
        (t, UtcOffset::UTC)
    };
    let mut parts = clock.split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next().map_or(Some(0), |x| x.parse().ok())?;
    let (s, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let digits: String = frac.chars().take(9).collect();
            let nanos = if digits.is_empty() {
                0
            } else {
                format!("{digits:0<9}").parse().ok()?
            };
            (whole.parse().ok()?, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    Some((Time::from_hms_nano(h, m, s, nanos).ok()?, offset))
}
