//! The work one request does must not grow with the world: with 1 KMS key and with 100,000
//! (built directly in state, each with a future rotation in the timeline), Encrypt, ListKeys
//! with Limit=1 and CreateKey look at the same number of timeline entries and map entries;
//! with 5 Backup jobs of each kind and with 100,000, a page of ListBackupJobs, ListCopyJobs
//! or ListRestoreJobs reads the same number of jobs; with 100,000 Backup jobs running, a
//! Backup request walks no job list and a job that comes due costs itself; with 100,000
//! grants on a key, a page of ListGrants reads the page. Counted, never timed.

use serde_json::{json, Value};

use crate::services::backup::state::job_list::jobs_walked;
use crate::services::backup::state::{Job, JobState, RestoreJob};
use crate::services::{paging, registry};
use crate::testing::Harness;

const A: &str = "111111111111";
const REGION: &str = "us-east-1";

fn ok(h: &Harness, op: &str, input: Value) -> Value {
    let r = h.call(A, REGION, &format!("kms:{op}"), &input);
    assert_eq!(r.status, 200, "{op}: {}", r.text);
    r.body
}

/// A world with `n` keys that rotate automatically; returns it and the first key's id.
fn world_of(n: usize) -> (Harness, String) {
    let h = Harness::new();
    let out = ok(&h, "CreateKey", json!({}));
    let id = out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    ok(&h, "EnableKeyRotation", json!({"KeyId": id}));
    {
        let mut world = h.world();
        let keys = &mut world
            .accounts
            .get_mut(A)
            .unwrap()
            .regions
            .get_mut(REGION)
            .unwrap()
            .kms
            .keys;
        let template = keys[&id].clone();
        for i in 1..n {
            let mut key = template.clone();
            key.key_id = format!("{i:08x}-0000-4000-8000-000000000000");
            key.arn = format!("arn:aws:kms:{REGION}:{A}:key/{}", key.key_id);
            keys.insert(key.key_id.clone(), key);
        }
        registry::schedule_all(&mut world);
        assert_eq!(world.timeline.len(), n);
    }
    (h, id)
}

/// (timeline entries examined, map entries visited by pagination) for one request.
fn work(h: &Harness, op: &str, input: Value) -> (u64, u64) {
    let (examined, visited) = (h.world().timeline.examined, paging::entries_visited());
    ok(h, op, input);
    (
        h.world().timeline.examined - examined,
        paging::entries_visited() - visited,
    )
}

#[test]
fn work_per_request_does_not_grow_with_100_000_keys() {
    let (one, one_id) = world_of(1);
    let (many, many_id) = world_of(100_000);
    let encrypt = |id: &str| json!({"KeyId": id, "Plaintext": "aGVsbG8="});
    let e1 = work(&one, "Encrypt", encrypt(&one_id));
    let e2 = work(&many, "Encrypt", encrypt(&many_id));
    assert_eq!(e1, e2);
    // One look at the timeline before the handler and one after; no page read.
    assert_eq!(e2, (2, 0));
    let l1 = work(&one, "ListKeys", json!({"Limit": 1}));
    let l2 = work(&many, "ListKeys", json!({"Limit": 1}));
    // Two entries read: the page's one and the next page's first (for its token).
    assert_eq!(l1.0, l2.0);
    assert_eq!(l2.1, 2);
    assert!(l1.1 <= l2.1);
    let c1 = work(&one, "CreateKey", json!({}));
    let c2 = work(&many, "CreateKey", json!({}));
    assert_eq!(c1, c2);
}

/// A world with `n` backup, `n` copy and `n` restore jobs, finished, one a second from
/// epoch second 0 on.
fn world_of_jobs(n: usize) -> Harness {
    let h = Harness::new();
    let now = h.now();
    {
        let mut world = h.world();
        let backup = &mut world.region_mut(A, REGION, now).backup;
        for i in 0..n {
            let id = format!("{i:08X}-0000-4000-8000-000000000000");
            let job = Job {
                id: id.clone(),
                account: A.into(),
                region: REGION.into(),
                creation_date: i as f64,
                finish_at: i as f64,
                settled: true,
                state: JobState::Completed,
                ..Job::default()
            };
            backup.backup_jobs.insert(job.clone());
            backup.copy_jobs.insert(job);
            let restore = RestoreJob {
                id: id.clone(),
                account: A.into(),
                creation_date: i as f64,
                completion_date: i as f64,
                status: "COMPLETED".into(),
                ..RestoreJob::default()
            };
            backup.restore_jobs.insert(id, restore);
        }
    }
    h
}

/// (jobs on the page, its NextToken, entries visited by pagination) for one Backup list.
fn backup_page(h: &Harness, op: &str, list: &str, input: Value) -> (usize, Option<String>, u64) {
    let visited = paging::entries_visited();
    let r = h.call(A, REGION, &format!("backup:{op}"), &input);
    assert_eq!(r.status, 200, "{op}: {}", r.text);
    let token = r.body["NextToken"].as_str().map(str::to_owned);
    let shown = r.body[list].as_array().map_or(0, Vec::len);
    (shown, token, paging::entries_visited() - visited)
}

#[test]
fn a_page_of_backup_jobs_reads_the_page_with_100_000_jobs() {
    let (few, many) = (world_of_jobs(5), world_of_jobs(100_000));
    for (op, list) in [
        ("ListBackupJobs", "BackupJobs"),
        ("ListCopyJobs", "CopyJobs"),
        ("ListRestoreJobs", "RestoreJobs"),
    ] {
        for h in [&few, &many] {
            // The page's job and the next page's first, for its token.
            let (shown, token, visited) = backup_page(h, op, list, json!({"MaxResults": 1}));
            assert_eq!((shown, visited), (1, 2), "{op}");
            let second = json!({"MaxResults": 1, "NextToken": token.unwrap()});
            let (shown, token, visited) = backup_page(h, op, list, second);
            assert_eq!((shown, visited), (1, 2), "{op}");
            assert!(token.is_some(), "{op}");
        }
    }
    // A filter costs the jobs it skips: the two newest, then the page and the next one.
    for (h, n) in [(&few, 5.0), (&many, 100_000.0)] {
        let before = json!({"MaxResults": 1, "ByCreatedBefore": n - 3.0});
        let (shown, _, visited) = backup_page(h, "ListBackupJobs", "BackupJobs", before);
        assert_eq!((shown, visited), (1, 4));
    }
}

#[test]
fn a_loaded_world_keeps_its_future_events() {
    let h = Harness::new();
    let out = ok(&h, "CreateKey", json!({}));
    let id = out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    ok(
        &h,
        "EnableKeyRotation",
        json!({"KeyId": id, "RotationPeriodInDays": 90}),
    );
    let restored = h.restored();
    assert_eq!(restored.world().timeline.len(), 1);
    restored.advance_clock(91.0 * 86_400.0);
    let rotations = ok(&restored, "ListKeyRotations", json!({"KeyId": id}));
    assert_eq!(rotations["Rotations"].as_array().unwrap().len(), 1);
}

/// A world with `n` backup and `n` copy jobs still running, their completions in the timeline
/// as after a load: backup job `i` finishes a day and `1000 * i` seconds from now, the copy
/// jobs a day later.
fn world_of_running_jobs(n: usize) -> Harness {
    const DAY: f64 = 86_400.0;
    let h = Harness::new();
    let now = h.now();
    let mut world = h.world();
    let backup = &mut world.region_mut(A, REGION, now).backup;
    for i in 0..n {
        let job = Job {
            id: format!("{i:08X}-0000-4000-8000-000000000000"),
            account: A.into(),
            region: REGION.into(),
            creation_date: now,
            finish_at: now + DAY + 1000.0 * i as f64,
            state: JobState::Created,
            vault_name: "absent".into(),
            ..Job::default()
        };
        let copy = Job {
            finish_at: job.finish_at + DAY,
            ..job.clone()
        };
        backup.backup_jobs.insert(job);
        backup.copy_jobs.insert(copy);
    }
    registry::schedule_all(&mut world);
    assert_eq!(world.timeline.len(), 2 * n);
    drop(world);
    h
}

/// (jobs walked, timeline entries examined) for one Backup request.
fn backup_work(h: &Harness, op: &str, input: Value) -> (u64, u64) {
    let (walked, examined) = (jobs_walked(), h.world().timeline.examined);
    let r = h.call(A, REGION, &format!("backup:{op}"), &input);
    assert_eq!(r.status, 200, "{op}: {}", r.text);
    (
        jobs_walked() - walked,
        h.world().timeline.examined - examined,
    )
}

#[test]
fn a_backup_request_walks_no_jobs_and_a_due_job_costs_itself() {
    for n in [5, 100_000] {
        let h = world_of_running_jobs(n);
        // Nothing due: one look at the timeline before the handler and one after.
        let vault = json!({"BackupVaultName": "vault"});
        assert_eq!(backup_work(&h, "CreateBackupVault", vault), (0, 2), "{n}");
        assert_eq!(
            backup_work(&h, "ListBackupVaults", json!({})),
            (0, 2),
            "{n}"
        );
        // The first backup job's time comes: it fires (one look), then nothing is due.
        h.advance_clock(86_400.0 + 500.0);
        assert_eq!(
            backup_work(&h, "ListBackupVaults", json!({})),
            (0, 3),
            "{n}"
        );
        let world = h.world();
        let jobs = &world.accounts[A].regions[REGION].backup.backup_jobs;
        let settled: Vec<&str> = jobs
            .newest_first_from(None)
            .filter(|j| j.settled)
            .map(|j| j.id.as_str())
            .collect();
        assert_eq!(settled, ["00000000-0000-4000-8000-000000000000"], "{n}");
        // The job's completion left; the vault's aws/backup key brought its yearly rotation.
        assert_eq!(world.timeline.len(), 2 * n - 1 + 1, "{n}");
    }
}

/// A key of account A with `n` grants, built directly in state; returns its id and the
/// grants' ids, oldest first.
fn key_with_grants(n: usize) -> (Harness, String, Vec<String>) {
    let h = Harness::new();
    let out = ok(&h, "CreateKey", json!({}));
    let id = out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let grantee = format!("arn:aws:iam::{A}:role/worker");
    let grant = json!({"KeyId": id, "GranteePrincipal": grantee, "Operations": ["Decrypt"]});
    let first = ok(&h, "CreateGrant", grant)["GrantId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = vec![first.clone()];
    {
        let mut world = h.world();
        let key = world
            .accounts
            .get_mut(A)
            .unwrap()
            .regions
            .get_mut(REGION)
            .unwrap()
            .kms
            .keys
            .get_mut(&id)
            .unwrap();
        let template = key.grants.get(&first).unwrap().clone();
        for i in 1..n {
            let mut grant = template.clone();
            grant.grant_id = format!("{i:064x}");
            grant.grant_token = format!("token-{i}");
            ids.push(grant.grant_id.clone());
            key.grants.push(grant);
        }
    }
    (h, id, ids)
}

/// (grant ids on the page, its NextMarker, entries visited by pagination) for one ListGrants.
fn grants_page(h: &Harness, input: Value) -> (Vec<String>, Option<String>, u64) {
    let visited = paging::entries_visited();
    let out = ok(h, "ListGrants", input);
    let ids = out["Grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["GrantId"].as_str().unwrap().to_owned())
        .collect();
    let marker = out["NextMarker"].as_str().map(str::to_owned);
    (ids, marker, paging::entries_visited() - visited)
}

#[test]
fn a_page_of_grants_reads_the_page_with_100_000_grants() {
    for n in [5, 100_000] {
        let (h, key, ids) = key_with_grants(n);
        // The page's grant and the next page's first, for its marker.
        let (shown, marker, visited) = grants_page(&h, json!({"KeyId": key, "Limit": 1}));
        assert_eq!((shown, visited), (vec![ids[0].clone()], 2), "{n}");
        let second = json!({"KeyId": key, "Limit": 1, "Marker": marker.unwrap()});
        let (shown, marker, visited) = grants_page(&h, second);
        assert_eq!((shown, visited), (vec![ids[1].clone()], 2), "{n}");
        assert!(marker.is_some(), "{n}");
        // A GrantId is found by id: one entry read, whichever grant it is.
        let last = json!({"KeyId": key, "GrantId": ids[n - 1]});
        let (shown, marker, visited) = grants_page(&h, last);
        assert_eq!(
            (shown, marker, visited),
            (vec![ids[n - 1].clone()], None, 1)
        );
    }
}
