//! The cron parser and fire-time search: examples from AWS's cron documentation, then
//! properties over generated expressions and instants.

use chrono::{Datelike, TimeZone, Timelike};
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::services::backup::cron::{time_zone, Cron};

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp()
}

fn next(expr: &str, after: i64) -> Option<i64> {
    Cron::parse(expr).expect(expr).next_after(after, Tz::UTC)
}

#[test]
fn accepts_awss_documented_examples() {
    for expr in [
        "cron(0 5 ? * * *)",
        "cron(0 5 1 * ? *)",
        "cron(0 5 ? * 7 *)",
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 12 L * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 12 LW * ? *)",
        "cron(0 12 ? * 6L *)",
        "cron(0 0 ? JAN,JUL SUN 2030-2040)",
        "cron(30 0 ? * * *)",
    ] {
        assert!(Cron::parse(expr).is_some(), "{expr}");
    }
}

#[test]
fn refuses_what_aws_refuses() {
    for expr in [
        "cron(0 5 * * * *)",    // day-of-month and day-of-week both set
        "cron(0 5 ? * ? *)",    // neither set
        "cron(0 5 ? * *)",      // five fields
        "cron(0 5 ? * * * *)",  // seven fields
        "cron(60 5 ? * * *)",   // minute out of range
        "cron(0 24 ? * * *)",   // hour out of range
        "cron(0 5 32 * ? *)",   // day out of range
        "cron(0 5 ? 13 * *)",   // month out of range
        "cron(0 5 ? * 8 *)",    // weekday out of range
        "cron(0 5 ? * * 1969)", // year out of range
        "cron(0/0 5 ? * * *)",  // zero step
        "cron(0 5-3 ? * * *)",  // reversed range
        "cron(0 5 ? * 2#6 *)",  // no sixth weekday
        "cron(0 5 ? FOO * *)",  // unknown name
        "rate(1 hour)",         // AWS Backup takes no rate expressions
        "0 5 ? * * *",          // not wrapped in cron()
        "",
    ] {
        assert!(Cron::parse(expr).is_none(), "{expr}");
    }
}

#[test]
fn daily_at_five_utc() {
    let t = at(2024, 3, 10, 4, 0);
    assert_eq!(next("cron(0 5 ? * * *)", t), Some(at(2024, 3, 10, 5, 0)));
    // Strictly after: a fire time is not its own successor.
    let five = at(2024, 3, 10, 5, 0);
    assert_eq!(next("cron(0 5 ? * * *)", five), Some(at(2024, 3, 11, 5, 0)));
}

#[test]
fn steps_lists_and_names() {
    let t = at(2024, 1, 1, 8, 7);
    assert_eq!(next("cron(0/15 * * * ? *)", t), Some(at(2024, 1, 1, 8, 15)));
    // 2024-01-01 is a Monday.
    assert_eq!(
        next("cron(0 9 ? * WED,FRI *)", t),
        Some(at(2024, 1, 3, 9, 0))
    );
    assert_eq!(next("cron(0 9 1 MAR ? *)", t), Some(at(2024, 3, 1, 9, 0)));
}

#[test]
fn last_day_nearest_weekday_and_nth_weekday() {
    let t = at(2024, 2, 1, 0, 0);
    // February 2024 has 29 days.
    assert_eq!(next("cron(0 12 L * ? *)", t), Some(at(2024, 2, 29, 12, 0)));
    // 2024-06-15 is a Saturday: 15W is Friday the 14th.
    assert_eq!(
        next("cron(0 12 15W * ? *)", at(2024, 6, 1, 0, 0)),
        Some(at(2024, 6, 14, 12, 0))
    );
    // 2024-06-01 is a Saturday: 1W is Monday the 3rd.
    assert_eq!(
        next("cron(0 12 1W * ? *)", at(2024, 5, 31, 13, 0)),
        Some(at(2024, 6, 3, 12, 0))
    );
    // The last weekday of June 2024 is Friday the 28th.
    assert_eq!(
        next("cron(0 12 LW * ? *)", at(2024, 6, 1, 0, 0)),
        Some(at(2024, 6, 28, 12, 0))
    );
    // The first Monday (2#1) of July 2024 is the 1st; the last Friday (6L) is the 26th.
    assert_eq!(
        next("cron(0 9 ? * 2#1 *)", at(2024, 6, 15, 0, 0)),
        Some(at(2024, 7, 1, 9, 0))
    );
    assert_eq!(
        next("cron(0 9 ? * 6L *)", at(2024, 7, 2, 0, 0)),
        Some(at(2024, 7, 26, 9, 0))
    );
}

#[test]
fn years_bound_the_schedule() {
    assert_eq!(
        next("cron(0 0 1 1 ? 2030)", at(2024, 1, 1, 0, 0)),
        Some(at(2030, 1, 1, 0, 0))
    );
    assert_eq!(next("cron(0 0 1 1 ? 2030)", at(2030, 1, 1, 0, 0)), None);
    // February 30th never comes.
    assert_eq!(next("cron(0 0 30 2 ? *)", at(2024, 1, 1, 0, 0)), None);
}

#[test]
fn time_zones_shift_the_fire_time() {
    let paris = time_zone(Some("Europe/Paris")).unwrap();
    let cron = Cron::parse("cron(0 5 ? * * *)").unwrap();
    // Winter: 05:00 in Paris is 04:00 UTC; summer: 03:00 UTC.
    assert_eq!(
        cron.next_after(at(2024, 1, 10, 0, 0), paris),
        Some(at(2024, 1, 10, 4, 0))
    );
    assert_eq!(
        cron.next_after(at(2024, 7, 10, 0, 0), paris),
        Some(at(2024, 7, 10, 3, 0))
    );
    assert!(time_zone(Some("Mars/Olympus_Mons")).is_none());
    assert_eq!(time_zone(None), Some(Tz::UTC));
}

#[test]
fn a_skipped_local_time_does_not_fire_and_a_repeated_one_fires_once() {
    let ny = time_zone(Some("America/New_York")).unwrap();
    // 2024-03-10 02:30 does not exist in New York.
    let cron = Cron::parse("cron(30 2 ? * * *)").unwrap();
    let next = cron.next_after(at(2024, 3, 10, 0, 0), ny).unwrap();
    assert_eq!(next, at(2024, 3, 11, 6, 30));
    // 2024-11-03 01:30 happens twice; the first is 05:30 UTC.
    let cron = Cron::parse("cron(30 1 ? * * *)").unwrap();
    let first = cron.next_after(at(2024, 11, 3, 0, 0), ny).unwrap();
    assert_eq!(first, at(2024, 11, 3, 5, 30));
    assert_eq!(cron.next_after(first, ny), Some(at(2024, 11, 4, 6, 30)));
}

#[test]
fn the_last_fire_time_of_a_jump() {
    let cron = Cron::parse("cron(0 5 ? * * *)").unwrap();
    let from = at(2024, 1, 1, 0, 0);
    let until = at(2024, 3, 1, 12, 0);
    assert_eq!(
        cron.last_between(from, until, Tz::UTC),
        Some(at(2024, 3, 1, 5, 0))
    );
    assert_eq!(
        cron.last_between(from, at(2024, 1, 1, 4, 59), Tz::UTC),
        None
    );
    let every_minute = Cron::parse("cron(* * * * ? *)").unwrap();
    assert_eq!(every_minute.last_between(from, until, Tz::UTC), Some(until));
}

fn field(min: u32, max: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        (min..=max).prop_map(|v| v.to_string()),
        (min..=max, min..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        (min..=max, 1..=max.max(1)).prop_map(|(a, s)| format!("{a}/{s}")),
        (min..=max, min..=max).prop_map(|(a, b)| format!("{a},{b}")),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    let days = prop_oneof![
        field(1, 31).prop_map(|d| (d, "?".to_owned())),
        Just(("L".to_owned(), "?".to_owned())),
        (1u32..=28).prop_map(|d| (format!("{d}W"), "?".to_owned())),
        field(1, 7).prop_map(|w| ("?".to_owned(), w)),
        (1u32..=7).prop_map(|w| ("?".to_owned(), format!("{w}L"))),
        (1u32..=7, 1u32..=4).prop_map(|(w, k)| ("?".to_owned(), format!("{w}#{k}"))),
    ];
    (field(0, 59), field(0, 23), days, field(1, 12))
        .prop_map(|(mi, h, (dom, dow), mo)| format!("cron({mi} {h} {dom} {mo} {dow} *)"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn parse_never_panics(text in "\\PC{0,40}") {
        let _ = Cron::parse(&text);
        let _ = Cron::parse(&format!("cron({text})"));
    }

    #[test]
    fn parse_never_panics_on_cron_shaped_text(
        fields in proptest::collection::vec("[0-9A-Z*?/,#LW-]{1,6}", 0..8)
    ) {
        let _ = Cron::parse(&format!("cron({})", fields.join(" ")));
    }

    #[test]
    fn the_next_fire_time_is_later_matches_and_none_is_skipped(
        expr in expression(),
        start in 0i64..4_000_000_000,
        zone in prop::sample::select(vec!["Etc/UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
    ) {
        let cron = Cron::parse(&expr).expect("generated expressions are valid");
        let tz: Tz = zone.parse().unwrap();
        if let Some(t) = cron.next_after(start, tz) {
            prop_assert!(t > start);
            prop_assert_eq!(t % 60, 0);
            let local = tz.timestamp_opt(t, 0).unwrap();
            prop_assert!(cron.matches_local(local.date_naive(), local.hour(), local.minute()));
            // No whole minute between start and t matches (checked over at most a day).
            let mut m = (start / 60 + 1) * 60;
            let mut checked = 0;
            while m < t && checked < 1440 {
                let local = tz.timestamp_opt(m, 0).unwrap();
                let fires = cron.matches_local(local.date_naive(), local.hour(), local.minute());
                // A repeated local time fires at its first occurrence only.
                let repeated = [1800, 3600].iter().any(|d| tz.timestamp_opt(m - d, 0).unwrap().naive_local() == local.naive_local());
                prop_assert!(!fires || repeated, "{} fires at {} before {}", expr, m, t);
                m += 60;
                checked += 1;
            }
            prop_assert!(local.year() <= 2199);
        }
    }
}
