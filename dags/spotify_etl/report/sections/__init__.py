"""The report page's sections (pure HTML): the listener's period in music first, then the long
view, the playlists, the library, and last the pipeline's health, data quality and cost."""
