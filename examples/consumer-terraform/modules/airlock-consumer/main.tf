# pip-airlock consumer: what a VM of yours needs to bootstrap from a pip-airlock stack, read from that stack's
# state (its output consumer_<name>, see the pip-airlock README, "Consumers"). It reads; it creates nothing, and
# needs no provider but Terraform's own (terraform_remote_state).

terraform {
  required_version = ">= 1.5"
}

variable "state_bucket" {
  description = "The pip-airlock stack's state bucket: stateBucket.bucket of its config."
  type        = string
}

variable "state_prefix" {
  description = "The pip-airlock stack's state prefix: stateBucket.prefix, a slash, and the stack's name (the environment, or the config's name), e.g. \"pip-airlock/prod\"."
  type        = string
}

variable "consumer" {
  description = "Your consumer's name in the pip-airlock config (consumers.NAME)."
  type        = string
}

variable "service_account" {
  description = "The service account your VMs run as: one of those consumers.NAME.serviceAccounts lists (the only ones granted). Default: the first."
  type        = string
  default     = null
}

variable "metadata" {
  description = "Metadata of your own for the VMs, added to what the bootstrap needs (a key the bootstrap sets is refused)."
  type        = map(string)
  default     = {}
}

data "terraform_remote_state" "airlock" {
  backend = "gcs"
  config = {
    bucket = var.state_bucket
    prefix = var.state_prefix
  }
}

locals {
  output_name     = "consumer_${replace(var.consumer, "-", "_")}"
  consumer        = try(data.terraform_remote_state.airlock.outputs[local.output_name], null)
  granted         = try(local.consumer.service_accounts, [])
  service_account = var.service_account != null ? var.service_account : try(local.granted[0], "")
  clashes         = local.consumer == null ? [] : sort(setintersection(keys(var.metadata), keys(local.consumer.metadata)))
}

output "metadata" {
  description = "The VMs' metadata: the bootstrap as startup-script, OS Login, guest attributes (the bootstrap reports through them), project SSH keys blocked, serial port output to Cloud Logging; and yours."
  value       = merge(var.metadata, local.consumer.metadata)
  precondition {
    condition     = local.consumer != null
    error_message = "The pip-airlock state gs://${var.state_bucket}/${var.state_prefix} has no output ${local.output_name}: declare consumers.${var.consumer} in the pip-airlock config and deploy the stack (or check state_bucket, state_prefix and consumer)."
  }
  precondition {
    condition     = length(local.clashes) == 0
    error_message = "metadata sets ${join(", ", local.clashes)}, which the bootstrap sets: remove them from var.metadata."
  }
}

output "service_account" {
  description = "The account the VMs run as (read-only on the repositories consumers.NAME reads, and the signing key's public key)."
  value       = local.service_account
  precondition {
    condition     = contains(local.granted, local.service_account)
    error_message = "service_account ${local.service_account} is not one the pip-airlock stack granted consumers.${var.consumer} (${join(", ", local.granted)}): add it to consumers.${var.consumer}.serviceAccounts and deploy the stack, or run the VMs as one of those."
  }
}

output "scopes" {
  description = "The service account's scopes (the bootstrap's token reaches Artifact Registry and Cloud KMS)."
  value       = local.consumer.service_account_scopes
}

output "subnetwork" {
  description = "The private subnet (self link; on a Shared VPC, in the host project): no route to the internet, only the Google APIs VIP."
  value       = local.consumer.subnetwork
}

output "network_project" {
  description = "The project of the network (the Shared VPC host project, or the stack's)."
  value       = local.consumer.network_project
}

output "region" {
  description = "The subnet's region: the VMs' zones are in it."
  value       = local.consumer.region
}

output "pip_index_url" {
  description = "The index pip is configured with on every VM the bootstrap set up."
  value       = local.consumer.pip_index_url
}

output "startup_script_sha256" {
  description = "The bootstrap's sha256: it changes when the pip-airlock stack's bootstrap does (not when a target is added)."
  value       = local.consumer.startup_script_sha256
}

output "status_command" {
  description = "How to read a VM's bootstrap status (ready, failed with failed-step, ready-stale): put in VM, ZONE and PROJECT."
  value       = local.consumer.status
}
