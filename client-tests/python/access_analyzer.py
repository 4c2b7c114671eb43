"""boto3 against keyhole: IAM Access Analyzer's custom policy checks, each answered PASS and
FAIL, ValidatePolicy's findings a page at a time, and a request the model rejects (client-side validation off, so it reaches keyhole).
Prints a JSON object of what boto3 parsed; the Rust test asserts on it. The extra
`keyholeWitness` member is left out, as botocore drops members the model does not name."""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
aa = boto3.client(
    "accessanalyzer", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="111111111111", aws_secret_access_key="x",
    config=Config(retries={"max_attempts": 1}, parameter_validation=False),
)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def answer(response):
    return {k: response[k] for k in ("result", "message", "reasons") if k in response}


def capture(call):
    """The parsed error and the model's own members (reason, fieldList)."""
    try:
        call()
    except ClientError as error:
        parsed = dict(error.response["Error"])
        for member in ("reason", "fieldList"):
            if member in error.response:
                parsed[member] = error.response[member]
        return parsed
    return None


read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
wide = {"Sid": "Wide", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
deny_put = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}
delete = {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::logs/*"}
public = {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}
own = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
       "Action": "sns:Publish", "Resource": "*"}

results = {
    "no_new_access_pass": answer(aa.check_no_new_access(
        existingPolicyDocument=policy(wide), newPolicyDocument=policy(read),
        policyType="IDENTITY_POLICY")),
    "no_new_access_fail": answer(aa.check_no_new_access(
        existingPolicyDocument=policy(read), newPolicyDocument=policy(wide),
        policyType="IDENTITY_POLICY")),
    "not_granted_pass": answer(aa.check_access_not_granted(
        policyDocument=policy(read, deny_put), policyType="IDENTITY_POLICY",
        access=[{"actions": ["s3:PutObject"]}])),
    "not_granted_fail": answer(aa.check_access_not_granted(
        policyDocument=policy(read, delete), policyType="IDENTITY_POLICY",
        access=[{"actions": ["s3:DeleteObject"], "resources": ["arn:aws:s3:::logs/app.log"]}])),
    "public_pass": answer(aa.check_no_public_access(
        policyDocument=policy(own), resourceType="AWS::SNS::Topic")),
    "public_fail": answer(aa.check_no_public_access(
        policyDocument=policy(public), resourceType="AWS::SNS::Topic")),
    "validate_clean": aa.validate_policy(
        policyDocument=policy(read), policyType="IDENTITY_POLICY")["findings"],
    "validate_paged": [
        finding["issueCode"]
        for page in aa.get_paginator("validate_policy").paginate(
            policyDocument=json.dumps({"Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}),
            policyType="IDENTITY_POLICY", PaginationConfig={"PageSize": 1})
        for finding in page["findings"]],
    "validation": capture(lambda: aa.check_no_new_access(
        existingPolicyDocument=policy(read), newPolicyDocument=policy(read))),
}
print(json.dumps(results))
