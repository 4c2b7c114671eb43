//! Embedded mode: run keyhole inside a test process on a free port.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emu = keyhole::Emulator::start().await?;
//! println!("{}", emu.endpoint_url());
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::pipeline::Shared;
use crate::server;
use crate::world::Settings;

/// A running keyhole; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
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
        let shared = Arc::new(Shared::new(settings));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(listener, shared.clone(), async move {
            let _ = stopped.await;
        }));
        Ok(Emulator {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state, for tests that inspect or seed the world directly.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
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
        let region = self.shared.world().settings.default_region.clone();
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
