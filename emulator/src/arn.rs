//! ARNs of the global services (IAM, STS, Organizations): no region field, and the partition
//! of the request that created or names them (`world::partition` of the SigV4 scope region).
//! One place builds them, so that a policy written for aws-cn matches its callers.

use std::borrow::Cow;

/// The standard partition: requests without a partition of their own, and every state
/// document written before partitions existed.
pub const DEFAULT_PARTITION: &str = "aws";

/// `arn:<partition>:<service>::<account>:<resource>`, the shape of every IAM, STS and
/// Organizations ARN (IAM UG `reference_identifiers`, "IAM ARNs").
pub fn global(partition: &str, service: &str, account: &str, resource: &str) -> String {
    format!("arn:{partition}:{service}::{account}:{resource}")
}

/// The account's root user, `arn:<partition>:iam::<account>:root`.
pub fn root(partition: &str, account: &str) -> String {
    global(partition, "iam", account, "root")
}

/// The partition field of an ARN; `None` for anything that is not one.
pub fn partition_of(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(3, ':');
    match (fields.next(), fields.next(), fields.next()) {
        (Some("arn"), Some(partition), Some(_)) if !partition.is_empty() => Some(partition),
        _ => None,
    }
}

/// serde default for the `partition` of stored callers and entities.
pub fn default_partition() -> String {
    DEFAULT_PARTITION.to_owned()
}

/// serde default for a caller's `partition`: borrowed, as the pipeline's per-request one is.
pub fn default_caller_partition() -> Cow<'static, str> {
    Cow::Borrowed(DEFAULT_PARTITION)
}

/// serde: the default partition is left out, so older state documents stay byte-identical.
pub fn is_default<S: AsRef<str> + ?Sized>(partition: &S) -> bool {
    partition.as_ref() == DEFAULT_PARTITION
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_and_reads_partitions() {
        assert_eq!(
            super::root("aws-cn", "111111111111"),
            "arn:aws-cn:iam::111111111111:root"
        );
        assert_eq!(
            super::partition_of("arn:aws-us-gov:iam::1:role/r"),
            Some("aws-us-gov")
        );
        assert_eq!(super::partition_of("111111111111"), None);
    }
}
