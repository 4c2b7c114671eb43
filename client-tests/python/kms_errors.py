"""boto3 against keyhole: each error must parse into AWS's code and message.
Prints a JSON object of the parsed errors; the Rust test asserts on it."""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
kms = boto3.client(
    "kms", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="111111111111", aws_secret_access_key="x",
    config=Config(retries={"max_attempts": 1}, parameter_validation=False),
)


def capture(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]
    return None


def rename_target(request, **_):
    request.headers["X-Amz-Target"] = "TrentService.NoSuchOperation"


def break_body(request, **_):
    request.data = b'{"KeyId": '


results = {}
kms.meta.events.register_first("before-sign.kms.DescribeKey", rename_target)
results["unknown_operation"] = capture(lambda: kms.describe_key(KeyId="alias/x"))
kms.meta.events.unregister("before-sign.kms.DescribeKey", rename_target)
kms.meta.events.register_first("before-sign.kms.ListAliases", break_body)
results["malformed_body"] = capture(lambda: kms.list_aliases())
results["validation"] = capture(lambda: kms.describe_key(KeyId=""))
print(json.dumps(results))
