"""boto3 against keyhole: model validation failures in each service's own shape.
Organizations answers InvalidInputException with a Reason; KMS and STS never echo a
sensitive value. Client-side validation is off so the bad input reaches keyhole.
Prints a JSON object of the parsed errors; the Rust test asserts on it."""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]


def client(service):
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="111111111111", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def capture(call):
    """The parsed error and, for modeled exceptions, the Reason member botocore adds."""
    try:
        call()
    except ClientError as error:
        parsed = dict(error.response["Error"])
        if "Reason" in error.response:
            parsed["Reason"] = error.response["Reason"]
        return parsed
    return None


org = client("organizations")
kms = client("kms")
sts = client("sts")
key = kms.create_key()["KeyMetadata"]["KeyId"]
results = {
    "org_pattern": capture(lambda: org.create_organizational_unit(ParentId="bad", Name="x")),
    "org_enum": capture(lambda: org.list_children(ParentId="r-abcd", ChildType="BLEE")),
    "kms_plaintext": capture(lambda: kms.encrypt(KeyId=key, Plaintext=b"x" * 4097)),
    "sts_token": capture(lambda: sts.assume_role_with_web_identity(
        RoleArn="arn:aws:iam::111111111111:role/r", RoleSessionName="s1",
        WebIdentityToken="abc")),
}
print(json.dumps(results))
