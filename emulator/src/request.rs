//! What every handler knows about the request besides its input: who, where, when, how.
//! The policy evaluator reads its global condition keys from here.

use std::net::IpAddr;
use std::sync::Mutex;

use crate::policy::Decision;
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
    /// The decisions authz makes for this request's caller, for the decision log
    /// (`GET /_keyhole/decisions`); off for the hypothetical requests of who-can and seeding.
    pub decisions: DecisionTrail,
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

/// The decisions made while answering one request, when the decision log keeps them.
#[derive(Debug, Default)]
pub struct DecisionTrail(Option<Mutex<Vec<Decision>>>);

impl DecisionTrail {
    /// A trail that keeps what it is given.
    pub fn recording() -> DecisionTrail {
        DecisionTrail(Some(Mutex::new(Vec::new())))
    }

    /// Keeps a copy of `decision` when recording; costs nothing otherwise.
    pub fn push(&self, decision: &Decision) {
        if let Some(kept) = &self.0 {
            kept.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(decision.clone());
        }
    }

    /// The decisions kept so far, in the order they were made; the trail is empty after.
    pub fn take(&self) -> Vec<Decision> {
        self.0.as_ref().map_or_else(Vec::new, |kept| {
            std::mem::take(&mut *kept.lock().unwrap_or_else(|p| p.into_inner()))
        })
    }
}

impl Clone for DecisionTrail {
    fn clone(&self) -> DecisionTrail {
        DecisionTrail(
            self.0
                .as_ref()
                .map(|kept| Mutex::new(kept.lock().unwrap_or_else(|p| p.into_inner()).clone())),
        )
    }
}
