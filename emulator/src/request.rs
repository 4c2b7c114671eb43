//! What every handler knows about the request besides its input: who, where, when, how.
//! The policy evaluator reads its global condition keys from here.

use std::net::IpAddr;

use crate::protocol::ServiceId;
use crate::world::Caller;

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub service: ServiceId,
    pub operation: String,
    pub caller: Caller,
    /// The region from the SigV4 scope, else the default region.
    pub region: String,
    /// Epoch seconds on keyhole's clock.
    pub now: f64,
    pub source_ip: IpAddr,
    /// `aws:SecureTransport`: keyhole serves plain HTTP, so false unless a proxy says otherwise.
    pub secure_transport: bool,
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// The partition of the request's region: the second field of every ARN the request
    /// builds or names, global services' included.
    pub fn partition(&self) -> &'static str {
        crate::world::partition(&self.region)
    }

    /// The IAM action name, `kms:Encrypt`.
    pub fn action(&self) -> String {
        // Concatenated, not `format!`: this runs on every call and the formatter costs more.
        [self.service.signing_name(), ":", &self.operation].concat()
    }
}
