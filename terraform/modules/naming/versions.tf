terraform {
  # Provider-free on purpose: init, validate and test run offline.
  required_version = ">= 1.10"
}
