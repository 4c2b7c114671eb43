//! The state file's write-ahead log (`keyhole-state.sqlite-wal`), read before SQLite opens
//! it. SQLite keeps the frames up to the last whole commit and drops the rest without a word;
//! keyhole reads the same frames first so that a dropped tail is reported, and so that damage
//! inside committed frames (which SQLite would also cut off, losing acknowledged writes) stops
//! the start instead.
//!
//! The format (<https://www.sqlite.org/fileformat2.html#walformat>): a 32-byte header (magic,
//! version, page size, checkpoint sequence, two salts, a checksum of the first 24 bytes),
//! then frames of a 24-byte header (page number, the database size for a commit frame, the
//! two salts, a cumulative checksum of the frame header's first 8 bytes and the page) and a
//! page. Numbers are big-endian; the checksum's words are in the order the magic names.

use std::path::Path;

const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;
const MAGIC_LE: u32 = 0x377f_0682;
const MAGIC_BE: u32 = 0x377f_0683;

/// What follows the last whole commit, when something does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    pub frames: u64,
    pub bytes: u64,
    pub reason: &'static str,
}

fn be(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// SQLite's WAL checksum of `data` (a multiple of 8 bytes), continuing from `sum`.
fn checksum(big_endian: bool, mut sum: (u32, u32), data: &[u8]) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |at: usize| {
            let b = [pair[at], pair[at + 1], pair[at + 2], pair[at + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        sum.0 = sum.0.wrapping_add(word(0)).wrapping_add(sum.1);
        sum.1 = sum.1.wrapping_add(word(4)).wrapping_add(sum.0);
    }
    sum
}

/// Reads the WAL at `path` (absent or empty: nothing to say). `Ok(Some)`: a torn tail SQLite
/// will drop; `Err`: the header or a committed frame is damaged (the text says which).
pub fn check(path: &Path) -> Result<Option<TornTail>, String> {
    let wal = match std::fs::read(path) {
        Ok(wal) => wal,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("it cannot be read: {e}")),
    };
    if wal.is_empty() {
        return Ok(None);
    }
    if wal.len() < HEADER {
        // The header is written before any frame of its generation: no commit can follow.
        return Ok(Some(TornTail {
            frames: 0,
            bytes: wal.len() as u64,
            reason: "a header cut short, before any commit",
        }));
    }
    let magic = be(&wal, 0);
    if magic != MAGIC_LE && magic != MAGIC_BE {
        return Err(format!(
            "its header has no WAL magic number ({magic:#010x})"
        ));
    }
    let big_endian = magic == MAGIC_BE;
    let page = be(&wal, 8) as usize;
    if !(512..=65536).contains(&page) || !page.is_power_of_two() {
        return Err(format!("its header names an impossible page size ({page})"));
    }
    let salts = (be(&wal, 16), be(&wal, 20));
    let stored = (be(&wal, 24), be(&wal, 28));
    if checksum(big_endian, (0, 0), &wal[..24]) != stored {
        return Err("its header does not match its checksum".into());
    }
    // Each frame of this generation: whether its checksum holds (chained from the stored sum
    // before it, so that a whole frame after a damaged one still checks) and whether it
    // commits.
    let frame = FRAME_HEADER + page;
    let mut frames = Vec::new();
    let mut running = stored;
    let mut at = HEADER;
    while at + frame <= wal.len() && (be(&wal, at + 8), be(&wal, at + 12)) == salts {
        let mut sum = checksum(big_endian, running, &wal[at..at + 8]);
        sum = checksum(big_endian, sum, &wal[at + FRAME_HEADER..at + frame]);
        let own = (be(&wal, at + 16), be(&wal, at + 20));
        frames.push((sum == own, be(&wal, at + 4) != 0));
        running = own;
        at += frame;
    }
    // What SQLite keeps: the frames up to the last commit before the first bad one.
    let first_bad = frames.iter().position(|(ok, _)| !ok);
    let good = first_bad.unwrap_or(frames.len());
    let kept = frames[..good]
        .iter()
        .rposition(|(_, commit)| *commit)
        .map_or(0, |i| i + 1);
    if let Some(bad) = first_bad {
        if frames[bad + 1..].iter().any(|(ok, commit)| *ok && *commit) {
            return Err(format!(
                "frame {} fails its checksum, yet a later commit builds on it: a committed \
                 write was changed after it was made",
                bad + 1
            ));
        }
    }
    // After this generation's frames: whole frames of an earlier generation (other salts),
    // which SQLite leaves when it restarts the log and which are no tail; or a partial frame.
    let partial = (wal.len() - at) % frame;
    let dropped = (frames.len() - kept) as u64;
    if dropped == 0 && partial == 0 {
        return Ok(None);
    }
    let reason = match (first_bad, dropped) {
        (Some(_), _) => "a frame cut short or changed after the last whole commit",
        (None, 0) => "a partial frame after the last whole commit",
        (None, _) => "frames of a transaction that never committed",
    };
    Ok(Some(TornTail {
        frames: dropped + u64::from(partial != 0),
        bytes: ((frames.len() - kept) * frame + partial) as u64,
        reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL of `commits` (each a list of frames' first bytes), page size 512.
    fn wal(transactions: &[usize]) -> Vec<u8> {
        let page = 512;
        let mut out = Vec::new();
        out.extend(MAGIC_BE.to_be_bytes());
        out.extend(3_007_000u32.to_be_bytes());
        out.extend((page as u32).to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend(7u32.to_be_bytes());
        out.extend(9u32.to_be_bytes());
        let mut sum = checksum(true, (0, 0), &out);
        out.extend(sum.0.to_be_bytes());
        out.extend(sum.1.to_be_bytes());
        let mut number = 1u32;
        for &count in transactions {
            for i in 0..count {
                let mut header = Vec::new();
                header.extend(number.to_be_bytes());
                header.extend(if i + 1 == count { number } else { 0 }.to_be_bytes());
                let body = vec![number as u8; page];
                sum = checksum(true, sum, &header);
                sum = checksum(true, sum, &body);
                header.extend(7u32.to_be_bytes());
                header.extend(9u32.to_be_bytes());
                header.extend(sum.0.to_be_bytes());
                header.extend(sum.1.to_be_bytes());
                out.extend(header);
                out.extend(body);
                number += 1;
            }
        }
        out
    }

    fn check_bytes(bytes: &[u8]) -> Result<Option<TornTail>, String> {
        let path = std::env::temp_dir().join(format!("wal-{}", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, bytes).unwrap();
        let result = check(&path);
        std::fs::remove_file(&path).unwrap();
        result
    }

    #[test]
    fn whole_commits_have_no_tail() {
        assert_eq!(check_bytes(&wal(&[2, 1])), Ok(None));
        assert_eq!(check_bytes(&[]), Ok(None));
    }

    #[test]
    fn a_cut_frame_and_an_unfinished_transaction_are_a_tail() {
        let whole = wal(&[2, 3]);
        let frame = FRAME_HEADER + 512;
        assert_eq!(
            check_bytes(&whole[..whole.len() - 100]),
            Ok(Some(TornTail {
                frames: 3,
                bytes: (3 * frame - 100) as u64,
                reason: "frames of a transaction that never committed",
            }))
        );
        let mut garbage = wal(&[1]);
        garbage.extend([0xab; 40]);
        assert_eq!(
            check_bytes(&garbage),
            Ok(Some(TornTail {
                frames: 1,
                bytes: 40,
                reason: "a partial frame after the last whole commit",
            }))
        );
    }

    #[test]
    fn a_changed_committed_frame_or_header_is_refused() {
        let mut bytes = wal(&[1, 1]);
        bytes[HEADER + FRAME_HEADER + 10] ^= 1;
        assert_eq!(
            check_bytes(&bytes),
            Err(
                "frame 1 fails its checksum, yet a later commit builds on it: a committed \
                 write was changed after it was made"
                    .into()
            )
        );
        let mut bytes = wal(&[1]);
        bytes[12] ^= 1;
        assert_eq!(
            check_bytes(&bytes),
            Err("its header does not match its checksum".into())
        );
    }
}
