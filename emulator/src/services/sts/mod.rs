//! AWS STS.

use serde_json::{json, Value};

use crate::context::RequestContext;
use crate::protocol::ApiResult;
use crate::world::World;

pub fn handle(
    ctx: &RequestContext,
    _world: &mut World,
    operation: &str,
    _input: &Value,
) -> ApiResult<Value> {
    match operation {
        // GetCallerIdentity needs no permission: AWS answers it even under an explicit deny.
        "GetCallerIdentity" => Ok(json!({
            "UserId": ctx.caller.user_id,
            "Account": ctx.caller.account,
            "Arn": ctx.caller.arn(),
        })),
        _ => Err(super::not_implemented(ctx)),
    }
}
