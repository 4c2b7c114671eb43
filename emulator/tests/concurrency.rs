//! 64 clients mutate the same KMS keys, grants and aliases, Backup vaults and the
//! organization at once for a bounded time (3 s; KEYHOLE_CONCURRENCY_SECS for longer), each
//! keeping a record of what keyhole acknowledged. Afterwards keyhole's lists must equal those
//! records (no lost or phantom update), every call must have been answered within a bound
//! (no deadlock), and none with a 5xx.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;

const ACCOUNT: &str = "111111111111";
const CLIENTS: usize = 64;
/// The longest one call may take before the test calls it a deadlock.
const REQUEST_BOUND: Duration = Duration::from_secs(15);
/// Steps each client takes however slow the machine: three rounds of its eight operations,
/// so every kind of write is acknowledged at least once and the checks below check something.
const MIN_STEPS: usize = 24;

/// Calls answered 200, by operation.
static ACKNOWLEDGED: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

fn run_for() -> Duration {
    let secs = std::env::var("KEYHOLE_CONCURRENCY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    Duration::from_secs(secs)
}

/// One call: status and JSON body, panicking past the bound or on a 5xx.
async fn call(
    addr: SocketAddr,
    what: &str,
    send: impl std::future::Future<Output = support::Answer>,
) -> (u16, Value) {
    let answer = tokio::time::timeout(REQUEST_BOUND, send)
        .await
        .unwrap_or_else(|_| panic!("{what} was not answered within {REQUEST_BOUND:?}"));
    if answer.status == 200 {
        *ACKNOWLEDGED
            .lock()
            .unwrap()
            .entry(what.to_owned())
            .or_default() += 1;
    }
    assert!(
        answer.status < 500 && answer.status >= 200,
        "{what} on {addr}: {} {}",
        answer.status,
        answer.body
    );
    (answer.status, answer.json())
}

async fn kms(addr: SocketAddr, op: &str, input: Value) -> (u16, Value) {
    let target = format!("TrentService.{op}");
    call(
        addr,
        op,
        support::aws_json(addr, ACCOUNT, "kms", &target, &input),
    )
    .await
}

async fn orgs(addr: SocketAddr, op: &str, input: Value) -> (u16, Value) {
    let target = format!("AWSOrganizationsV20161128.{op}");
    call(
        addr,
        op,
        support::aws_json(addr, ACCOUNT, "organizations", &target, &input),
    )
    .await
}

async fn backup(addr: SocketAddr, op: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let auth = support::root_authorization(ACCOUNT, "us-east-1", "backup");
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Amz-Date", "20240101T000000Z"),
        ("Authorization", auth.as_str()),
    ];
    call(addr, op, support::send(addr, method, path, &headers, body)).await
}

async fn ok(answer: impl std::future::Future<Output = (u16, Value)>) -> Value {
    let (status, body) = answer.await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Every item of a paged KMS or Organizations list.
async fn all_pages(
    addr: SocketAddr,
    kms_call: bool,
    op: &str,
    mut input: Value,
    items: &str,
) -> Vec<Value> {
    let (marker_in, marker_out) = if kms_call {
        ("Marker", "NextMarker")
    } else {
        ("NextToken", "NextToken")
    };
    let mut all = Vec::new();
    loop {
        let page = if kms_call {
            ok(kms(addr, op, input.clone())).await
        } else {
            ok(orgs(addr, op, input.clone())).await
        };
        all.extend(page[items].as_array().cloned().unwrap_or_default());
        match page[marker_out].as_str() {
            Some(next) => input[marker_in] = json!(next),
            None => return all,
        }
    }
}

/// What one client was told succeeded.
#[derive(Default)]
struct Acknowledged {
    /// The last value keyhole acknowledged for this client's tag.
    tag: Option<String>,
    grants: BTreeSet<String>,
    /// Alias name → the key it last acknowledged pointing at.
    aliases: BTreeMap<String, String>,
    vaults: BTreeSet<String>,
    /// Account id → the parent it was last acknowledged moved to.
    accounts: BTreeMap<String, String>,
    attached: bool,
}

/// The shared resources every client works on.
struct Shared {
    tag_keys: [String; 2],
    policy_key: String,
    toggled_key: String,
    alias_targets: [String; 2],
    root: String,
    ou: String,
}

fn root_policy(sid: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]})
    .to_string()
}

async fn client(
    addr: SocketAddr,
    i: usize,
    shared: Arc<Shared>,
    until: Instant,
    calls: Arc<AtomicUsize>,
) -> Acknowledged {
    let mut acked = Acknowledged::default();
    let mut my_grants: Vec<String> = Vec::new();
    let mut latest_alias: Option<String> = None;
    let mut my_account: Option<String> = None;
    let mut my_policy: Option<String> = None;
    let tag_key = &shared.tag_keys[i % 2];
    // Clients start at different operations, so every kind is contended from the start.
    let mut step = i;
    let (mut alias_turn, mut org_turn) = (0usize, 0usize);
    while Instant::now() < until || step < i + MIN_STEPS {
        step += 1;
        calls.fetch_add(1, Ordering::Relaxed);
        match step % 8 {
            0 => {
                let value = step.to_string();
                let tag = json!({"KeyId": tag_key, "Tags": [{"TagKey": format!("c{i}"), "TagValue": value}]});
                if kms(addr, "TagResource", tag).await.0 == 200 {
                    acked.tag = Some(value);
                }
            }
            1 => {
                let input = json!({"KeyId": shared.policy_key, "PolicyName": "default", "Policy": root_policy(&format!("c{i}s{step}"))});
                kms(addr, "PutKeyPolicy", input).await;
            }
            2 => {
                let op = if step % 16 == 2 {
                    "DisableKey"
                } else {
                    "EnableKey"
                };
                kms(addr, op, json!({"KeyId": shared.toggled_key})).await;
            }
            3 => {
                let input = json!({"KeyId": shared.policy_key, "Operations": ["Decrypt"],
                    "GranteePrincipal": format!("arn:aws:iam::{ACCOUNT}:role/c{i}")});
                let (status, body) = kms(addr, "CreateGrant", input).await;
                if status == 200 {
                    let id = body["GrantId"].as_str().unwrap_or_default().to_owned();
                    acked.grants.insert(id.clone());
                    my_grants.push(id);
                }
            }
            4 if my_grants.len() > 1 => {
                let id = my_grants.remove(0);
                let input = json!({"KeyId": shared.policy_key, "GrantId": id});
                if kms(addr, "RevokeGrant", input).await.0 == 200 {
                    acked.grants.remove(&id);
                }
            }
            5 => match post_increment(&mut alias_turn) % 3 {
                0 => {
                    let name = format!("alias/c{i}-{step}");
                    let input = json!({"AliasName": name, "TargetKeyId": shared.alias_targets[0]});
                    if kms(addr, "CreateAlias", input).await.0 == 200 {
                        acked
                            .aliases
                            .insert(name.clone(), shared.alias_targets[0].clone());
                        latest_alias = Some(name);
                    }
                }
                1 => {
                    if let Some(name) = &latest_alias {
                        let input =
                            json!({"AliasName": name, "TargetKeyId": shared.alias_targets[1]});
                        if kms(addr, "UpdateAlias", input).await.0 == 200 {
                            acked
                                .aliases
                                .insert(name.clone(), shared.alias_targets[1].clone());
                        }
                    }
                }
                _ => {
                    if let Some(name) = latest_alias.take() {
                        if kms(addr, "DeleteAlias", json!({"AliasName": name})).await.0 == 200 {
                            acked.aliases.remove(&name);
                        }
                    }
                }
            },
            6 => {
                let name = format!("v-{i}-{step}");
                let path = format!("/backup-vaults/{name}");
                if backup(addr, "CreateBackupVault", "PUT", &path, "{}")
                    .await
                    .0
                    == 200
                {
                    acked.vaults.insert(name.clone());
                    let policy = json!({"Policy": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
                        "Principal": {"AWS": "*"}, "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}).to_string()});
                    backup(
                        addr,
                        "PutBackupVaultAccessPolicy",
                        "PUT",
                        &format!("{path}/access-policy"),
                        &policy.to_string(),
                    )
                    .await;
                    // Every other vault is deleted again (its policy first: AWS refuses
                    // nothing for it, keyhole must not either).
                    if step % 16 == 6
                        && backup(addr, "DeleteBackupVault", "DELETE", &path, "")
                            .await
                            .0
                            == 200
                    {
                        acked.vaults.remove(&name);
                    }
                }
            }
            // This client's SCP on the shared OU, on and off: five at most fit on a target,
            // so some attaches are refused with a ConstraintViolation; none may be lost.
            _ if post_increment(&mut org_turn) % 2 == 1 => {
                if my_policy.is_none() {
                    let input = json!({"Name": format!("c{i}"), "Description": "", "Type": "SERVICE_CONTROL_POLICY",
                        "Content": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string()});
                    let (status, body) = orgs(addr, "CreatePolicy", input).await;
                    if status == 200 {
                        my_policy = body["Policy"]["PolicySummary"]["Id"]
                            .as_str()
                            .map(str::to_owned);
                    }
                }
                if let Some(policy) = &my_policy {
                    let op = if acked.attached {
                        "DetachPolicy"
                    } else {
                        "AttachPolicy"
                    };
                    let input = json!({"PolicyId": policy, "TargetId": shared.ou});
                    if orgs(addr, op, input).await.0 == 200 {
                        acked.attached = !acked.attached;
                    }
                }
            }
            _ => match &my_account {
                None => {
                    let input = json!({"AccountName": format!("c{i}"), "Email": format!("c{i}@example.org")});
                    let (status, body) = orgs(addr, "CreateAccount", input).await;
                    if status == 200 {
                        let id = body["CreateAccountStatus"]["Id"].clone();
                        let status = ok(orgs(
                            addr,
                            "DescribeCreateAccountStatus",
                            json!({"CreateAccountRequestId": id}),
                        ))
                        .await;
                        let account = status["CreateAccountStatus"]["AccountId"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        acked.accounts.insert(account.clone(), shared.root.clone());
                        my_account = Some(account);
                    }
                }
                Some(account) => {
                    let from = acked.accounts[account].clone();
                    let to = if from == shared.root {
                        shared.ou.clone()
                    } else {
                        shared.root.clone()
                    };
                    let input = json!({"AccountId": account, "SourceParentId": from, "DestinationParentId": to});
                    if orgs(addr, "MoveAccount", input).await.0 == 200 {
                        acked.accounts.insert(account.clone(), to);
                    }
                }
            },
        }
    }
    acked
}

fn post_increment(turn: &mut usize) -> usize {
    *turn += 1;
    *turn - 1
}

async fn setup(addr: SocketAddr) -> Shared {
    let mut keys = Vec::new();
    for _ in 0..6 {
        let created = ok(kms(addr, "CreateKey", json!({}))).await;
        keys.push(created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned());
    }
    ok(orgs(
        addr,
        "CreateOrganization",
        json!({"FeatureSet": "ALL"}),
    ))
    .await;
    let roots = ok(orgs(addr, "ListRoots", json!({}))).await;
    let root = roots["Roots"][0]["Id"].as_str().unwrap().to_owned();
    ok(orgs(
        addr,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    ))
    .await;
    let ou = ok(orgs(
        addr,
        "CreateOrganizationalUnit",
        json!({"ParentId": root, "Name": "shared"}),
    ))
    .await;
    Shared {
        tag_keys: [keys[0].clone(), keys[1].clone()],
        policy_key: keys[2].clone(),
        toggled_key: keys[3].clone(),
        alias_targets: [keys[4].clone(), keys[5].clone()],
        root,
        ou: ou["OrganizationalUnit"]["Id"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_lose_no_acknowledged_update() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let addr = emu.addr();
    let shared = Arc::new(setup(addr).await);
    let calls = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + run_for();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(client(addr, i, shared.clone(), until, calls.clone())))
        .collect();
    let mut acked = Vec::new();
    for handle in clients {
        acked.push(handle.await.expect("a client panicked"));
    }
    let acknowledged = ACKNOWLEDGED.lock().unwrap().clone();
    eprintln!(
        "{CLIENTS} clients made {} calls in {:?} (at least {MIN_STEPS} each); answered 200: \
         {acknowledged:?}",
        calls.load(Ordering::Relaxed),
        run_for()
    );
    // A run that acknowledged no write of a kind would check nothing of it.
    for op in [
        "TagResource",
        "PutKeyPolicy",
        "EnableKey",
        "DisableKey",
        "CreateGrant",
        "RevokeGrant",
        "CreateAlias",
        "UpdateAlias",
        "DeleteAlias",
        "CreateBackupVault",
        "PutBackupVaultAccessPolicy",
        "DeleteBackupVault",
        "CreateAccount",
        "MoveAccount",
        "CreatePolicy",
        "AttachPolicy",
    ] {
        assert!(
            acknowledged.contains_key(op),
            "no {op} acknowledged: {acknowledged:?}"
        );
    }

    // Tags: each client's tag holds the last value keyhole acknowledged.
    for (k, key) in shared.tag_keys.iter().enumerate() {
        let tags = all_pages(
            addr,
            true,
            "ListResourceTags",
            json!({"KeyId": key}),
            "Tags",
        )
        .await;
        let found: BTreeMap<String, String> = tags
            .iter()
            .map(|t| {
                (
                    t["TagKey"].as_str().unwrap().to_owned(),
                    t["TagValue"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected: BTreeMap<String, String> = acked
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == k)
            .filter_map(|(i, a)| Some((format!("c{i}"), a.tag.clone()?)))
            .collect();
        assert_eq!(found, expected, "tags of {key}");
    }
    // Grants: exactly the acknowledged creates less the acknowledged revokes.
    let grants = all_pages(
        addr,
        true,
        "ListGrants",
        json!({"KeyId": shared.policy_key, "Limit": 100}),
        "Grants",
    )
    .await;
    let found: BTreeSet<String> = grants
        .iter()
        .map(|g| g["GrantId"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = acked
        .iter()
        .flat_map(|a| a.grants.iter().cloned())
        .collect();
    assert_eq!(found, expected, "grants");
    // Aliases: the acknowledged ones, each on the key it was last pointed at.
    let aliases = all_pages(addr, true, "ListAliases", json!({"Limit": 100}), "Aliases").await;
    let found: BTreeMap<String, String> = aliases
        .iter()
        .filter(|a| a["AliasName"].as_str().unwrap().starts_with("alias/c"))
        .map(|a| {
            (
                a["AliasName"].as_str().unwrap().to_owned(),
                a["TargetKeyId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: BTreeMap<String, String> = acked.iter().flat_map(|a| a.aliases.clone()).collect();
    assert_eq!(found, expected, "aliases");
    // Vaults.
    let mut found = BTreeSet::new();
    let mut path = "/backup-vaults/?maxResults=100".to_owned();
    loop {
        let page = ok(backup(addr, "ListBackupVaults", "GET", &path, "")).await;
        for vault in page["BackupVaultList"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            found.insert(vault["BackupVaultName"].as_str().unwrap().to_owned());
        }
        match page["NextToken"].as_str() {
            Some(token) => path = format!("/backup-vaults/?maxResults=100&nextToken={token}"),
            None => break,
        }
    }
    let expected: BTreeSet<String> = acked
        .iter()
        .flat_map(|a| a.vaults.iter().cloned())
        .collect();
    assert_eq!(found, expected, "vaults");
    // Organization: one account and one create-account job per acknowledged create, each
    // under the parent it was last acknowledged moved to.
    let expected: BTreeMap<String, String> =
        acked.iter().flat_map(|a| a.accounts.clone()).collect();
    let accounts = all_pages(addr, false, "ListAccounts", json!({}), "Accounts").await;
    assert_eq!(accounts.len(), expected.len() + 1, "accounts");
    let jobs = all_pages(
        addr,
        false,
        "ListCreateAccountStatus",
        json!({}),
        "CreateAccountStatuses",
    )
    .await;
    assert_eq!(jobs.len(), expected.len(), "create-account jobs");
    let attached = all_pages(
        addr,
        false,
        "ListPoliciesForTarget",
        json!({"TargetId": shared.ou, "Filter": "SERVICE_CONTROL_POLICY"}),
        "Policies",
    )
    .await;
    let found: BTreeSet<String> = attached
        .iter()
        .filter_map(|p| {
            p["Name"]
                .as_str()
                .filter(|n| n.starts_with('c'))
                .map(str::to_owned)
        })
        .collect();
    let expected_policies: BTreeSet<String> = acked
        .iter()
        .enumerate()
        .filter(|(_, a)| a.attached)
        .map(|(i, _)| format!("c{i}"))
        .collect();
    assert_eq!(found, expected_policies, "policies on the OU");
    for (account, parent) in &expected {
        let parents = all_pages(
            addr,
            false,
            "ListParents",
            json!({"ChildId": account}),
            "Parents",
        )
        .await;
        assert_eq!(parents.len(), 1, "{account}");
        assert_eq!(
            parents[0]["Id"].as_str(),
            Some(parent.as_str()),
            "{account}"
        );
    }
}
