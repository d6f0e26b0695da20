output "state_bucket_name" {
  description = "The state bucket: `TF_STATE_BUCKET` for scripts/deploy.mjs and the repository variable of the same name."
  value       = aws_s3_bucket.state.bucket
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider the roles trust, or null without `github_repository`."
  value       = local.with_roles ? local.github_oidc_provider_arn : null
}

output "plan_role_arns" {
  description = "Plan role per environment: the `AWS_PLAN_ROLE_ARN` variable of the GitHub environments `dev` (pull-request plans; set it as a repository variable `AWS_DEV_PLAN_ROLE_ARN`) and `prod-plan`."
  value       = { for env, role in aws_iam_role.plan : env => role.arn }
}

output "apply_role_arns" {
  description = "Apply role per environment: the `AWS_DEPLOY_ROLE_ARN` variable of the GitHub environments `dev` and `prod`."
  value       = { for env, role in aws_iam_role.apply : env => role.arn }
}

output "authorizer_signing_key_secret_arns" {
  description = "Per environment, the secret that `node scripts/deploy.mjs keys <env>` fills with the authorizer's private signing key."
  value       = { for env, secret in aws_secretsmanager_secret.authorizer_signing_key : env => secret.arn }
}

output "player_token_key_secret_arns" {
  description = "Per environment with asymmetric player tokens, the secret that `node scripts/deploy.mjs keys <env>` fills with the private ES256 key."
  value       = { for env, secret in aws_secretsmanager_secret.player_token_key : env => secret.arn }
}
