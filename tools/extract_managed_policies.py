"""Copy the AWS-managed policies keyhole serves from moto's snapshot of AWS's documents
(moto/iam/aws_managed_policies.py) into emulator/data/managed-policies/<Name>.json.

Run: python3 tools/extract_managed_policies.py [out_dir]
The file is parsed, not imported, so moto's dependencies need not be installed.
Names moto lacks are reported on stderr and skipped."""
import ast, json, os, sys

WANTED = [
    "AdministratorAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
    "IAMReadOnlyAccess",
    "AWSBackupServiceRolePolicyForBackup",
    "AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceLinkedRolePolicyForBackup",
    "AWSBackupFullAccess",
    "AWSBackupOperatorAccess",
    "AWSBackupAuditAccess",
    "AWSBackupOrganizationAdminAccess",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
    "AWSServiceRolePolicyForBackupReports",
    "AWSServiceRolePolicyForBackupRestoreTesting",
    "AWSKeyManagementServicePowerUser",
    "AWSOrganizationsFullAccess",
    "AWSOrganizationsReadOnlyAccess",
    # sts:AssumeRoot task policies
    "IAMAuditRootUserCredentials",
    "IAMCreateRootUserPassword",
    "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy",
    "SQSUnlockQueuePolicy",
]


def moto_policies():
    import importlib.util
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("moto is not installed")
    path = os.path.join(list(spec.submodule_search_locations)[0], "iam", "aws_managed_policies.py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "aws_managed_policies_data":
            return json.loads(node.value.value)
    sys.exit(f"no aws_managed_policies_data in {path}")


def main(out_dir):
    data = moto_policies()
    os.makedirs(out_dir, exist_ok=True)
    for name in WANTED:
        policy = data.get(name)
        if policy is None:
            print(f"missing from moto: {name}", file=sys.stderr)
            continue
        out = {
            "name": name,
            "path": policy["Path"],
            "defaultVersionId": policy["DefaultVersionId"],
            "createDate": policy["CreateDate"],
            "updateDate": policy["UpdateDate"],
            "document": policy["Document"],
        }
        with open(os.path.join(out_dir, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print(f"    (\"{name}\", include_str!(\"../../../data/managed-policies/{name}.json\")),")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "emulator/data/managed-policies")
