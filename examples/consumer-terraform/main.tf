# Another team's VMs on a pip-airlock stack's private subnet: an instance template carrying the stack's bootstrap
# (and, with size > 0, a managed instance group of it). Every VM installs keyring and the Artifact Registry backend
# on boot and configures pip for Artifact Registry only. The pip-airlock config declares this team once:
#
#   "consumers": { "rocky-team": { "serviceAccounts": ["rocky-vms@acme-rocky.iam.gserviceaccount.com"],
#                                  "targets": ["rocky-linux-cloud/rocky-linux-9"] } }
#
# and its stack keeps its state in GCS (stateBucket), where this configuration reads it (modules/airlock-consumer).

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "6.50.0"
    }
  }
}

variable "project" {
  description = "Your project: where the VMs are created (a service project of the Shared VPC, or the stack's own)."
  type        = string
}

variable "zone" {
  description = "A zone of the private subnet's region."
  type        = string
}

variable "airlock_state_bucket" {
  description = "The pip-airlock stack's state bucket (stateBucket.bucket)."
  type        = string
}

variable "airlock_state_prefix" {
  description = "stateBucket.prefix and the stack's name, e.g. \"pip-airlock/prod\"."
  type        = string
}

variable "consumer" {
  description = "Your name in the pip-airlock config's consumers."
  type        = string
  default     = "rocky-team"
}

variable "image" {
  description = "The VMs' image: one the consumer's targets declare, so that the mirror serves wheels for it."
  type        = string
  default     = "rocky-linux-cloud/rocky-linux-9"
}

variable "machine_type" {
  type    = string
  default = "e2-small"
}

variable "size" {
  description = "VMs in a managed instance group of the template; 0 for the template alone."
  type        = number
  default     = 0
}

provider "google" {
  project = var.project
}

module "airlock" {
  source       = "./modules/airlock-consumer"
  state_bucket = var.airlock_state_bucket
  state_prefix = var.airlock_state_prefix
  consumer     = var.consumer
}

resource "google_compute_instance_template" "vm" {
  project      = var.project
  name_prefix  = "${var.consumer}-"
  region       = module.airlock.region
  machine_type = var.machine_type

  disk {
    boot         = true
    auto_delete  = true
    source_image = var.image
    disk_size_gb = 20
    disk_type    = "pd-balanced"
  }

  # No access_config: no external IP. The subnet's only way out is the Google APIs VIP, and the stack's egress
  # rules hold for the consumer's accounts.
  network_interface {
    subnetwork = module.airlock.subnetwork
  }

  service_account {
    email  = module.airlock.service_account
    scopes = module.airlock.scopes
  }

  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  metadata = module.airlock.metadata

  # A template cannot change in place (a new bootstrap makes a new one): the new one is made first.
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_instance_group_manager" "vms" {
  count              = var.size > 0 ? 1 : 0
  project            = var.project
  name               = var.consumer
  zone               = var.zone
  base_instance_name = var.consumer
  target_size        = var.size

  version {
    name              = "bootstrap"
    instance_template = google_compute_instance_template.vm.self_link_unique
  }

  # A new bootstrap rolls out one VM at a time; OPPORTUNISTIC leaves running VMs as they are.
  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    max_surge_fixed       = 1
    max_unavailable_fixed = 0
  }
}

output "template" {
  value = google_compute_instance_template.vm.self_link
}

output "status_command" {
  description = "Each VM's bootstrap status (guest attributes): put in VM and ZONE."
  value       = replace(module.airlock.status_command, "PROJECT", var.project)
}
