"""``ossimg roles``: every RAM role the deployment needs, and the deploying user's permissions, as
documents ready for ``aliyun ram`` or the console.

- The service role: trusted by ``fc.aliyuncs.com`` (funcraft ``src/lib/ram.js``), allowed what the
  rules need (``needs.role_needs``); FC hands its key to the function and writes logs with it.
- The OSS trigger's invocation role: trusted by ``oss.aliyuncs.com``, allowed ``fc:InvokeFunction``
  on the service's functions (funcraft ``src/lib/trigger.js``, ``makeInvocationRole``).
- The deploying user: the FC calls ``ossimg deploy`` makes on its service, ``ram:PassRole`` on the two
  roles, and ``oss:PutBucketEventNotification`` (with the reads and deletes next to it) on the source
  buckets, since creating an OSS trigger writes the bucket's event notification (devsapp/fc
  ``docs/en/yaml/triggers.md`` and ``service.md``, "Permission configuration").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ossimg.rules.compiled import CompiledRules

from ..fc.template import FunctionSpec
from .needs import role_needs, trigger_needs


@dataclass(frozen=True)
class Role:
    """A RAM role: its name, who may assume it, and its permission policy."""

    name: str
    why: str
    trusts: str
    policy: dict[str, Any]

    @property
    def trust_policy(self) -> dict[str, Any]:
        return {
            "Version": "1",
            "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [self.trusts]}}],
        }

    def arn(self, account: str) -> str:
        return f"acs:ram::{account}:role/{self.name}"


def _allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def roles(specs: list[FunctionSpec], rules: CompiledRules, region: str, account: str) -> list[Role]:
    """The service role and the OSS invocation role of each service in ``specs``."""
    found = []
    for service in sorted({s.service for s in specs}):
        members = [s for s in specs if s.service == service]
        statements = {}
        for spec in members:
            for need in role_needs(rules, spec):
                statements[(need.actions, need.resources)] = _allow(list(need.actions), list(need.resources))
        found.append(
            Role(
                f"{service}-fc",
                f"the service role of {service}: what its functions do",
                "fc.aliyuncs.com",
                {"Version": "1", "Statement": list(statements.values())},
            )
        )
        functions = [f"acs:fc:{region}:{account}:services/{service}/functions/{s.name}" for s in members if s.triggers]
        found.append(
            Role(
                f"{service}-oss-invoke",
                f"the role OSS assumes to invoke {service}'s functions",
                "oss.aliyuncs.com",
                {"Version": "1", "Statement": [_allow(["fc:InvokeFunction"], functions)]},
            )
        )
    return found


def deployer_policy(specs: list[FunctionSpec], rules: CompiledRules, region: str, account: str) -> dict[str, Any]:
    """What the user running ``ossimg deploy`` needs."""
    fc = f"acs:fc:{region}:{account}:services"
    services = sorted({s.service for s in specs})
    buckets = sorted({t.bucket for t in trigger_needs(rules)} | {t.bucket for s in specs for t in s.triggers})
    passed = [role.arn(account) for role in roles(specs, rules, region, account)]
    return {
        "Version": "1",
        "Statement": [
            _allow(["fc:CreateService"], [f"{fc}/*"]),
            _allow(["fc:GetService", "fc:UpdateService"], [f"{fc}/{s}" for s in services]),
            _allow(
                [
                    "fc:CreateFunction",
                    "fc:GetFunction",
                    "fc:UpdateFunction",
                    "fc:DeleteFunction",
                    "fc:ListFunctions",
                    "fc:PutFunctionAsyncInvokeConfig",
                    "fc:GetFunctionAsyncInvokeConfig",
                    "fc:DeleteFunctionAsyncInvokeConfig",
                ],
                [f"{fc}/{s}/functions/*" for s in services] + [f"{fc}/{s}.*/functions/*" for s in services],
            ),
            _allow(
                ["fc:CreateTrigger", "fc:GetTrigger", "fc:UpdateTrigger", "fc:DeleteTrigger", "fc:ListTriggers"],
                [f"{fc}/{s}/functions/*/triggers/*" for s in services],
            ),
            _allow(["ram:PassRole"], passed),
            _allow(
                [
                    "oss:GetBucketEventNotification",
                    "oss:PutBucketEventNotification",
                    "oss:DeleteBucketEventNotification",
                ],
                [f"acs:oss:*:{account}:{b}" for b in buckets],
            ),
        ],
    }


def report(specs: list[FunctionSpec], rules: CompiledRules, region: str, account: str, user: str) -> str:
    """The roles and the user's policy as ``aliyun ram`` commands, each document also usable in the console."""
    out = []
    for role in roles(specs, rules, region, account):
        policy = f"{role.name}-policy"
        out += [
            f"# {role.name}: {role.why}; trusted by {role.trusts}. ARN: {role.arn(account)}",
            f"aliyun ram CreateRole --RoleName {role.name} --AssumeRolePolicyDocument {_doc(role.trust_policy)}",
            f"aliyun ram CreatePolicy --PolicyName {policy} --PolicyDocument {_doc(role.policy)}",
            f"aliyun ram AttachPolicyToRole --PolicyType Custom --PolicyName {policy} --RoleName {role.name}",
            "",
        ]
    deployer = _doc(deployer_policy(specs, rules, region, account))
    attach = f"aliyun ram AttachPolicyToUser --PolicyType Custom --PolicyName ossimg-deployer --UserName {user}"
    out += [
        f"# {user}: the RAM user that runs `ossimg deploy`",
        f"aliyun ram CreatePolicy --PolicyName ossimg-deployer --PolicyDocument {deployer}",
        attach,
    ]
    return "\n".join(out) + "\n"


def _doc(document: dict[str, Any]) -> str:
    text = json.dumps(document, separators=(",", ":"))
    return "'" + text.replace("'", "'\\''") + "'"
