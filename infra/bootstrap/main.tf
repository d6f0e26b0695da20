# The platform team's first step: one `terraform apply` here creates what the environments'
# own applies need before they can run: the state bucket, GitHub's OIDC provider, a plan role
# and an apply role per environment, and the Secrets Manager secrets that keep the private
# signing keys (filled by `node scripts/deploy.mjs keys <env>`, never by Terraform).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  with_roles = var.github_repository != null

  # The environments' S3 backends use these keys (infra/envs/<env>/versions.tf).
  state_keys = { for env in var.environments : env => "game-chat/${env}/terraform.tfstate" }
  # Names the chat stack gives its resources (envs/<env>/main.tf: name = "game-chat-<env>").
  stack_names = { for env in var.environments : env => "game-chat-${env}" }

  # Who may assume which role, as the `sub` claim of GitHub's OIDC token:
  # - dev is planned on pull requests (same-repository branches only, see deploy.yml);
  # - prod is planned only by a job in the `prod-plan` environment, which only main may use,
  #   so no pull request can read prod state;
  # - each apply runs in its environment (prod's has required reviewers).
  plan_subjects = {
    dev  = "repo:${coalesce(var.github_repository, "-")}:pull_request"
    prod = "repo:${coalesce(var.github_repository, "-")}:environment:prod-plan"
  }
  apply_subjects = { for env in var.environments : env => "repo:${coalesce(var.github_repository, "-")}:environment:${env}" }

  roles = local.with_roles ? toset(var.environments) : toset([])

  github_oidc_provider_arn = var.create_github_oidc_provider ? one(aws_iam_openid_connect_provider.github[*].arn) : one(data.aws_iam_openid_connect_provider.github[*].arn)
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "state" {
  bucket = var.state_bucket_name

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Each environment's state (which holds the cache AUTH token) is readable only by that
  # environment's roles and the named admins, even for principals with s3:GetObject on "*"
  # (such as ReadOnlyAccess).
  dynamic "statement" {
    for_each = local.roles

    content {
      sid       = "OnlyOwnRolesUse${title(statement.value)}State"
      effect    = "Deny"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${aws_s3_bucket.state.arn}/game-chat/${statement.value}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = concat([aws_iam_role.plan[statement.value].arn, aws_iam_role.apply[statement.value].arn], var.state_admin_principal_arns)
      }
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

################################################################################
# Signing-key secrets (values written by scripts/deploy.mjs keys, never by Terraform)
################################################################################

resource "aws_secretsmanager_secret" "authorizer_signing_key" {
  for_each = local.stack_names

  name                    = "${each.value}-authorizer-signing-key"
  description             = "PEM private key (RSA) that signs player tokens for the ${each.value} IoT custom authorizer; the token issuer reads it. Written by scripts/deploy.mjs keys ${each.key}."
  recovery_window_in_days = var.key_secret_recovery_window_days
}

resource "aws_secretsmanager_secret" "player_token_key" {
  for_each = { for env, name in local.stack_names : env => name if contains(var.asymmetric_player_token_environments, env) }

  name                    = "${each.value}-player-token-key"
  description             = "PEM private key (ES256) that signs ${each.value} player tokens; the token issuer reads it. Written by scripts/deploy.mjs keys ${each.key}."
  recovery_window_in_days = var.key_secret_recovery_window_days
}

################################################################################
# GitHub Actions OIDC
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  count = local.with_roles && var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = local.with_roles && !var.create_github_oidc_provider ? 1 : 0

  url = "https://token.actions.githubusercontent.com"
}

# One trust policy per role: "<env>-plan" and "<env>-apply".
data "aws_iam_policy_document" "assume" {
  for_each = merge(
    { for env in local.roles : "${env}-plan" => local.plan_subjects[env] },
    { for env in local.roles : "${env}-apply" => local.apply_subjects[env] },
  )

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [each.value]
    }
  }
}

# What both roles of an environment may do with its state: list its prefix, read the state.
data "aws_iam_policy_document" "state_read" {
  for_each = local.roles

  statement {
    sid       = "ListOwnStatePrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["game-chat/${each.key}/*"]
    }
  }

  statement {
    sid       = "ReadOwnState"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_keys[each.key]}", "${aws_s3_bucket.state.arn}/${local.state_keys[each.key]}.tflock"]
  }
}

################################################################################
# Plan roles: read everything (refresh), read own state, take its lock
################################################################################

resource "aws_iam_role" "plan" {
  for_each = local.roles

  name                 = "game-chat-${each.key}-terraform-plan"
  description          = "terraform plan of game-chat ${each.key} from GitHub Actions"
  assume_role_policy   = data.aws_iam_policy_document.assume["${each.key}-plan"].json
  max_session_duration = 3600
}

# Refresh reads every resource of the stack. AWS's ReadOnlyAccess has no
# secretsmanager:GetSecretValue, and none is needed: the stack's secret versions are write-only
# (refreshed with ListSecretVersionIds) or not managed by Terraform at all.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  for_each = local.roles

  role       = aws_iam_role.plan[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan_state" {
  for_each = local.roles

  source_policy_documents = [data.aws_iam_policy_document.state_read[each.key].json]

  # use_lockfile: the backend writes <key>.tflock with a conditional put and deletes it after.
  statement {
    sid       = "TakeOwnStateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_keys[each.key]}.tflock"]
  }
}

resource "aws_iam_role_policy" "plan_state" {
  for_each = local.roles

  name   = "terraform-state"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan_state[each.key].json
}

################################################################################
# Apply roles: what the chat stack creates, scoped to its names where AWS allows
################################################################################

resource "aws_iam_role" "apply" {
  for_each = local.roles

  name                 = "game-chat-${each.key}-terraform-apply"
  description          = "terraform apply and smoke test of game-chat ${each.key} from GitHub Actions"
  assume_role_policy   = data.aws_iam_policy_document.assume["${each.key}-apply"].json
  max_session_duration = 7200
}

resource "aws_iam_role_policy_attachment" "apply_read_only" {
  for_each = local.roles

  role       = aws_iam_role.apply[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "apply" {
  for_each = local.roles

  source_policy_documents = [data.aws_iam_policy_document.state_read[each.key].json]

  statement {
    sid       = "WriteOwnStateAndLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_keys[each.key]}", "${aws_s3_bucket.state.arn}/${local.state_keys[each.key]}.tflock"]
  }

  statement {
    sid = "ManageStackRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
    ]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${local.stack_names[each.key]}-*"]
  }

  statement {
    sid       = "PassStackRoles"
    actions   = ["iam:PassRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${local.stack_names[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com", "iot.amazonaws.com"]
    }
  }

  statement {
    sid       = "CreateElastiCacheServiceLinkedRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/elasticache.amazonaws.com/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["elasticache.amazonaws.com"]
    }
  }

  statement {
    sid = "ManageStackFunctions"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency", "lambda:PutFunctionEventInvokeConfig",
      "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig",
      "lambda:AddPermission", "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource",
    ]
    resources = ["arn:${local.partition}:lambda:${var.region}:${local.account_id}:function:${local.stack_names[each.key]}-*"]
  }

  statement {
    sid = "ManageStackLogs"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource",
      "logs:PutMetricFilter", "logs:DeleteMetricFilter",
    ]
    resources = [
      "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${local.stack_names[each.key]}-*",
      "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/game-chat/${local.stack_names[each.key]}/*",
    ]
  }

  statement {
    sid       = "ManageStackQueue"
    actions   = ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"]
    resources = ["arn:${local.partition}:sqs:${var.region}:${local.account_id}:${local.stack_names[each.key]}-*"]
  }

  statement {
    sid = "ManageStackAlarmTopic"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe",
      "sns:Unsubscribe", "sns:TagResource", "sns:UntagResource",
    ]
    resources = ["arn:${local.partition}:sns:${var.region}:${local.account_id}:${local.stack_names[each.key]}-*"]
  }

  statement {
    sid       = "ManageStackAlarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
    resources = ["arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${local.stack_names[each.key]}-*"]
  }

  statement {
    sid       = "ManageStackDashboard"
    actions   = ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"]
    resources = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${local.stack_names[each.key]}-*"]
  }

  # GetSecretValue: the smoke test after each apply signs tokens with the stack's keys.
  statement {
    sid = "ManageAndReadStackSecrets"
    actions = [
      "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret",
      "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
      "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:GetSecretValue",
    ]
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:${local.stack_names[each.key]}-*"]
  }

  statement {
    sid = "ManageStackIotResources"
    actions = [
      "iot:CreateTopicRule", "iot:ReplaceTopicRule", "iot:DeleteTopicRule",
      "iot:CreateAuthorizer", "iot:UpdateAuthorizer", "iot:DeleteAuthorizer",
      "iot:CreateDomainConfiguration", "iot:UpdateDomainConfiguration", "iot:DeleteDomainConfiguration",
      "iot:TagResource", "iot:UntagResource",
    ]
    resources = [
      "arn:${local.partition}:iot:${var.region}:${local.account_id}:rule/${replace(local.stack_names[each.key], "-", "_")}_*",
      "arn:${local.partition}:iot:${var.region}:${local.account_id}:authorizer/${local.stack_names[each.key]}-*",
      "arn:${local.partition}:iot:${var.region}:${local.account_id}:domainconfiguration/${local.stack_names[each.key]}-*",
    ]
  }

  statement {
    sid = "ManageStackCache"
    actions = [
      "elasticache:CreateReplicationGroup", "elasticache:ModifyReplicationGroup",
      "elasticache:DeleteReplicationGroup", "elasticache:CreateCacheCluster",
      "elasticache:CreateCacheSubnetGroup", "elasticache:ModifyCacheSubnetGroup",
      "elasticache:DeleteCacheSubnetGroup", "elasticache:CreateCacheParameterGroup",
      "elasticache:ModifyCacheParameterGroup", "elasticache:DeleteCacheParameterGroup",
      "elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource",
    ]
    resources = [
      "arn:${local.partition}:elasticache:${var.region}:${local.account_id}:replicationgroup:${local.stack_names[each.key]}-*",
      "arn:${local.partition}:elasticache:${var.region}:${local.account_id}:cluster:${local.stack_names[each.key]}-*",
      "arn:${local.partition}:elasticache:${var.region}:${local.account_id}:subnetgroup:${local.stack_names[each.key]}-*",
      "arn:${local.partition}:elasticache:${var.region}:${local.account_id}:parametergroup:${local.stack_names[each.key]}-*",
    ]
  }

  # The HTTP API's id is chosen by AWS, so its ARN cannot carry the stack's name.
  statement {
    sid       = "ManageHttpApis"
    actions   = ["apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"]
    resources = ["arn:${local.partition}:apigateway:${var.region}::/apis", "arn:${local.partition}:apigateway:${var.region}::/apis/*", "arn:${local.partition}:apigateway:${var.region}::/tags/*"]
  }

  # VPC resources get ids, not names; EC2 scopes them by tag. The provider's default tags put
  # Environment = <env> on every one of them (the stack's envs/<env>/providers.tf).
  statement {
    sid = "CreateTaggedNetwork"
    actions = [
      "ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateRouteTable", "ec2:CreateSecurityGroup",
      "ec2:CreateVpcEndpoint", "ec2:CreateInternetGateway", "ec2:AllocateAddress", "ec2:CreateNatGateway",
      # Tag-on-create: the tags of a new resource are authorized by their request tags.
      "ec2:CreateTags",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "ChangeOwnNetwork"
    actions = [
      "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteSubnet", "ec2:DeleteRouteTable",
      "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute",
      "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:ModifySecurityGroupRules",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
      "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:AttachInternetGateway",
      "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway", "ec2:ReleaseAddress",
      "ec2:DeleteNatGateway", "ec2:CreateTags", "ec2:DeleteTags",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "ManagePrivateHostedZone"
    actions = [
      "route53:CreateHostedZone", "route53:DeleteHostedZone", "route53:ChangeResourceRecordSets",
      "route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone",
      "route53:ChangeTagsForResource",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region, "us-east-1"]
    }
  }
}

resource "aws_iam_role_policy" "apply" {
  for_each = local.roles

  name   = "game-chat-stack"
  role   = aws_iam_role.apply[each.key].id
  policy = data.aws_iam_policy_document.apply[each.key].json
}
