run "dev_names" {
  command = plan

  variables {
    environment = "dev"
  }

  assert {
    condition     = output.transform_function == "spotify-pipeline-dev-transform"
    error_message = "function name must be <project>-<env>-transform"
  }

  assert {
    condition     = output.glue_database == "spotify_pipeline_dev_curated"
    error_message = "Glue database names use underscores"
  }
}

run "rejects_unknown_environment" {
  command = plan

  variables {
    environment = "staging"
  }

  expect_failures = [var.environment]
}

run "rejects_bad_project" {
  command = plan

  variables {
    project     = "Spotify_Pipeline"
    environment = "prod"
  }

  expect_failures = [var.project]
}
