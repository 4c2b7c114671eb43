//! Embedded mode: run keyhole inside a test process on a free port, and drive its admin
//! endpoints (`/_keyhole/...`) from Rust without an HTTP client.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::admin::{self, AdminError};
use crate::instance::Instance;
use crate::server;
use crate::world::Settings;

/// A running keyhole; stops when dropped.
///
/// ```
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emu = keyhole::Emulator::start().await?;
/// // Point any SDK or CLI here (`--endpoint-url`, `AWS_ENDPOINT_URL`).
/// assert!(emu.endpoint_url().starts_with("http://127.0.0.1:"));
///
/// // Move keyhole's clock a day forward: scheduled deletions, rotations and jobs fall due.
/// let before = emu.now();
/// emu.advance_clock(86_400.0)?;
/// assert!(emu.now() >= before + 86_400.0);
///
/// // A misspelt field in an admin document is refused with the reason.
/// let refused = emu.admin("POST", "/_keyhole/clock/advance", &serde_json::json!({"secs": 1}));
/// assert_eq!(refused.unwrap_err().status, 400);
/// emu.stop().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    addr: SocketAddr,
    instance: Arc<Instance>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Starts with default settings on `127.0.0.1:0`.
    pub async fn start() -> std::io::Result<Emulator> {
        Emulator::start_with(Settings::default()).await
    }

    pub async fn start_with(settings: Settings) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Emulator::serve(listener, settings)
    }

    /// Serves on an already bound listener.
    pub fn serve(listener: TcpListener, settings: Settings) -> std::io::Result<Emulator> {
        let addr = listener.local_addr()?;
        let instance = Arc::new(Instance::new(settings));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(listener, instance.clone(), async move {
            let _ = stopped.await;
        }));
        Ok(Emulator {
            addr,
            instance,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Serves on `listener` until `shutdown` resolves, then waits for in-flight requests:
    /// what `keyhole serve` runs.
    pub async fn run(
        listener: TcpListener,
        settings: Settings,
        shutdown: impl Future<Output = ()>,
    ) {
        server::run(listener, Arc::new(Instance::new(settings)), shutdown).await;
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The world and clock, for keyhole's own tests that reach inside; not a stable API.
    #[doc(hidden)]
    pub fn instance(&self) -> &Arc<Instance> {
        &self.instance
    }

    /// Calls an admin endpoint in process, through the same handler as `curl` against
    /// `/_keyhole/...`: `method` is `GET` or `POST`, `path` starts with `/_keyhole/`, `body`
    /// is the JSON document (ignored by `GET`). Returns the endpoint's JSON answer.
    pub fn admin(&self, method: &str, path: &str, body: &Value) -> Result<Value, AdminError> {
        admin::call(&self.instance, method, path, body)
    }

    /// keyhole's clock, in seconds since the Unix epoch (the wall clock plus every advance).
    pub fn now(&self) -> f64 {
        self.instance.clock.now()
    }

    /// `POST /_keyhole/clock/advance`: moves the clock forward; what fell due happens on the
    /// next request.
    pub fn advance_clock(&self, seconds: f64) -> Result<(), AdminError> {
        self.admin(
            "POST",
            "/_keyhole/clock/advance",
            &serde_json::json!({ "seconds": seconds }),
        )
        .map(drop)
    }

    /// `POST /_keyhole/reset`: every account, resource and setting back to a fresh start.
    pub fn reset(&self) -> Result<(), AdminError> {
        self.admin("POST", "/_keyhole/reset", &Value::Null)
            .map(drop)
    }

    /// `GET /_keyhole/state`: the whole world as one JSON document.
    pub fn state(&self) -> Result<Value, AdminError> {
        self.admin("GET", "/_keyhole/state", &Value::Null)
    }

    /// `POST /_keyhole/state`: replaces the world with a document [`Emulator::state`] gave.
    /// An unknown field is refused with its path.
    pub fn load_state(&self, state: &Value) -> Result<(), AdminError> {
        self.admin("POST", "/_keyhole/state", state).map(drop)
    }

    /// `POST /_keyhole/seed`: creates the accounts, users, roles and policies of a seed
    /// document; returns what was created.
    pub fn seed(&self, seed: &Value) -> Result<Value, AdminError> {
        self.admin("POST", "/_keyhole/seed", seed)
    }

    /// `GET /_keyhole/who-can`: every principal of the world (each account's root, every
    /// IAM user, a session `assumed-role/ROLE/keyhole-who-can` of every role, the service
    /// principals the resource's policy names) with the decision a request of its own for
    /// `action` on `resource` (a KMS key or alias ARN, a backup vault ARN, a role ARN) would
    /// get: `{"action", "resource", "allowed": [...], "denied": [...]}`. A resource the world
    /// does not have is refused with status 404.
    pub fn who_can(&self, action: &str, resource: &str) -> Result<Value, AdminError> {
        self.admin("GET", &crate::who_can::path(action, resource), &Value::Null)
    }

    /// Stops accepting and waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// An SDK configuration pointing at this emulator, signing as the root of `account`
    /// (keyhole's convention: a 12-digit access key id is that account's root).
    #[cfg(feature = "sdk")]
    pub async fn sdk_config(&self, account: &str) -> aws_config::SdkConfig {
        self.sdk_config_with_keys(account, "keyhole-secret", None)
            .await
    }

    /// An SDK configuration signing with the given keys.
    #[cfg(feature = "sdk")]
    pub async fn sdk_config_with_keys(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<String>,
    ) -> aws_config::SdkConfig {
        use aws_config::{BehaviorVersion, Region};
        let credentials = aws_credential_types::Credentials::new(
            access_key_id,
            secret_access_key,
            session_token,
            None,
            "keyhole",
        );
        let region = self.instance.world().settings.default_region.clone();
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(self.endpoint_url())
            .region(Region::new(region))
            .credentials_provider(credentials)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .load()
            .await
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
