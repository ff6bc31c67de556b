"""The Spotify data export: `land` stores a zip's (or folder's) streaming history in the raw zone;
the steps that transform, merge and commit it are in `spotify_etl.pipeline.history`."""
