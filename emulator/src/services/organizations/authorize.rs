//! Organizations' call into the policy engine: `organizations:<Operation>` on a resource,
//! as a method of the shared [`Request`].

use crate::authz::{self, Access};
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

/// Organizations' members of a request beyond the shared accessors.
impl Request<'_> {
    /// Asks the policy engine about `organizations:<Operation>` on `resource`.
    pub fn authorize(&self, world: &World, resource: Option<String>) -> ApiResult<()> {
        authz::authorize(
            self.ctx,
            world,
            &Access {
                action: format!("organizations:{}", self.ctx.operation),
                resource,
                ..Access::default()
            },
        )
    }
}
