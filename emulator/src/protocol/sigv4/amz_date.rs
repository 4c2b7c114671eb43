//! `yyyymmddThhmmssZ`, the time format of `X-Amz-Date` and of AWS's messages.

use std::time::{Duration, SystemTime};

use super::error::AuthError;

pub(super) fn bad_date(value: &str) -> AuthError {
    AuthError::IncompleteSignature(format!(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

/// `yyyymmddThhmmssZ` to a time.
pub(super) fn parse_amz_date(value: &str) -> Result<SystemTime, AuthError> {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let parsed = (|| {
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let year = i32::try_from(digits(0..4)?).ok()?;
        let month = time::Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
        let day = u8::try_from(digits(6..8)?).ok()?;
        let hour = u8::try_from(digits(9..11)?).ok()?;
        let minute = u8::try_from(digits(11..13)?).ok()?;
        let second = u8::try_from(digits(13..15)?).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        let clock = time::Time::from_hms(hour, minute, second).ok()?;
        let odt = time::PrimitiveDateTime::new(date, clock).assume_utc();
        let secs = odt.unix_timestamp();
        if secs >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
        }
    })();
    parsed.ok_or_else(|| bad_date(value))
}

/// A time as `yyyymmddThhmmssZ`, as AWS prints it in messages.
pub fn format_amz_date(t: SystemTime) -> String {
    let odt = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => time::OffsetDateTime::UNIX_EPOCH.checked_add(to_time_duration(d)),
        Err(e) => time::OffsetDateTime::UNIX_EPOCH.checked_sub(to_time_duration(e.duration())),
    };
    match odt {
        Some(o) => format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            o.year(),
            u8::from(o.month()),
            o.day(),
            o.hour(),
            o.minute(),
            o.second()
        ),
        None => "99991231T235959Z".to_owned(),
    }
}

fn to_time_duration(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}
