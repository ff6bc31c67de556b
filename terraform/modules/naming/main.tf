# Every resource name of one environment, in one place: `<project>-<env>-<purpose>`. The IAM
# policies build ARNs from these names, so both sides always agree.

locals {
  prefix = "${var.project}-${var.environment}"
}
