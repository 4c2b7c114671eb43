//! How a scenario's calls reach keyhole. [`InProcess`] goes through the pipeline's
//! in-process entry, with no HTTP; an SDK driver implements [`Transport`] over the network
//! (`client-tests` does so for the AWS SDK for Rust). The runner is the same either way.

use std::fmt;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::instance::Instance;
use crate::pipeline::{self, call_in_process};
use crate::protocol::{Call, ServiceId};
use crate::world::Settings;

/// The keys a call is signed with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Credentials {
    /// An account's root: keyhole's convention is a 12-digit access key id.
    pub fn root(account: &str) -> Credentials {
        Credentials {
            access_key_id: account.to_owned(),
            secret_access_key: "keyhole".to_owned(),
            session_token: None,
        }
    }
}

/// A call's error as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub code: String,
    pub status: u16,
    pub message: String,
}

impl CallError {
    pub fn to_json(&self) -> Value {
        json!({"code": self.code, "status": self.status, "message": self.message})
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)
    }
}

/// Where a scenario's calls go.
pub trait Transport {
    /// `service:operation` (`kms`, `PutKeyPolicy`) with `input` named as the model names it;
    /// the answer as the model shapes it.
    fn call(
        &mut self,
        credentials: &Credentials,
        region: &str,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, CallError>;

    /// An admin endpoint (`POST /_keyhole/resources`); its JSON answer, or why it refused.
    fn admin(&mut self, method: &str, path: &str, body: &Value) -> Result<Value, String>;
}

/// An emulator inside this process: a fresh one, or one that also serves HTTP (a lab's).
pub struct InProcess {
    instance: Arc<Instance>,
}

impl InProcess {
    pub fn new(default_region: &str) -> InProcess {
        InProcess::over(Arc::new(Instance::new(Settings {
            default_region: default_region.to_owned(),
            ..Settings::default()
        })))
    }

    /// Calls go to `instance`, which others may share.
    pub fn over(instance: Arc<Instance>) -> InProcess {
        InProcess { instance }
    }

    /// A fresh emulator holding a copy of another's world (`GET /_keyhole/state`): what a
    /// lab's check replays on, so that checking never changes the learner's world.
    pub fn copy_of(state: &Value) -> Result<InProcess, String> {
        let copy = InProcess::new("us-east-1");
        crate::admin::call(&copy.instance, "POST", "/_keyhole/state", state)
            .map_err(|e| format!("the world could not be copied: {e}"))?;
        Ok(copy)
    }
}

impl Transport for InProcess {
    fn call(
        &mut self,
        credentials: &Credentials,
        region: &str,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, CallError> {
        let Some(service) = ServiceId::from_signing_name(service) else {
            return Err(CallError {
                code: "UnknownService".into(),
                status: 400,
                message: format!("keyhole does not serve {service}"),
            });
        };
        let call = Call {
            service,
            operation: operation.to_owned(),
            input,
        };
        let credentials = pipeline::Credentials {
            access_key_id: credentials.access_key_id.clone(),
            session_token: credentials.session_token.clone(),
        };
        call_in_process(&self.instance, &credentials, region, &call).map_err(|e| CallError {
            code: e.code.clone(),
            status: e.status,
            message: e.message.clone().unwrap_or_default(),
        })
    }

    fn admin(&mut self, method: &str, path: &str, body: &Value) -> Result<Value, String> {
        crate::admin::call(&self.instance, method, path, body).map_err(|e| format!("{path}: {e}"))
    }
}
