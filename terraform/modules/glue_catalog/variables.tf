variable "database_name" {
  type        = string
  description = "Glue database name (from the naming module)."
}

variable "crawler_name" {
  type        = string
  description = "Crawler name, also its security configuration's (from the naming module)."
}

variable "curated_bucket" {
  type        = string
  description = "Curated zone bucket name; one crawler target per table folder."
}

variable "tables" {
  type        = list(string)
  description = "Curated tables to crawl (must equal lambda/spotify_transform/tables.py TABLES)."
  default = [
    "playlists",
    "playlist_items",
    "tracks",
    "albums",
    "artists",
    "track_artists",
    "saved_tracks",
    "saved_albums",
    "top_items",
    "plays",
    "streams",
    "quarantine",
    "import_quarantine",
  ]
}

variable "crawler_role_arn" {
  type        = string
  description = "Role of the crawler (iam module: crawler_role_arn)."
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the crawler's security configuration; null uses SSE-S3 and no log encryption key."
  default     = null
}

variable "recrawl_new_folders_only" {
  type        = bool
  description = "Incremental crawls (new partitions only). Glue then requires LOG for schema updates, so schema changes are no longer applied: keep false unless the schemas are frozen."
  default     = false
}
